"""Engine, sessions and declarative base shared by every domain.

Sessions that write are `AsyncSession`s; their transaction starts at the first
statement, not before (on SQLite with the write lock, BEGIN IMMEDIATE, so that two
writers queue on the busy timeout instead of failing on a lock upgrade). Sessions that
only read are `AsyncReadSession`s: the type says which code writes. This module knows
engines, sessions and statements; how a request gets its session (and commits it) is
the HTTP side's (core.http.dependencies).
"""

import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Executable, MetaData, Row, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Dialect, make_url
from sqlalchemy.ext.asyncio import (
    AsyncAttrs,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.types import TypeDecorator

from inkwell.core.cache import DocumentCache
from inkwell.core.config import Settings
from inkwell.core.errors import database_unavailable

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(AsyncAttrs, DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC in Python.

    PostgreSQL stores `timestamptz`; SQLite has no time zones, so values are
    stored as naive UTC and given their offset back when read.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def result_processor(self, dialect: Dialect, coltype: object) -> Any:
        # asyncpg already returns `timestamptz` as aware UTC datetimes: no Python
        # call per value read (pages read thousands).
        if dialect.name == "postgresql" and dialect.driver == "asyncpg":
            return None
        return super().result_processor(dialect, coltype)


def create_engine(settings: Settings, url: str | None = None) -> AsyncEngine:
    """The engine of the configured database, or of `url` (a replica of it) with the
    same options."""
    if settings.is_sqlite:
        engine = create_async_engine(
            settings.database_url,
            echo=settings.db_echo,
            pool_pre_ping=settings.db_pool_pre_ping,
            connect_args={"timeout": settings.sqlite_busy_timeout},
        )
        _configure_sqlite(engine)
        return engine
    connect_args: dict[str, Any] = {
        "timeout": settings.db_connect_timeout,
        "server_settings": {"application_name": "inkwell"},
    }
    parsed = make_url(url or settings.database_url)
    if settings.db_pgbouncer:
        # Transaction pooling hands each transaction to any server connection, so
        # prepared statements must not be cached or share names (SQLAlchemy's recipe).
        connect_args["statement_cache_size"] = 0
        connect_args["prepared_statement_name_func"] = _unique_statement_name
        parsed = parsed.update_query_dict({"prepared_statement_cache_size": "0"})
    elif settings.db_statement_timeout_ms:
        connect_args["server_settings"]["statement_timeout"] = str(settings.db_statement_timeout_ms)
    engine = create_async_engine(
        parsed,
        echo=settings.db_echo,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout,
        pool_pre_ping=settings.db_pool_pre_ping,
        connect_args=connect_args,
    )
    if settings.db_pgbouncer and settings.db_statement_timeout_ms:
        _set_local_statement_timeout(engine, settings.db_statement_timeout_ms)
    _name_connect_failures(engine)
    return engine


def _name_connect_failures(engine: AsyncEngine) -> None:
    """asyncpg raises a bare OSError (refused, unreachable, timed out) when it cannot
    connect, which SQLAlchemy passes on as it is. Say here that it is the database,
    so that only the database's outage is a 503 and any other OSError stays a bug."""

    @event.listens_for(engine.sync_engine, "do_connect")
    def _connect(dialect: Dialect, _record: Any, cargs: Any, cparams: Any) -> Any:
        try:
            return dialect.connect(*cargs, **cparams)
        except OSError as exc:
            raise database_unavailable(exc) from exc


def _unique_statement_name() -> str:
    return f"__asyncpg_{uuid.uuid4().hex}__"


def _set_local_statement_timeout(engine: AsyncEngine, timeout_ms: int) -> None:
    """Behind PgBouncer a session-level setting would leak to other clients: set it
    per transaction instead (PgBouncer also refuses it as a startup parameter)."""

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql(f"SET LOCAL statement_timeout = {int(timeout_ms)}")


def _configure_sqlite(engine: AsyncEngine) -> None:
    """Foreign keys on, WAL, and transactions that SQLAlchemy (not the driver) begins."""

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # The driver's own implicit BEGIN would defeat BEGIN IMMEDIATE and savepoints.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = "IMMEDIATE" if conn.get_execution_options().get("sqlite_write") else "DEFERRED"
        conn.exec_driver_sql(f"BEGIN {mode}")


_NO_CACHE = DocumentCache(0)


class AsyncReadSession(AsyncSession):
    """A session that only reads (Polar's `AsyncReadSession`): code given one does not
    write, code given an `AsyncSession` may. On PostgreSQL its transaction is READ ONLY,
    so a write through it fails instead of committing.

    `lookup` runs a statement that stands alone (which rows a read shows, and their
    versions) outside any transaction when none has begun: one statement is its own
    snapshot, and BEGIN and ROLLBACK would be two more round trips. Statements run as
    usual share one snapshot, begun when the first of them runs.

    `cache` is the process's document cache (core.cache), which reads of documents use
    (core.documents). `revalidating`: the caller already holds a copy of what it reads
    (the request side says so: an HTTP `If-None-Match`), so a read most likely ends
    after its first statement, and that statement should load nothing more.
    """

    def __init__(
        self,
        *args: Any,
        lookup_bind: AsyncEngine | None = None,
        cache: DocumentCache | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._lookup_bind = lookup_bind
        self.cache = cache if cache is not None else _NO_CACHE
        self.revalidating = False

    async def lookup(
        self, statement: Executable, params: Mapping[str, Any] | None = None
    ) -> Sequence[Row[Any]]:
        """Every row of one statement that needs no other statement's snapshot."""
        if self._lookup_bind is None or self.in_transaction():
            return (await self.execute(statement, params)).all()
        async with self._lookup_bind.connect() as connection:
            return (await connection.execute(statement, params)).all()


def create_sessionmaker(
    engine: AsyncEngine, *, write: bool = False
) -> async_sessionmaker[AsyncSession]:
    """Sessions that write; with `write`, SQLite transactions take the write lock
    (BEGIN IMMEDIATE) when they begin, that is at their first statement."""
    if write and engine.dialect.name == "sqlite":
        engine = engine.execution_options(sqlite_write=True)
    # expire_on_commit=False: attributes stay readable after commit without I/O,
    # which an AsyncSession could not do implicitly.
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


def create_read_sessionmaker(
    engine: AsyncEngine, settings: Settings, cache: DocumentCache
) -> async_sessionmaker[AsyncReadSession]:
    """Sessions that read. On PostgreSQL, one REPEATABLE READ, READ ONLY snapshot, so a
    page of posts and the tags and authors loaded for it in later statements agree even
    while others commit (under READ COMMITTED a post listed for a tag could arrive
    without that tag); it begins at the first statement (the engine's options, not a
    call per request), so a request refused before its query holds no connection.

    Their `lookup` statements run without a transaction on PostgreSQL, except behind
    PgBouncer, where the statement timeout is set per transaction (and on SQLite, which
    has no round trips to save).
    """
    lookup_bind = None
    if engine.dialect.name == "postgresql":
        if not settings.db_pgbouncer:
            lookup_bind = engine.execution_options(isolation_level="AUTOCOMMIT")
        engine = engine.execution_options(
            isolation_level="REPEATABLE READ", postgresql_readonly=True
        )
    return async_sessionmaker(
        engine,
        class_=AsyncReadSession,
        expire_on_commit=False,
        autoflush=False,
        lookup_bind=lookup_bind,
        cache=cache,
    )


async def insert_ignoring_duplicates(
    session: AsyncSession,
    model: type[Base],
    values: Mapping[str, object] | Sequence[Mapping[str, object]],
    *,
    index_elements: Sequence[Any] | None = None,
) -> int:
    """Insert these rows, skipping those a unique constraint already holds (those of
    `index_elements` only, when given): `INSERT ... ON CONFLICT DO NOTHING`, which each
    database spells with its own dialect's construct. Concurrent inserts of one row
    all succeed and leave one row (the losers wait for the winner's transaction). The
    number of rows actually inserted, so that a caller can tell a new row from a
    duplicate."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(model).values(values).on_conflict_do_nothing(index_elements=index_elements)
    )
    result = await session.execute(statement)
    return int(result.rowcount)  # type: ignore[attr-defined]
