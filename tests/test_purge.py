"""The periodic purge: expired rows go without an operator, one instance at a time."""

import asyncio
import contextlib
import io
import logging
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from prometheus_client import REGISTRY
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from inkwell.auth.models import ThrottleHit
from inkwell.core.db import utcnow
from inkwell.idempotency.models import IdempotencyKey
from inkwell.main import create_app
from inkwell.models import User
from inkwell.purge import Purged, purge_once
from tests.support import (
    api_client,
    make_settings,
    new_postgres_database,
    row_lock,
    until_the_service_waits_on_a_lock,
)

KINDS = ("idempotency_keys", "throttle_hits")


def _purged_so_far() -> dict[str, float]:
    return {
        kind: REGISTRY.get_sample_value("inkwell_purged_rows_total", {"kind": kind}) or 0.0
        for kind in KINDS
    }


async def _expired_and_live_rows(sessions: async_sessionmaker[AsyncSession]) -> None:
    """One expired and one live idempotency key, two expired throttle hits (one of them a
    pending hit whose request died) and a live one, in one transaction."""
    now = utcnow()
    past, future = now - timedelta(seconds=1), now + timedelta(hours=1)
    async with sessions() as session, session.begin():
        user = User(username="ada", email="ada@example.com", hashed_password="x")
        session.add(user)
        await session.flush()
        key = {"user_id": user.id, "fingerprint": "f" * 64, "status_code": 201, "body": "{}"}
        session.add_all(
            [
                IdempotencyKey(key="expired", expires_at=past, **key),
                IdempotencyKey(key="live", expires_at=future, **key),
                ThrottleHit(key="login-account:ada", counts_until=past),
                ThrottleHit(key="login-address:192.0.2.1", pending=True, counts_until=past),
                ThrottleHit(key="login-account:ada", counts_until=future),
            ]
        )


async def _remaining(sessions: async_sessionmaker[AsyncSession]) -> tuple[list[str], int]:
    async with sessions() as session:
        keys = list(await session.scalars(select(IdempotencyKey.key)))
        hits = await session.scalar(select(func.count()).select_from(ThrottleHit))
    return keys, hits or 0


@pytest.mark.settings(purge_interval_seconds=0.05)
async def test_the_app_purges_expired_rows_by_itself(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    before = _purged_so_far()
    await _expired_and_live_rows(sessions)
    for _ in range(200):
        if await _remaining(sessions) == (["live"], 1):
            break
        await asyncio.sleep(0.025)
    assert await _remaining(sessions) == (["live"], 1)
    await asyncio.sleep(0.2)  # further turns find nothing more to delete
    assert await _remaining(sessions) == (["live"], 1)
    after = _purged_so_far()
    assert {kind: after[kind] - before[kind] for kind in KINDS} == {
        "idempotency_keys": 1,
        "throttle_hits": 2,
    }


async def test_a_purge_skips_its_turn_while_another_instance_purges(pg_app: FastAPI) -> None:
    """Two instances purge at once on PostgreSQL: the second finds the first holding the
    purge lock (here stopped on a throttle hit that another transaction holds) and skips
    its turn instead of queueing to delete the same rows."""
    sessions: async_sessionmaker[AsyncSession] = pg_app.state.write_sessionmaker
    await _expired_and_live_rows(sessions)
    async with sessions() as session:
        held = await session.scalar(
            select(func.min(ThrottleHit.id)).where(ThrottleHit.counts_until < utcnow())
        )
    assert held is not None
    before = _purged_so_far()
    async with row_lock(pg_app.state.settings.database_url, "throttle_hits", held) as (conn, tx):
        first = asyncio.create_task(purge_once(sessions))
        await until_the_service_waits_on_a_lock(conn)
        assert await asyncio.wait_for(purge_once(sessions), 5) is None
        assert _purged_so_far() == before
        await tx.rollback()
        assert await asyncio.wait_for(first, 5) == Purged(idempotency_keys=1, throttle_hits=2)
    assert await _remaining(sessions) == (["live"], 1)
    after = _purged_so_far()
    assert {kind: after[kind] - before[kind] for kind in KINDS} == {
        "idempotency_keys": 1,
        "throttle_hits": 2,
    }


async def test_shutdown_cancels_the_purge(db_url: str) -> None:
    app = create_app(make_settings(db_url, purge_interval_seconds=3600))
    async with app.router.lifespan_context(app):
        task: asyncio.Task[None] = app.state.purge_task
        await asyncio.sleep(0)
        assert not task.done()
    assert task.cancelled()


async def test_no_purge_runs_when_turned_off(db_url: str) -> None:
    app = create_app(make_settings(db_url, purge_interval_seconds=0))
    async with app.router.lifespan_context(app):
        assert app.state.purge_task is None


@contextlib.contextmanager
def _captured_logs() -> Iterator[io.StringIO]:
    """What the service's own log handler (installed by create_app) writes."""
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == "inkwell")
    assert isinstance(handler, logging.StreamHandler)
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    try:
        yield buffer
    finally:
        handler.setStream(previous)


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
async def test_a_failing_purge_is_logged_and_tried_again(tmp_path: Path, kind: str) -> None:
    """On a database without the tables every purge fails: each failure is logged, the
    task goes on, and the app keeps answering."""
    async with contextlib.AsyncExitStack() as stack:
        if kind == "sqlite":
            url = f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
        else:
            url = await stack.enter_async_context(new_postgres_database("inkwell_purge"))
        app = create_app(make_settings(url, purge_interval_seconds=0.02))
        logs = stack.enter_context(_captured_logs())
        async with app.router.lifespan_context(app), api_client(app) as client:
            for _ in range(250):
                if logs.getvalue().count("purge failed") >= 3:
                    break
                await asyncio.sleep(0.02)
            assert logs.getvalue().count("purge failed") >= 3
            task = app.state.purge_task
            assert not task.done()
            assert (await client.get("/health/live")).status_code == 200
        assert task.cancelled()
