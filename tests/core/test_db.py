"""The data layer: UTC timestamps, money as strings, commits before the response."""

import asyncio
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from httpx import ASGITransport, AsyncClient
from sqlalchemy import event, func, select, text, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import Session

from inkwell.auth.dependencies import ReadingCaller
from inkwell.core.config import Settings
from inkwell.core.db import AsyncReadSession
from inkwell.core.http.dependencies import get_read_session, get_session, get_sessionmaker
from inkwell.main import create_app
from inkwell.models import User
from tests.factories import assert_problem, make_account, make_post, make_user, user_payload
from tests.support import api_client, api_routes


def test_the_data_layer_imports_no_web_framework() -> None:
    """The database side knows sessions, engines and statements; requests, headers and
    dependencies are the HTTP side's (core.http)."""
    data_side = ["core.db", "core.documents", "core.cache", "core.pagination", "core.etag"]
    code = (
        "import sys\n"
        + "".join(f"import inkwell.{module}\n" for module in data_side)
        + "print(sorted({m.split('.')[0] for m in sys.modules} & {'fastapi', 'starlette'}))"
    )
    done = subprocess.run(  # noqa: S603 - this interpreter, fixed code
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"


async def test_timestamps_are_utc_with_offset(client: AsyncClient) -> None:
    before = datetime.now(UTC)
    user = await make_user(client)
    assert user["created_at"].endswith("Z")
    created = datetime.fromisoformat(user["created_at"])
    assert created.utcoffset() is not None
    assert created.utcoffset().total_seconds() == 0  # type: ignore[union-attr]
    assert abs((created - before).total_seconds()) < 60


async def test_timestamps_read_back_in_utc_whatever_the_session_zone(
    client: AsyncClient, engine: AsyncEngine
) -> None:
    user = await make_user(client)
    async with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            await conn.execute(text("SET TIME ZONE 'Asia/Kolkata'"))
        created = await conn.scalar(select(User.created_at).where(User.id == user["id"]))
    assert created is not None
    assert created.tzinfo is not None
    assert created.utcoffset().total_seconds() == 0  # type: ignore[union-attr]
    assert created == datetime.fromisoformat(user["created_at"])


async def test_money_is_a_two_place_string(client: AsyncClient, engine: AsyncEngine) -> None:
    account = await make_account(client)
    async with engine.begin() as conn:
        await conn.execute(update(User).where(User.id == account.id).values(credits=Decimal("7.5")))
    assert (await client.get("/users/me", headers=account.headers)).json()["credits"] == "7.50"


async def test_credits_can_never_be_negative(client: AsyncClient, engine: AsyncEngine) -> None:
    user = await make_user(client)
    async with engine.connect() as conn:
        with pytest.raises(IntegrityError, match=r"(?i)credits|check"):
            await conn.execute(
                text("UPDATE users SET credits = -1 WHERE id = :id"), {"id": user["id"]}
            )


async def test_commit_happens_before_the_response(app: FastAPI) -> None:
    """A commit that fails must reach the client as an error, never as a 201."""

    def fail(_session: Session) -> None:
        raise RuntimeError("commit refused")

    event.listen(Session, "before_commit", fail)
    try:
        async with api_client(app, raise_app_exceptions=False) as client:
            response = await client.post("/users/", json=user_payload())
    finally:
        event.remove(Session, "before_commit", fail)
    body = assert_problem(response, 500)
    assert "commit refused" not in response.text
    assert body["title"] == "Internal server error"
    async with api_client(app) as client:
        assert (await client.get("/users/")).json() == []


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        # The documents a page's statement named, not yet cached: several statements
        # (the posts, then their authors and tags), one snapshot.
        ("GET", "/posts/", ["repeatable read"]),
        ("GET", "/users/", ["repeatable read"]),
        # One statement is its own snapshot: no BEGIN and COMMIT around it.
        ("GET", "/tags/", []),
        # A registration also counts itself against its address, in a transaction first.
        ("POST", "/users/", ["read committed"] * 2),
    ],
)
async def test_reads_see_one_snapshot_on_postgres(
    pg_client: AsyncClient, method: str, path: str, expected: list[str]
) -> None:
    await make_post(pg_client, await make_account(pg_client), published=True, tags=["t"])
    seen: list[str] = []

    def record(_session: Session, _tx: object, connection: Connection) -> None:
        level = connection.exec_driver_sql("SHOW transaction_isolation").scalar_one()
        in_transaction = connection.connection.driver_connection.is_in_transaction()  # type: ignore[union-attr]
        seen.append(level if in_transaction else "autocommit")

    event.listen(Session, "after_begin", record)
    try:
        body = user_payload() if method == "POST" else None
        await pg_client.request(method, path, json=body)
    finally:
        event.remove(Session, "after_begin", record)
    assert seen == expected


# Every API route of the app, by the module of its handler: a new router's routes are
# checked without being named.
HANDLERS: dict[str, list[APIRoute]] = {}
for _route in api_routes(create_app(Settings(_env_file=None)).routes):  # type: ignore[call-arg]
    HANDLERS.setdefault(_route.endpoint.__module__, []).append(_route)


def test_the_routes_are_found() -> None:
    """The search below finds the routes (an empty list would check nothing)."""
    found = {route.path for routes in HANDLERS.values() for route in routes}
    assert found >= {"/users/me", "/posts/{post_id}", "/transfers/", "/api/articles/{slug}"}
    assert len(HANDLERS) >= 13


@pytest.mark.parametrize("module", sorted(HANDLERS))
def test_reads_and_writes_take_their_own_session_type(module: str) -> None:
    """A GET reads through an AsyncReadSession only; a write has its AsyncSession."""
    for route in HANDLERS[module]:
        calls = set(dependency_calls(route.dependant))
        if route.methods == {"GET"}:
            assert get_session not in calls, route.path
        else:
            # A write has its AsyncSession; a login, which counts its attempts in short
            # transactions of its own (no connection held while it hashes), has the
            # sessionmaker instead (core.http.dependencies.get_sessionmaker).
            assert get_session in calls or get_sessionmaker in calls, route.path
            assert not _reads(route), route.path


@pytest.mark.parametrize(
    "path",
    [
        "/users/me",  # the caller read in the snapshot
        "/posts/?limit=5",  # documents loaded (cache cold, or off)
        "/posts/999999",  # a 404: the handler raised
        "/api/articles?limit=5",  # the Conduit page and its total in one snapshot
    ],
)
async def test_a_read_gives_its_connection_back_before_answering(
    app: FastAPI, client: AsyncClient, path: str
) -> None:
    """A read's snapshot ends when its handler is done, raised or not: by the time the
    answer starts, the request holds no connection (core.http.dependencies)."""
    account = await make_account(client)
    await make_post(client, account, published=True, tags=["t"])
    pool = app.state.engine.sync_engine.pool
    held: list[int] = []

    async def watched(scope: Any, receive: Any, send: Any) -> None:
        async def watch(message: Any) -> None:
            if message["type"] == "http.response.start":
                held.append(pool.checkedout())
            await send(message)

        await app(scope, receive, watch)

    transport = ASGITransport(app=watched)
    async with AsyncClient(transport=transport, base_url="http://test") as watching:
        response = await watching.get(path, headers=account.headers)
    assert response.status_code in (200, 404), response.text
    assert held == [0]


def dependency_calls(dependant: Dependant) -> Iterator[Callable[..., Any] | None]:
    """Every dependency's callable under `dependant`, sub-dependencies included."""
    for dependency in dependant.dependencies:
        yield dependency.call
        yield from dependency_calls(dependency)


def _reads(route: APIRoute) -> bool:
    return any(
        call is get_read_session or isinstance(call, ReadingCaller)
        for call in dependency_calls(route.dependant)
    )


async def test_a_read_session_cannot_write_on_postgres(
    pg_app: FastAPI, pg_client: AsyncClient
) -> None:
    user = await make_user(pg_client)
    async with pg_app.state.read_sessionmaker() as session:
        assert isinstance(session, AsyncReadSession)
        with pytest.raises(DBAPIError, match="read-only transaction"):
            await session.execute(
                update(User).where(User.id == user["id"]).values(full_name="Changed")
            )


async def test_a_lookup_runs_outside_a_transaction_until_one_begins(pg_app: FastAPI) -> None:
    """A lookup alone is its own statement (each sees its own `now()`); once the
    session's snapshot has begun, a lookup runs inside it (the snapshot's `now()`)."""
    now = select(func.now())
    async with pg_app.state.read_sessionmaker() as session:
        first = (await session.lookup(now))[0][0]
        await asyncio.sleep(0.01)
        second = (await session.lookup(now))[0][0]
        assert second > first
        assert not session.in_transaction()
        began = await session.scalar(now)
        await asyncio.sleep(0.01)
        assert (await session.lookup(now))[0][0] == began
