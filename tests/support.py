"""Helpers the tests share: databases (URLs, migrations, emptying, PostgreSQL's own
views), the app's test settings, its scanned test client, and a counter of statements.

Test modules and conftest.py import from here; conftest.py holds the fixtures only."""

import asyncio
import base64
import contextlib
import json
import os
import re
import secrets
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, NoReturn, TypeVar

import asyncpg
import pytest
from alembic import command
from alembic.config import Config
from asyncpg.transaction import Transaction
from fastapi import FastAPI
from fastapi.routing import APIRoute
from httpx import ASGITransport, AsyncClient, Request, RequestNotRead, Response
from prometheus_client import REGISTRY
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.engine.default import CacheStats
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool
from starlette.routing import BaseRoute

from inkwell.core.config import Settings
from inkwell.core.documents import DocumentKind, View
from inkwell.main import create_app
from inkwell.models import Base
from tests.factories import Account, assert_problem
from tests.servers import ROOT, asyncpg_dsn


def per_worker_url(url: str) -> str:
    """The database of this xdist worker (`inkwell_test_gw0`, ...); `url` unchanged
    outside xdist. Workers must not empty each other's tables."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    target = make_url(url)
    return target.set(database=f"{target.database}_{worker}").render_as_string(hide_password=False)


POSTGRES_URL = per_worker_url(
    os.environ.get("TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/inkwell_test")
)
REQUIRE_POSTGRES = os.environ.get("REQUIRE_POSTGRES") == "1"
# Every table of the models, children first (the order in which rows can be deleted).
TABLES = ", ".join(table.name for table in reversed(Base.metadata.sorted_tables))
# Empties every table and restarts every id sequence, as `TRUNCATE ... RESTART
# IDENTITY` would, in one statement. DELETE on a few rows costs well under a
# millisecond; TRUNCATE makes new files for each table and index (~80 ms a test).
_DELETES = " ".join(f"DELETE FROM {table};" for table in TABLES.split(", "))  # noqa: S608 - ours
_EMPTY_POSTGRES = f"""
DO $$
DECLARE seq regclass;
BEGIN
    {_DELETES}
    FOR seq IN SELECT c.oid FROM pg_class c
               WHERE c.relkind = 'S' AND c.relnamespace = current_schema()::regnamespace
    LOOP
        PERFORM setval(seq, 1, false);
    END LOOP;
END
$$"""  # noqa: S608 - our own table names


def postgres_unreachable(exc: BaseException) -> NoReturn:
    """Skip the test, or fail it under REQUIRE_POSTGRES=1: no PostgreSQL to test on."""
    reason = f"PostgreSQL unreachable at {POSTGRES_URL}: {exc!r}"
    if REQUIRE_POSTGRES:
        pytest.fail(f"{reason} (REQUIRE_POSTGRES=1)")
    pytest.skip(reason)


T = TypeVar("T")


def run_in_thread(factory: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine to completion on its own loop, outside pytest's loop."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(factory())).result()


def alembic_config(url: str) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.attributes["database_url"] = url
    config.attributes["configure_logger"] = False
    return config


async def alembic_migrate(url: str, *revisions: str) -> None:
    """Apply `upgrade head`, `downgrade base`, ... in order on one connection each."""
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        for revision in revisions:
            async with engine.begin() as conn:
                await conn.run_sync(_alembic_step, url, revision)
    finally:
        await engine.dispose()


def _alembic_step(connection: Any, url: str, revision: str) -> None:
    config = alembic_config(url)
    config.attributes["connection"] = connection
    if revision == "base":
        command.downgrade(config, "base")
    elif revision == "check":
        command.check(config)
    else:
        command.upgrade(config, revision)


async def ensure_postgres_database(url: str) -> None:
    target = make_url(url)
    server = target.set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False
    )
    conn = await asyncpg.connect(server, timeout=5)
    try:
        exists = await conn.fetchval(
            "SELECT 1 FROM pg_database WHERE datname = $1", target.database
        )
        if not exists:
            await conn.execute(f'CREATE DATABASE "{target.database}"')
    finally:
        await conn.close()


async def empty_postgres_tables(engine: AsyncEngine) -> None:
    """Every table of a migrated PostgreSQL database emptied, its ids restarted at 1."""
    async with engine.begin() as conn:
        await conn.execute(text(_EMPTY_POSTGRES))


async def terminate_service_backends(url: str) -> int:
    """Kill every connection the service holds on the database of `url`, as a database
    restart would, and wait (up to 5 s each) until their server processes are gone; how
    many there were."""
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        killed = await conn.fetch(
            "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity "
            "WHERE application_name = 'inkwell' AND datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
    finally:
        await conn.close()
    return len(killed)


async def until_the_service_waits_on_a_lock(conn: asyncpg.Connection, *, waiting: int = 1) -> None:
    """Return once `waiting` of the service's connections wait on a lock (`conn`'s, say)."""
    for _ in range(200):
        # Inside a transaction (`conn` holding the lock) pg_stat_activity would show the
        # snapshot of its first read over and over: take a fresh one each time.
        await conn.execute("SELECT pg_stat_clear_snapshot()")
        count = await conn.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'inkwell' "
            "AND datname = current_database() AND wait_event_type = 'Lock'"
        )
        if count >= waiting:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the service never waited on the other transaction's lock")


def make_settings(url: str, **overrides: Any) -> Settings:
    # Cheap hashing, no gc.freeze (frozen objects are never collected, and the suite
    # builds an app per test), and registrations unthrottled: every test client
    # registers from one address (tests/users/test_throttle.py sets the limit).
    defaults: dict[str, Any] = {
        "argon2_time_cost": 1,
        "argon2_memory_kib": 1024,
        "argon2_parallelism": 1,
        "gc_freeze": False,
        "register_max_per_address": 1_000_000,
        # A connection made while the suite's servers and load saturate both cores can take
        # seconds; an outage test that wants a quick 503 sets its own.
        "db_connect_timeout": 15,
        # Every cache hit is also rebuilt through the ORM and compared, byte for byte.
        "read_cache_verify": True,
    }
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=url,
        environment="test",
        **{**defaults, **overrides},
    )


READ_CACHE_ENTRIES = Settings.model_fields["read_cache_entries"].default


# Anything shaped like an argon2 hash must never leave the service.
_PASSWORD_HASH = re.compile(rb"\$argon2(id|i|d)\$")


# Fields of a user document that only the account holder may see.
_PRIVATE_FIELDS = ("email", "credits")


def _caller(request: Request) -> tuple[object, str | None]:
    """The `sub` of the request's token (`Bearer`, or Conduit's `Token`), read without
    checking the signature (the app checks it; this only says whose response it is),
    and the token itself."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() not in ("bearer", "token") or token.count(".") != 2:
        return None, None
    return _subject(token), token


def _subject(token: object) -> int | None:
    """The `sub` of a JWT, unverified; None for anything else."""
    if not isinstance(token, str) or token.count(".") != 2:
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
        return int(payload["sub"])
    except (ValueError, TypeError, KeyError):
        return None


def _others_private_fields(
    node: object, caller: object, token: str | None, sent: str
) -> Iterator[str]:
    """Private fields of documents that are neither the caller's own (by id, or a
    Conduit user document with the caller's token) nor about what the request itself
    sent (a registration's e-mail, a 422's echo)."""
    if isinstance(node, list):
        for item in node:
            yield from _others_private_fields(item, caller, token, sent)
    elif isinstance(node, dict):
        # Scalars only: an OpenAPI document has `email` properties whose values are schemas.
        private = [k for k in _PRIVATE_FIELDS if isinstance(node.get(k), str | int | float)]
        # A Conduit user document is the caller's own when it carries the caller's token,
        # or a new one of the caller's (a password change renews it).
        own = (caller is not None and caller in (node.get("id"), _subject(node.get("token")))) or (
            token is not None and node.get("token") == token
        )
        told = str(node.get("email", "")).casefold() in sent and "email" in node
        if private and not own and not told:
            yield f"{private} of user {node.get('id')!r}"
        for value in node.values():
            yield from _others_private_fields(value, caller, token, sent)


def _scan_private_fields(response: Response, body: bytes) -> None:
    if not response.headers.get("content-type", "").startswith("application/json"):
        return
    if response.url.path == "/openapi.json":
        return  # its examples are made-up users
    if b'"email"' not in body and b'"credits"' not in body:
        return  # the common case, without parsing
    caller, token = _caller(response.request)
    try:
        sent = response.request.content.decode(errors="replace").casefold()
    except RequestNotRead:  # a streamed upload: nothing it sent to vouch for
        sent = ""
    leaks = list(_others_private_fields(json.loads(body), caller, token, sent))
    assert not leaks, f"another user's private fields in {response.url}: {leaks}"


@contextlib.asynccontextmanager
async def running_app(settings: Settings) -> AsyncIterator[tuple[FastAPI, AsyncClient]]:
    """An app of its own settings, started, with its client, on a PostgreSQL database
    emptied first (tests that need settings no fixture has: replicas, say)."""
    app = create_app(settings)
    async with app.router.lifespan_context(app), api_client(app) as client:
        await empty_postgres_tables(app.state.engine)
        yield app, client


def reads_served(target: str) -> float:
    """How many reads this process has served from `target` ("primary" or "replica")."""
    return REGISTRY.get_sample_value("inkwell_db_reads_total", {"target": target}) or 0.0


def api_client(app: FastAPI, *, raise_app_exceptions: bool = True) -> AsyncClient:
    """A client of the app whose every response is scanned for leaked secrets.

    Every API test goes through it, so the whole suite checks that no response
    body ever carries a password hash, the token-signing secret, or another
    user's e-mail or balance."""
    secret = app.state.settings.jwt_secret.get_secret_value().encode()

    async def scan(response: Response) -> None:
        body = await response.aread()
        assert not _PASSWORD_HASH.search(body), f"password hash in {response.url}"
        assert secret not in body, f"JWT secret in {response.url}"
        _scan_private_fields(response, body)

    transport = ASGITransport(app=app, raise_app_exceptions=raise_app_exceptions)
    return AsyncClient(
        transport=transport, base_url="http://test", event_hooks={"response": [scan]}
    )


class StatementCounter:
    """Counts SQL statements sent to the database (transaction control excluded), and
    keeps those SQLAlchemy compiled anew (not found in its compiled cache)."""

    def __init__(self) -> None:
        self.statements: list[str] = []
        self.compiled: list[str] = []

    def __call__(
        self, _conn: Any, _cursor: Any, statement: str, _params: Any, context: Any, *_: Any
    ) -> None:
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            self.statements.append(statement)
        if context.compiled is not None and context.cache_hit is not CacheStats.CACHE_HIT:
            self.compiled.append(f"{context.cache_hit.name}: {statement}")

    @property
    def count(self) -> int:
        return len(self.statements)

    def reset(self) -> None:
        self.statements.clear()
        self.compiled.clear()


@contextlib.asynccontextmanager
async def new_postgres_database(prefix: str) -> AsyncIterator[str]:
    """The URL of a new, empty database `PREFIX_<random>` on the test server, dropped
    (only it) when left; the test is skipped (or fails with REQUIRE_POSTGRES=1) when
    PostgreSQL cannot be reached."""
    maintenance = asyncpg_dsn(POSTGRES_URL, database="postgres")
    try:
        conn = await asyncpg.connect(maintenance, timeout=5)
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        postgres_unreachable(exc)
    name = f"{prefix}_{secrets.token_hex(4)}"
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        conn = await asyncpg.connect(maintenance, timeout=5)
        try:
            # FORCE: a server or PgBouncer that is still connected must not keep it alive.
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()


async def balance(client: AsyncClient, account: Account) -> str:
    """The account's credits as its holder reads them (GET /users/me)."""
    credits: str = (await client.get("/users/me", headers=account.headers)).json()["credits"]
    return credits


async def current_etag(
    engine: AsyncEngine, kind: DocumentKind[Any], entity_id: int, view: View
) -> str:
    """The ETag of a document as the database has it now (what a GET would show): its
    kind's versions read from the database, not from any answer."""
    entity: Any = kind.entity
    async with engine.connect() as conn:
        row = (await conn.execute(kind.rows().where(entity.id == entity_id))).one()
    return kind.etag(entity_id, row[1], tuple(row[2:]), view)


# Values of If-Match that never match under strong comparison: 412, never a 5xx and
# never a change.
BAD_ETAGS: list[Any] = [
    "garbage",
    "",
    '"unterminated',
    "W/*",
    '"a" "b"',
    ",",
    '"' + "x" * 8000 + '"',
    "x" * 8000,
    '"caf\xe9"'.encode("latin-1"),
    '"日本"'.encode(),
    b'"\xff\xfe"',
]


def assert_precondition_failed(response: Response) -> None:
    body = assert_problem(response, 412)
    assert body["type"].endswith("/precondition-failed")


def api_routes(routes: Iterable[BaseRoute]) -> Iterator[APIRoute]:
    """Every API route (the app holds the routers' routes as its own:
    core.http.routing.add_routes)."""
    for route in routes:
        assert not hasattr(route, "original_router"), f"an included router: {route!r}"
        if isinstance(route, APIRoute):
            yield route


@contextlib.asynccontextmanager
async def row_lock(
    database_url: str, table: str, row_id: int, *, mode: str = "UPDATE"
) -> AsyncIterator[tuple[asyncpg.Connection, Transaction]]:
    """Another transaction, on a PostgreSQL connection of its own, that holds the row of
    `table` with this id (FOR UPDATE, or FOR `mode`: NO KEY UPDATE is what a change of a
    balance takes) while entered: its connection and transaction, which the test commits
    or rolls back to let go (leaving closes the connection)."""
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        tx = conn.transaction()
        await tx.start()
        await conn.execute(f"SELECT 1 FROM {table} WHERE id = $1 FOR {mode}", row_id)  # noqa: S608
        yield conn, tx
    finally:
        await conn.close()
