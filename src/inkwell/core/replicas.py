"""Streaming replicas that serve reads, and the one rule that picks where a read goes.

Each instance asks each replica, every REPLICA_CHECK_SECONDS, how far it has replayed the
primary's WAL and how far behind it is (`watch`). A read then goes (`Reads.route`):

- with a WAL position it must see (the caller's own last write, sent back to us in the
  `X-Consistency-Token` header), to a replica that has replayed past it, else to the
  primary: read-your-writes, whichever instance answers;
- without one, to a replica that answered its last check, is not paused, and is at most
  REPLICA_MAX_LAG_SECONDS behind; with none such, to the primary.

A replica that fails a check, is paused or lags further is out of rotation until a check
finds it well again. Replica positions are never shared between replicas: a position one
replica has replayed says nothing of another (GitLab's gitlab-org/gitlab#413203).
"""

import asyncio
import contextlib
import itertools
import math
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from inkwell.core.db import AsyncReadSession
from inkwell.core.ops.logging import get_logger
from inkwell.core.ops.metrics import REPLICA_HEALTHY, REPLICA_LAG

logger = get_logger("inkwell.replicas")

PRIMARY = "primary"
REPLICA = "replica"

# What a replica says of itself (a promoted one, a primary now, is never behind). Caught
# up (all it received is replayed) is no lag, however long ago the primary last wrote;
# otherwise, the age of the last replayed commit.
_CHECK = text(
    "SELECT pg_is_in_recovery() AS standby,"
    " (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn()"
    "   ELSE pg_current_wal_lsn() END)::text AS replayed,"
    " CASE WHEN NOT pg_is_in_recovery()"
    "   OR pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0"
    "   ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp()) END AS lag,"
    " pg_is_in_recovery() AND pg_is_wal_replay_paused() AS paused"
)


def parse_lsn(value: str) -> int:
    """A WAL position (`16/B374D848`) as a number, to compare; ValueError if it is none."""
    high, sep, low = value.strip().partition("/")
    if not sep or not high or not low or len(high) > 8 or len(low) > 8:
        raise ValueError(f"not a WAL position: {value!r}")
    return (int(high, 16) << 32) | int(low, 16)


def format_lsn(position: int) -> str:
    return f"{position >> 32:X}/{position & 0xFFFFFFFF:X}"


@dataclass
class Replica:
    """One replica, as its last check (or a read that could not reach it) found it."""

    name: str
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncReadSession]
    replayed: int = -1
    lag: float = math.inf
    healthy: bool = False

    def serves(self, max_lag: float, at_least: int | None) -> bool:
        fresh_enough = at_least is None or self.replayed >= at_least
        return self.healthy and self.lag <= max_lag and fresh_enough

    def unreachable(self, exc: BaseException) -> None:
        """Out of rotation until a check reaches it again."""
        if self.healthy:
            logger.warning("replica out of rotation", replica=self.name, error=str(exc))
        self.healthy, self.lag = False, math.inf
        self.report()

    def report(self) -> None:
        REPLICA_HEALTHY.labels(self.name).set(1 if self.healthy else 0)
        REPLICA_LAG.labels(self.name).set(self.lag if math.isfinite(self.lag) else -1)


@dataclass
class Reads:
    """Where this instance's reads go: the primary's sessions and the replicas'."""

    primary: async_sessionmaker[AsyncReadSession]
    replicas: Sequence[Replica] = ()
    max_lag: float = 5.0
    # A replica that cannot say where it is within this long is out of rotation.
    check_timeout: float = 1.0
    _turn: Iterator[int] = field(default_factory=itertools.count)

    def route(
        self, *, at_least: int | None, fresh: bool
    ) -> tuple[str, async_sessionmaker[AsyncReadSession]]:
        """The sessions a read takes, and where they read ("primary" or "replica").
        `fresh`: the read must see everything committed (a signed-in caller's, whose
        last write we cannot know here); `at_least`: a WAL position it must see."""
        if not fresh and self.replicas:
            serving = [r for r in self.replicas if r.serves(self.max_lag, at_least)]
            if serving:
                return REPLICA, serving[next(self._turn) % len(serving)].sessions
        return PRIMARY, self.primary

    async def check(self, replica: Replica) -> None:
        """Ask `replica` where it is; out of rotation if it cannot say in time."""
        try:
            async with asyncio.timeout(self.check_timeout), replica.engine.connect() as conn:
                row = (await conn.execute(_CHECK)).one()
        except Exception as exc:
            replica.unreachable(exc)
            return
        well = not row.paused and row.replayed is not None
        if well != replica.healthy:
            logger.info(
                "replica " + ("in" if well else "out of") + " rotation",
                replica=replica.name,
                lag=row.lag,
                paused=row.paused,
            )
        replica.replayed = parse_lsn(row.replayed) if row.replayed else -1
        replica.lag = float(row.lag) if row.lag is not None else math.inf
        replica.healthy = well
        replica.report()

    async def check_all(self) -> None:
        await asyncio.gather(*(self.check(replica) for replica in self.replicas))

    async def watch(self, interval: float) -> None:
        """Check every replica every `interval` seconds until cancelled."""
        while True:
            await self.check_all()
            await asyncio.sleep(interval)


@contextlib.asynccontextmanager
async def watching(reads: Reads, interval: float) -> AsyncIterator[None]:
    """Check the replicas once, then every `interval` seconds while the block runs."""
    if not reads.replicas:
        yield
        return
    await reads.check_all()
    task = asyncio.create_task(reads.watch(interval), name="inkwell-replicas")
    try:
        yield
    finally:
        task.cancel()
        await asyncio.wait([task])


_WRITTEN = text("SELECT pg_current_wal_insert_lsn()::text")


async def written_position(engine: AsyncEngine) -> str:
    """The primary's WAL position now, past every transaction committed before: a
    replica that has replayed it shows them all. In a transaction of its own, not in
    autocommit: behind PgBouncer's transaction pooling, an autocommit statement's
    prepare and execute may land on two server connections."""
    async with engine.connect() as conn:
        position: str = await conn.scalar(_WRITTEN)
    return position


def replica_name(url: str) -> str:
    """A replica as metrics and logs name it: host, port and database, no credentials."""
    parsed = make_url(url)
    return f"{parsed.host or 'localhost'}:{parsed.port or 5432}/{parsed.database or ''}"
