"""Expired rows, deleted: by `inkwell purge`, and every PURGE_INTERVAL_SECONDS by the app.

What expires is one rule (`purge_expired`), whoever runs it. Every worker of every
replica runs the periodic purge; on PostgreSQL the first to take a transaction-level
advisory lock does the work and the others skip their turn, rather than queue to
delete rows that are already gone. On SQLite (one host) each just runs: its writes are
serialized, and a purge after another finds nothing.
"""

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy import BigInteger, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from inkwell.auth import throttle
from inkwell.core.ops.logging import get_logger
from inkwell.core.ops.metrics import PURGED_ROWS
from inkwell.idempotency import service as idempotency_service

# Any fixed number (beside core.ops.migrations.MIGRATION_LOCK_ID); the throttle's lock
# ids are 64-bit digests of its keys, which this one is as unlikely to meet as any.
PURGE_LOCK_ID = 0x1A7C_3E12

logger = get_logger("inkwell.purge")

_TRY_LOCK = select(func.pg_try_advisory_xact_lock(literal(PURGE_LOCK_ID, BigInteger)))


@dataclass(frozen=True)
class Purged:
    """Rows deleted, by kind (the names of their tables)."""

    idempotency_keys: int
    throttle_hits: int


async def purge_expired(session: AsyncSession) -> Purged:
    """Delete the idempotency keys past their TTL and the throttle hits that no longer count."""
    return Purged(
        idempotency_keys=await idempotency_service.purge_expired(session),
        throttle_hits=await throttle.purge_expired(session),
    )


async def purge_once(sessionmaker: async_sessionmaker[AsyncSession]) -> Purged | None:
    """One purge, counted in `inkwell_purged_rows_total` once committed; None when
    another instance holds the purge lock (PostgreSQL)."""
    async with sessionmaker() as session, session.begin():
        if not await _take_turn(session):
            return None
        purged = await purge_expired(session)
    for kind, rows in dataclasses.asdict(purged).items():
        PURGED_ROWS.labels(kind).inc(rows)
    return purged


async def _take_turn(session: AsyncSession) -> bool:
    if session.get_bind().dialect.name != "postgresql":
        return True
    # Released at commit or rollback: a worker that dies mid-purge holds nothing, and
    # it works through PgBouncer in transaction mode, unlike a session-level lock.
    return bool(await session.scalar(_TRY_LOCK))


async def purge_periodically(
    sessionmaker: async_sessionmaker[AsyncSession], interval: float
) -> None:
    """Purge every `interval` seconds until cancelled. A failure (the database down, a
    statement timeout) is logged and the next turn tries again: it never ends the task,
    let alone the app."""
    while True:
        await asyncio.sleep(interval)
        try:
            purged = await purge_once(sessionmaker)
        except Exception:
            logger.exception("purge failed", retry_in_seconds=interval)
            continue
        if purged is None:
            logger.debug("purge skipped: another instance is purging")
        else:
            logger.info("purged expired rows", **dataclasses.asdict(purged))


@asynccontextmanager
async def purging(
    sessionmaker: async_sessionmaker[AsyncSession], interval: float
) -> AsyncIterator[asyncio.Task[None] | None]:
    """The periodic purge as a background task while the block runs (none if `interval`
    is 0), cancelled and awaited when it ends, so that no purge outlives the engine."""
    if not interval:
        yield None
        return
    task = asyncio.create_task(purge_periodically(sessionmaker, interval), name="inkwell-purge")
    try:
        yield task
    finally:
        task.cancel()
        # wait() neither raises the task's CancelledError nor swallows one aimed at us.
        await asyncio.wait([task])
