"""Shared fixtures: every API test runs once on SQLite and once on PostgreSQL.

The schema is built by the Alembic migrations, once per database and session; under
pytest-xdist each worker has databases of its own (its own SQLite template, and a
PostgreSQL database named after TEST_POSTGRES_URL's plus the worker id), so the
migrations run once per worker. Each test then starts from empty tables: a fresh
copy of the migrated SQLite file, or PostgreSQL tables emptied before the test. The
app runs with its real engine and commits, so concurrency tests see real transactions.

Fixtures only: the helpers they are built of, which tests use too, are in tests/support.py.
"""

import contextlib
import io
import logging
import shutil
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from inkwell.core.config import Settings
from inkwell.core.db import AsyncReadSession
from inkwell.main import create_app
from tests.cluster import ClusterUnavailable, PgCluster
from tests.servers import (
    ROOT,
    START_TIMEOUT_S,
    LiveServer,
    Server,
    app_env,
    run_inkwell,
    running_server,
)
from tests.support import (
    POSTGRES_URL,
    READ_CACHE_ENTRIES,
    REQUIRE_POSTGRES,
    StatementCounter,
    alembic_migrate,
    api_client,
    empty_postgres_tables,
    ensure_postgres_database,
    make_settings,
    new_postgres_database,
    postgres_unreachable,
    run_in_thread,
)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    run_in_thread(lambda: alembic_migrate(f"sqlite+aiosqlite:///{path}", "head"))
    return path


@pytest.fixture(scope="session")
def postgres_url() -> str:
    try:
        run_in_thread(lambda: ensure_postgres_database(POSTGRES_URL))
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        postgres_unreachable(exc)
    run_in_thread(lambda: alembic_migrate(POSTGRES_URL, "head"))
    return POSTGRES_URL


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database of each kind."""
    if request.param == "sqlite":
        path = tmp_path / "inkwell.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite+aiosqlite:///{path}"
    url: str = request.getfixturevalue("postgres_url")
    return url


# Tests of the read paths run twice more: with the read cache on (every hit verified
# against the ORM, make_settings' default) and off (every document built by the ORM).
# Other tests run with it on. `make test` pays for the two passes only where reads are
# what is tested.
_READ_PATHS = (
    "posts/",
    "users/",
    "tags/",
    "core/test_cache.py",
    "core/test_pagination.py",
    "test_queries.py",
    "conduit/test_articles.py",
    "conduit/test_queries.py",
    "conduit/test_validators.py",
    "core/test_documents.py",
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "counts_statements: counts SQL statements, so READ_CACHE_VERIFY is off"
    )
    config.addinivalue_line(
        "markers", "settings(**overrides): settings of the test's app, over make_settings'"
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "read_cache_entries" not in metafunc.fixturenames:
        return
    path = metafunc.definition.path.relative_to(ROOT / "tests").as_posix()
    if path.startswith(_READ_PATHS) and not metafunc.definition.get_closest_marker("cached"):
        metafunc.parametrize(
            "read_cache_entries", [READ_CACHE_ENTRIES, 0], ids=["cached", "uncached"], indirect=True
        )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Coverage is measured on the SQLite pass of each test that runs on both databases,
    and on every test of PostgreSQL alone: the PostgreSQL pass runs the same lines of
    Inkwell but for its dialect's, which those tests measure. Unmeasured, it costs less,
    though not nothing (tests/users/test_router.py on PostgreSQL: 17 s without coverage,
    23-24 s unmeasured under --cov, 31 s measured): tracing nearly doubles a test's CPU."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("db_url") == "postgres":
            item.add_marker(pytest.mark.no_cover)


@pytest.fixture
def read_cache_entries(request: pytest.FixtureRequest) -> int:
    """READ_CACHE_ENTRIES of the test's app: the default, or 0 (see _READ_PATHS)."""
    entries: int = getattr(request, "param", READ_CACHE_ENTRIES)
    return entries


@pytest.fixture
def read_cache_verify(request: pytest.FixtureRequest) -> bool:
    """READ_CACHE_VERIFY of the test's app: on, but for tests marked `counts_statements`,
    which count statements as production runs them (a cache hit is not rebuilt)."""
    return request.node.get_closest_marker("counts_statements") is None


@pytest.fixture
def settings(
    request: pytest.FixtureRequest, db_url: str, read_cache_entries: int, read_cache_verify: bool
) -> Settings:
    marker = request.node.get_closest_marker("settings")
    return make_settings(
        db_url,
        read_cache_entries=read_cache_entries,
        read_cache_verify=read_cache_verify,
        **(marker.kwargs if marker else {}),
    )


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        engine: AsyncEngine = app.state.engine
        if engine.dialect.name == "postgresql":
            await empty_postgres_tables(engine)
        yield app


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[AsyncClient]:
    async with api_client(app) as c:
        yield c


@pytest.fixture
def engine(app: FastAPI) -> AsyncEngine:
    result: AsyncEngine = app.state.engine
    return result


@pytest.fixture
def sessions(app: FastAPI) -> async_sessionmaker[AsyncSession]:
    """The app's sessions that write, for tests that call services: each
    `async with sessions() as s, s.begin():` is one unit of work, committed."""
    sessionmaker: async_sessionmaker[AsyncSession] = app.state.write_sessionmaker
    return sessionmaker


@pytest.fixture
def readers(app: FastAPI) -> async_sessionmaker[AsyncReadSession]:
    """The app's sessions that read, for tests that call a service's read statements."""
    sessionmaker: async_sessionmaker[AsyncReadSession] = app.state.read_sessionmaker
    return sessionmaker


@pytest.fixture
def sql_counter(engine: AsyncEngine) -> Iterator[StatementCounter]:
    counter = StatementCounter()
    event.listen(engine.sync_engine, "before_cursor_execute", counter)
    yield counter
    event.remove(engine.sync_engine, "before_cursor_execute", counter)


@pytest.fixture
async def pg_app(
    postgres_url: str, read_cache_entries: int, request: pytest.FixtureRequest
) -> AsyncIterator[FastAPI]:
    """An app on PostgreSQL only, for what SQLite has no equivalent of; settings
    overrides come from indirect parametrization."""
    overrides = {"read_cache_entries": read_cache_entries, **getattr(request, "param", {})}
    app = create_app(make_settings(postgres_url, **overrides))
    async with app.router.lifespan_context(app):
        await empty_postgres_tables(app.state.engine)
        yield app


@pytest.fixture
async def pg_client(pg_app: FastAPI) -> AsyncIterator[AsyncClient]:
    async with api_client(pg_app) as c:
        yield c


# Real servers -------------------------------------------------------------------------


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> LiveServer:
    """The one way tests start a real server: `with live_server(database_url, **settings)
    as server:` migrates the database (unless `migrate=False`), runs `inkwell seed SEED`
    if `seed` is given, and serves it with `inkwell serve` (`workers`) on a free loopback
    port, entered once GET `ready` answers 200 within `timeout` s, stopped when left.
    `settings` are environment variables over tests.servers.app_env's (LOG_LEVEL=...).

    Session-scoped, so that a fixture of any scope can start its server; one that lives
    as long as a test is `serve`'s."""

    @contextlib.contextmanager
    def start(
        database_url: str,
        *,
        migrate: bool = True,
        seed: Sequence[str] = (),
        workers: int = 1,
        ready: str = "/health/live",
        timeout: float = START_TIMEOUT_S,
        **settings: str,
    ) -> Iterator[Server]:
        env = app_env(database_url, **settings)
        if migrate:
            run_inkwell(env, "migrate")
        if seed:
            run_inkwell(env, "seed", *seed)
        log = tmp_path_factory.mktemp("server") / "server.log"
        with running_server(env, log, workers=workers, ready=ready, timeout=timeout) as server:
            yield server

    return start


@pytest.fixture
def serve(live_server: LiveServer) -> Iterator[Callable[..., Server]]:
    """`serve(database_url, **options)`: `live_server`'s server (same arguments), stopped
    after the test, with every other it started."""
    with ExitStack() as stack:
        yield lambda *args, **options: stack.enter_context(live_server(*args, **options))


@pytest.fixture
async def postgres_database() -> AsyncIterator[str]:
    """The URL of a new, empty database on the test server; only it is dropped after."""
    async with new_postgres_database("inkwell_ops") as url:
        yield url


# A replicated PostgreSQL of the suite's own (tests/cluster.py) ------------------------


def _new_cluster(**options: Any) -> PgCluster:
    try:
        return PgCluster.create(**options)
    except ClusterUnavailable as exc:
        if REQUIRE_POSTGRES:
            pytest.fail(f"cannot run a PostgreSQL cluster: {exc} (REQUIRE_POSTGRES=1)")
        pytest.skip(f"cannot run a PostgreSQL cluster: {exc}")


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    """A primary and a streaming standby 2 s behind (tests/cluster.py), made the first
    time a test of this xdist worker asks for it (about 2 s) and removed at the end of
    the session. Shared: after each test that used it, whatever the test changed through
    its methods is put back (`PgCluster.restore`); its database's rows are the tests'
    to empty."""
    cluster = _new_cluster()
    try:
        yield cluster
    finally:
        cluster.close()


@pytest.fixture(autouse=True)
def _restore_pg_cluster(request: pytest.FixtureRequest) -> Iterator[None]:
    # Autouse, so torn down after the test's other fixtures (its apps, their pools).
    yield
    cluster: PgCluster | None = getattr(request.node, "funcargs", {}).get("pg_cluster")
    if cluster is not None:
        run_in_thread(cluster.restore)


@pytest.fixture
def fresh_pg_cluster() -> Iterator[Callable[..., PgCluster]]:
    """`fresh_pg_cluster(apply_delay=..., synchronous=..., database=...)`: a pair of the
    test's own (PgCluster.create), removed after it, for tests that leave one unusable."""
    with ExitStack() as stack:

        def make(**options: Any) -> PgCluster:
            cluster = _new_cluster(**options)
            stack.callback(cluster.close)
            return cluster

        yield make


@pytest.fixture
def log_lines(app: FastAPI) -> Iterator[io.StringIO]:
    """What the service's own log handler writes while the test runs (the app's, made
    by `app`, whose logging it configured)."""
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == "inkwell")
    assert isinstance(handler, logging.StreamHandler)
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    yield buffer
    handler.setStream(previous)
