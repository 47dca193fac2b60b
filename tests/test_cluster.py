"""The suite's own primary and standby (tests/cluster.py) do what the replica tests rely
on: the standby follows the primary's migrated database, its apply delay, pause and
restarts behave as PostgreSQL documents, and a promoted standby takes writes.

Rows go to a table of these tests' own, in a schema beside the app's tables, which the
app's tests and migrations never see."""

import asyncio
import time
from collections.abc import AsyncIterator, Callable

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from tests.cluster import DEFAULT_APPLY_DELAY_S, STANDBY_NAME, PgCluster

# Meant to make one pair for all of them under `--dist loadgroup` (tests of replicas
# elsewhere can join the group). xdist 3.8 under pytest 9.2 runs a group on several
# workers (it marks items through `_nodeid`, which pytest 9.2 no longer reads): then each
# of them makes a pair of its own.
pytestmark = pytest.mark.xdist_group("pg_cluster")

# Longer than a replay takes with no delay (milliseconds here), shorter than the delay.
NOT_YET_S = 1.0


@pytest.fixture(scope="module")
async def probe(pg_cluster: PgCluster) -> AsyncIterator[PgCluster]:
    await pg_cluster.set_apply_delay(0)  # the table on both at once, not 2 s later
    async with pg_cluster.connect(pg_cluster.primary) as conn:
        await conn.execute(
            "CREATE SCHEMA IF NOT EXISTS cluster_probe;"
            "CREATE TABLE IF NOT EXISTS cluster_probe.notes (note text PRIMARY KEY)"
        )
    await pg_cluster.wait_until_replayed()
    await pg_cluster.restore()
    yield pg_cluster
    await pg_cluster.restore()
    async with pg_cluster.connect(pg_cluster.primary) as conn:
        await conn.execute("DROP SCHEMA cluster_probe CASCADE")


async def write(cluster: PgCluster, note: str) -> float:
    """The note committed on the primary; when (time.monotonic())."""
    async with cluster.connect(cluster.primary) as conn:
        await conn.execute("INSERT INTO cluster_probe.notes VALUES ($1)", note)
    return time.monotonic()


async def on_standby(cluster: PgCluster, note: str) -> bool:
    async with cluster.connect(cluster.standby) as conn:
        found: bool = await conn.fetchval(
            "SELECT EXISTS (SELECT FROM cluster_probe.notes WHERE note = $1)", note
        )
    return found


async def until_on_standby(cluster: PgCluster, note: str) -> float:
    """When (time.monotonic()) the note showed on the standby, polled every 20 ms for
    10 s at most (less within the caller's asyncio.timeout)."""
    async with asyncio.timeout(10):
        while True:
            if await on_standby(cluster, note):
                return time.monotonic()
            await asyncio.sleep(0.02)


async def test_the_standby_follows_the_migrated_database(pg_cluster: PgCluster) -> None:
    async with pg_cluster.connect(pg_cluster.primary) as conn:
        head = await conn.fetchval("SELECT version_num FROM alembic_version")
        assert not await conn.fetchval("SELECT pg_is_in_recovery()")
        replication = await conn.fetchrow(
            "SELECT state, sync_state FROM pg_stat_replication WHERE application_name = $1",
            STANDBY_NAME,
        )
    assert replication is not None
    assert (replication["state"], replication["sync_state"]) == ("streaming", "async")
    async with pg_cluster.connect(pg_cluster.standby) as conn:
        assert await conn.fetchval("SELECT pg_is_in_recovery()")
        assert await conn.fetchval("SELECT version_num FROM alembic_version") == head
        with pytest.raises(asyncpg.ReadOnlySQLTransactionError):
            await conn.execute("DELETE FROM alembic_version")
    assert pg_cluster.primary.port not in (0, 5432)
    assert pg_cluster.standby.port not in (0, 5432, pg_cluster.primary.port)


async def test_a_commit_shows_on_the_standby_after_the_apply_delay(probe: PgCluster) -> None:
    for attempt in range(3):
        note = f"delayed {attempt}"
        started = time.monotonic()
        committed = await write(probe, note)
        await asyncio.sleep(NOT_YET_S)
        found = await on_standby(probe, note)
        if time.monotonic() - started >= DEFAULT_APPLY_DELAY_S:
            continue  # the machine stalled: by now the note may rightly be there
        assert not found
        shown = await until_on_standby(probe, note)
        # The delay counts from the commit's timestamp on the primary, taken between
        # `started` and `committed`.
        assert shown - started >= DEFAULT_APPLY_DELAY_S - 0.05
        assert shown - committed < DEFAULT_APPLY_DELAY_S + 2
        return
    pytest.fail("the machine stalled past the apply delay on each of three tries")


async def test_without_delay_a_commit_shows_at_once(probe: PgCluster) -> None:
    await probe.set_apply_delay(0)
    committed = await write(probe, "at once")
    assert await until_on_standby(probe, "at once") - committed < NOT_YET_S


async def test_a_lower_delay_applies_to_commits_already_waiting(probe: PgCluster) -> None:
    await probe.set_apply_delay(30)
    committed = await write(probe, "was waiting")
    await asyncio.sleep(0.2)
    await probe.set_apply_delay(0)
    assert await until_on_standby(probe, "was waiting") - committed < NOT_YET_S + 0.2


async def test_paused_replay_holds_commits_until_resumed(probe: PgCluster) -> None:
    await probe.set_apply_delay(0)
    await probe.pause_replay()
    await write(probe, "paused")
    await asyncio.sleep(NOT_YET_S)
    assert not await on_standby(probe, "paused")  # still answering, with what it had
    await probe.resume_replay()
    async with asyncio.timeout(NOT_YET_S):
        await until_on_standby(probe, "paused")


async def test_a_stopped_standby_catches_up_when_started(probe: PgCluster) -> None:
    await probe.set_apply_delay(0)
    await probe.stop_standby()
    with pytest.raises(OSError, match="onnect"):
        await on_standby(probe, "missed")
    await write(probe, "missed")
    await probe.start_standby()
    await probe.wait_until_replayed()
    assert await on_standby(probe, "missed")


async def test_the_standby_serves_reads_while_the_primary_is_down(probe: PgCluster) -> None:
    await probe.set_apply_delay(0)
    await write(probe, "before the outage")
    await until_on_standby(probe, "before the outage")
    await probe.stop_primary(mode="immediate")
    assert await on_standby(probe, "before the outage")
    await probe.start_primary()
    started = await write(probe, "after the outage")
    # The standby reconnects by itself (wal_retrieve_retry_interval: 200 ms).
    assert await until_on_standby(probe, "after the outage") - started < 5


async def test_a_synchronous_commit_waits_for_the_standby(probe: PgCluster) -> None:
    await probe.set_synchronous(True)
    await probe.stop_standby()
    commit = asyncio.ensure_future(write(probe, "synchronous"))
    await asyncio.sleep(NOT_YET_S)
    assert not commit.done()  # no standby has the commit: no acknowledgement
    await probe.start_standby()
    await asyncio.wait_for(commit, timeout=10)
    # Flushed on the standby, not yet applied: the apply delay still holds for reads.
    assert not await on_standby(probe, "synchronous")
    await until_on_standby(probe, "synchronous")


async def test_restore_puts_the_pair_back(probe: PgCluster) -> None:
    await probe.set_synchronous(True)
    await probe.set_apply_delay(0)
    await probe.pause_replay()
    await probe.stop_standby()
    await probe.stop_primary()
    await probe.restore()
    async with probe.connect(probe.primary) as conn:
        assert await conn.fetchval("SHOW synchronous_standby_names") == ""
    async with probe.connect(probe.standby) as conn:
        assert await conn.fetchval("SELECT pg_get_wal_replay_pause_state()") == "not paused"
        assert await conn.fetchval("SHOW recovery_min_apply_delay") == "2s"
    committed = await write(probe, "restored")
    assert await until_on_standby(probe, "restored") - committed >= DEFAULT_APPLY_DELAY_S - 0.1


async def test_a_promoted_standby_has_every_synchronous_commit_and_takes_writes(
    fresh_pg_cluster: Callable[..., PgCluster],
) -> None:
    """A pair of its own: promoted, it is a pair no more."""
    cluster = fresh_pg_cluster(apply_delay=60, synchronous=True)
    engine = create_async_engine(cluster.failover_url, poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            port = await conn.scalar(text("SELECT inet_server_port()"))
        assert port == cluster.primary.port
        async with cluster.connect(cluster.primary) as conn:
            await conn.execute("CREATE TABLE ledger (id int PRIMARY KEY)")
            await conn.executemany("INSERT INTO ledger VALUES ($1)", [(i,) for i in range(50)])

        await cluster.stop_primary(mode="immediate")
        # Promotion replays what the standby received, delay or not.
        await cluster.promote()
        async with cluster.connect(cluster.standby) as conn:
            assert not await conn.fetchval("SELECT pg_is_in_recovery()")
            await conn.execute("INSERT INTO ledger VALUES (50)")
            assert await conn.fetchval("SELECT count(*) FROM ledger") == 51
        async with engine.connect() as conn:  # the same URL finds the new primary
            port = await conn.scalar(text("SELECT inet_server_port()"))
        assert port == cluster.standby.port
    finally:
        await engine.dispose()
