"""Password hashing holds no connection: not while it waits for a hashing slot, not
while it hashes (and on SQLite, not the write lock), on both databases."""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient, Response
from sqlalchemy import insert

from inkwell.auth.hashing import PasswordHasher
from inkwell.main import create_app
from inkwell.models import User
from tests.factories import make_user, user_payload
from tests.support import api_client, make_settings

# One connection (or a short wait for SQLite's write lock): a request that held it
# while hashing would make every other request wait past the timeout, into a 503.
TIGHT = {"db_pool_size": 1, "db_max_overflow": 0, "db_pool_timeout": 1, "sqlite_busy_timeout": 1}
# A 3-connection pool, and hashes slow enough that 40 in a row (one at a time, about
# 0.12 s each here: 4.7 s) outlast its timeout and SQLite's busy timeout by far, while
# the throttle's short transactions, all that may wait, have room even on a busy machine
# (SQLite's busy handler polls, so a waiter can lose the lock to later ones for a while).
SMALL_POOL = {
    "db_pool_size": 3,
    "db_max_overflow": 0,
    "db_pool_timeout": 3,
    "sqlite_busy_timeout": 4,
    "argon2_time_cost": 2,
    "argon2_memory_kib": 65536,
    "password_hash_concurrency": 1,
}


async def _client(db_url: str, **overrides: Any) -> AsyncIterator[tuple[FastAPI, AsyncClient]]:
    app = create_app(make_settings(db_url, **overrides))
    async with app.router.lifespan_context(app), api_client(app) as client:
        yield app, client


@pytest.fixture
async def tight(app: FastAPI, db_url: str) -> AsyncIterator[tuple[FastAPI, AsyncClient]]:
    """On the database the `app` fixture has emptied."""
    async for pair in _client(db_url, **TIGHT):
        yield pair


@pytest.fixture
async def small_pool(app: FastAPI, db_url: str) -> AsyncIterator[tuple[FastAPI, AsyncClient]]:
    async for pair in _client(db_url, **SMALL_POOL):
        yield pair


def _hold(hasher: PasswordHasher, method: str) -> tuple[asyncio.Event, asyncio.Event]:
    """Make the hasher's `method` stop until released; returns (entered, release)."""
    entered, release = asyncio.Event(), asyncio.Event()
    original: Callable[..., Awaitable[Any]] = getattr(hasher, method)

    async def held(*args: Any) -> Any:
        entered.set()
        await release.wait()
        return await original(*args)

    setattr(hasher, method, held)
    return entered, release


async def _while_held(
    entered: asyncio.Event, release: asyncio.Event, held: Awaitable[Response], *others: Any
) -> tuple[Response, list[Response]]:
    task = asyncio.ensure_future(held)
    await asyncio.wait_for(entered.wait(), 5)
    try:
        answers = [await other for other in others]
    finally:
        release.set()
    return await task, answers


async def test_a_login_holds_nothing_while_it_hashes(
    tight: tuple[FastAPI, AsyncClient],
) -> None:
    app, client = tight
    user = await make_user(client, password="right-password")
    entered, release = _hold(app.state.hasher, "verify_and_update")
    form = {"username": user["username"], "password": "right-password"}
    login, others = await _while_held(
        entered,
        release,
        client.post("/auth/token", data=form),
        client.get("/posts/"),
        client.post("/users/", json=user_payload()),
    )
    assert [r.status_code for r in others] == [200, 201]
    assert login.status_code == 200


async def test_a_registration_holds_nothing_while_it_hashes(
    tight: tuple[FastAPI, AsyncClient],
) -> None:
    app, client = tight
    user = await make_user(client, password="right-password")
    entered, release = _hold(app.state.hasher, "hash")
    form = {"username": user["username"], "password": "right-password"}
    registration, others = await _while_held(
        entered,
        release,
        client.post("/users/", json=user_payload()),
        client.get("/posts/"),
        client.post("/auth/token", data=form),
    )
    assert [r.status_code for r in others] == [200, 200]
    assert registration.status_code == 201


async def test_a_small_pool_serves_40_parallel_logins(
    small_pool: tuple[FastAPI, AsyncClient],
) -> None:
    app, client = small_pool
    hashed = await app.state.hasher.hash("right-password")
    async with app.state.engine.begin() as conn:
        await conn.execute(
            insert(User),
            [
                {"username": f"pool{i}", "email": f"pool{i}@example.com", "hashed_password": hashed}
                for i in range(40)
            ],
        )
    logins = [
        client.post("/auth/token", data={"username": f"pool{i}", "password": "right-password"})
        for i in range(40)
    ]
    reads = [client.get("/posts/") for _ in range(10)]
    answers = await asyncio.gather(*logins, *reads)
    assert [r.status_code for r in answers] == [200] * 50


async def test_a_small_pool_serves_40_parallel_registrations(
    small_pool: tuple[FastAPI, AsyncClient],
) -> None:
    _, client = small_pool
    registrations = [client.post("/users/", json=user_payload()) for _ in range(40)]
    reads = [client.get("/posts/") for _ in range(10)]
    answers = await asyncio.gather(*registrations, *reads)
    assert [r.status_code for r in answers] == [201] * 40 + [200] * 10
