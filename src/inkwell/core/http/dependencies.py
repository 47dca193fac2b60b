"""Request-scoped dependencies: the app's settings and the request's database sessions.

One request is one unit of work. A handler that writes takes `SessionDep`, an
`AsyncSession`: `get_session` commits once when the handler returns and rolls back when
anything raised. It is declared with `scope="function"` so the commit happens *before*
the response is sent: a 2xx means the data is durable. A request that first hashes a
password holds no connection meanwhile (a session begins at its first statement). A
handler that only reads takes `ReadSessionDep`, an `AsyncReadSession` whose snapshot, if
one began, ends when the handler is done, before the answer is sent.
"""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from inkwell.core.config import Settings
from inkwell.core.db import AsyncReadSession
from inkwell.core.http.conditional import revalidating
from inkwell.core.ops.metrics import READS
from inkwell.core.ops.observability import current_stats
from inkwell.core.replicas import PRIMARY, REPLICA, Reads, parse_lsn, written_position


async def get_app_settings(request: Request) -> Settings:
    """The settings the running app was built with (tests build their own).

    Dependencies are `async def` on purpose: FastAPI runs plain `def` ones in a
    thread pool, a thread hop per request for nothing."""
    settings: Settings = request.app.state.settings
    return settings


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """A unit of work that writes: committed once, before the response is sent. With
    read replicas, the answer names the primary's WAL position after the commit (the
    `X-Consistency-Token` header), which a client sends back to read its own writes."""
    sessionmaker: async_sessionmaker[AsyncSession] = request.app.state.write_sessionmaker
    async with sessionmaker() as session:
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        wrote = session.in_transaction()
        await session.commit()
    reads: Reads = request.app.state.reads
    stats = current_stats.get()
    if wrote and reads.replicas and stats is not None:
        stats.written_at = await written_position(request.app.state.engine)


async def get_read_session(request: Request) -> AsyncIterator[AsyncReadSession]:
    """The request's read session. It costs nothing on the database until a statement
    needs its snapshot; a read answered by lookups alone began none, and has none to end.

    Where it reads (core.replicas decides): a signed-in caller's reads must see their
    own writes, made through any instance, so they read the primary; anonymous reads may
    be served by a replica, at least as fresh as the `X-Consistency-Token` they send."""
    reads: Reads = request.app.state.reads
    headers = request.headers
    _, sessionmaker = reads.route(
        at_least=_position(headers.get("x-consistency-token")),
        fresh="authorization" in headers,
    )
    session = sessionmaker()
    session.revalidating = revalidating(request)
    try:
        yield session
    finally:
        # Counted where it was served: a replica's read that could not reach it went on
        # on the primary.
        READS_BY_TARGET[REPLICA if session.on_replica else PRIMARY].inc()
        if session.in_transaction():
            await session.close()


def _position(token: str | None) -> int | None:
    """The WAL position a consistency token names; a token that names none asks for
    the freshest read there is (the primary's)."""
    if token is None:
        return None
    try:
        return parse_lsn(token)
    except ValueError:
        return _FRESHEST


_FRESHEST = 1 << 64  # past any position a replica can have replayed
READS_BY_TARGET = {target: READS.labels(target) for target in (PRIMARY, REPLICA)}


async def get_sessionmaker(request: Request) -> async_sessionmaker[AsyncSession]:
    """For services that run short transactions of their own (the throttles), so that
    no connection is held while they wait or hash; SQLite's write lock included."""
    sessionmaker: async_sessionmaker[AsyncSession] = request.app.state.write_sessionmaker
    return sessionmaker


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
"""For handlers that write (POST, PATCH, DELETE)."""
ReadSessionDep = Annotated[AsyncReadSession, Depends(get_read_session, scope="function")]
"""For handlers that read: every statement in one snapshot."""
SessionmakerDep = Annotated[async_sessionmaker[AsyncSession], Depends(get_sessionmaker)]
