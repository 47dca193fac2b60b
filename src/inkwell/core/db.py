"""Engine, sessions and declarative base shared by every domain.

Sessions that write are `AsyncSession`s; their transaction starts at the first
statement, not before (on SQLite with the write lock, BEGIN IMMEDIATE, so that two
writers queue on the busy timeout instead of failing on a lock upgrade). Sessions that
only read are `AsyncReadSession`s: the type says which code writes. This module knows
engines, sessions and statements; how a request gets its session (and commits it) is
the HTTP side's (core.http.dependencies).
"""

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import DateTime, Executable, MetaData, Row, event, literal_column
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Dialect, Engine, make_url
from sqlalchemy.engine.interfaces import CoreExecuteOptionsParameter
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncAttrs,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection
from sqlalchemy.types import TypeDecorator

from inkwell.core.cache import DocumentCache
from inkwell.core.config import Settings
from inkwell.core.errors import DatabaseUnavailable, database_unavailable, is_unavailable, sqlstate

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(AsyncAttrs, DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


B = TypeVar("B", bound=Base)


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
    _skip_closed_connections(engine)
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


def _skip_closed_connections(engine: AsyncEngine) -> None:
    """A pooled connection whose server went away (a restart, a stopped replica) is
    known closed to asyncpg as soon as the socket is: the pool replaces it when it is
    checked out, instead of the request failing on it. No round trip (unlike
    DB_POOL_PRE_PING, which also finds connections cut without a word)."""

    @event.listens_for(engine.sync_engine, "checkout")
    def _checkout(dbapi_connection: Any, _record: Any, _proxy: PoolProxiedConnection) -> None:
        if dbapi_connection.driver_connection.is_closed():
            raise DisconnectionError("the server closed this connection")


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


def _unreachable(exc: BaseException) -> bool:
    """Whether an error says the database could not be reached (not what a read asked)."""
    if isinstance(exc, DatabaseUnavailable):
        return True
    return isinstance(exc, DBAPIError) and is_unavailable(exc, sqlstate(exc) or "")


@dataclass(frozen=True)
class Fallback:
    """Where a replica's read goes on when the replica cannot be reached: the primary's
    read sessions, after `unreachable` has taken the replica out of rotation."""

    sessions: "async_sessionmaker[AsyncReadSession]"
    unreachable: Callable[[BaseException], None]


class _SyncReadSession(Session):
    """The synchronous session inside an `AsyncReadSession`. On a replica, a read whose
    first connection fails goes on on the primary: nothing has been read yet, so nothing
    mixes two databases' snapshots."""

    fall_back: Callable[[BaseException], Engine | None] | None = None

    def _connection_for_bind(
        self,
        engine: Engine | Connection,
        execution_options: CoreExecuteOptionsParameter | None = None,
        **kw: Any,
    ) -> Connection:
        try:
            return super()._connection_for_bind(engine, execution_options, **kw)
        except (DBAPIError, DatabaseUnavailable) as exc:
            primary = self.fall_back(exc) if self.fall_back and _unreachable(exc) else None
            if primary is None:
                raise
            return super()._connection_for_bind(primary, execution_options, **kw)


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

    sync_session_class = _SyncReadSession

    def __init__(
        self,
        *args: Any,
        lookup_bind: AsyncEngine | None = None,
        cache: DocumentCache | None = None,
        fallback: Fallback | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._lookup_bind = lookup_bind
        self.cache = cache if cache is not None else _NO_CACHE
        self.revalidating = False
        self._fallback = fallback
        # Where its reads went: a replica's session that fell back says "primary".
        self.on_replica = fallback is not None
        if fallback is not None:
            sync = self.sync_session
            assert isinstance(sync, _SyncReadSession)
            sync.fall_back = self._fall_back

    def _fall_back(self, exc: BaseException) -> Engine | None:
        """Leave the unreachable replica for the primary, once: the engine to go on with."""
        fallback, self._fallback = self._fallback, None
        if fallback is None:
            return None
        fallback.unreachable(exc)
        self.on_replica = False
        primary: AsyncEngine = fallback.sessions.kw["bind"]
        self._lookup_bind = fallback.sessions.kw.get("lookup_bind")
        self.sync_session.bind = primary.sync_engine
        return primary.sync_engine

    async def lookup(
        self, statement: Executable, params: Mapping[str, Any] | None = None
    ) -> Sequence[Row[Any]]:
        """Every row of one statement that needs no other statement's snapshot."""
        if self._lookup_bind is None or self.in_transaction():
            return (await self.execute(statement, params)).all()
        try:
            async with self._lookup_bind.connect() as connection:
                return (await connection.execute(statement, params)).all()
        except (DBAPIError, DatabaseUnavailable) as exc:
            if not _unreachable(exc) or self._fall_back(exc) is None:
                raise
        return await self.lookup(statement, params)


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
    engine: AsyncEngine,
    settings: Settings,
    cache: DocumentCache,
    fallback: Fallback | None = None,
) -> async_sessionmaker[AsyncReadSession]:
    """Sessions that read. On PostgreSQL, one REPEATABLE READ, READ ONLY snapshot, so a
    page of posts and the tags and authors loaded for it in later statements agree even
    while others commit (under READ COMMITTED a post listed for a tag could arrive
    without that tag); it begins at the first statement (the engine's options, not a
    call per request), so a request refused before its query holds no connection.

    Their `lookup` statements run without a transaction on PostgreSQL, except behind
    PgBouncer, where the statement timeout is set per transaction (and on SQLite, which
    has no round trips to save).

    A replica's sessions have a `fallback`: the primary, for a read that cannot reach it.
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
        fallback=fallback,
    )


@cache
def _ignoring_duplicates(
    dialect: str, model: type[Base], index_elements: tuple[Any, ...], *, objects: bool
) -> Any:
    """`INSERT ... ON CONFLICT DO NOTHING` into `model` in this dialect's spelling (of
    the unique constraint of `index_elements` only, when given), returning the rows
    inserted (as objects, or a 1 each): built once."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(model).on_conflict_do_nothing(index_elements=index_elements or None)
    return statement.returning(model if objects else literal_column("1"))


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
    rows = [values] if isinstance(values, Mapping) else list(values)
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    # The rows as parameters, not as the statement's VALUES: a statement of literal rows
    # has no cache key (SQLAlchemy would compile it on every call); this one is sent as
    # one multi-row INSERT all the same. What it returns is one row per row inserted.
    statement = _ignoring_duplicates(dialect, model, tuple(index_elements or ()), objects=False)
    return len((await session.execute(statement, rows)).all())


async def inserted_unless_duplicate(
    session: AsyncSession,
    model: type[B],
    values: Mapping[str, object],
    *,
    index_elements: Sequence[Any],
) -> B | None:
    """The row inserted, as an object of the session (an ORM INSERT ... RETURNING), or
    None when the unique constraint of `index_elements` already holds one: ON CONFLICT
    DO NOTHING, so the transaction goes on without a savepoint."""
    dialect = session.get_bind().dialect.name
    statement = _ignoring_duplicates(dialect, model, tuple(index_elements), objects=True)
    inserted: B | None = (await session.scalars(statement, [dict(values)])).one_or_none()
    return inserted
