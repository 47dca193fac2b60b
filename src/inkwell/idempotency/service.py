"""Idempotency keys: a retried POST replays the first response instead of redoing it.

The stored response is written in the same transaction as the work it describes,
so either both exist or neither does; an error response is never stored and the
retry runs again. While the first request is in flight, a retry with the same key
gets 409: on PostgreSQL a transaction-scoped advisory lock on (user, key) says a
request is in flight in any worker or replica (it is released at commit or
rollback, so a crashed request leaves nothing stuck); on SQLite writes are
serialized, so a retry only runs once the first has committed and then replays.
"""

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Row, and_, bindparam, delete, func, insert, literal_column, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from inkwell.core.db import utcnow
from inkwell.core.errors import Conflict, Restart, Unprocessable, violated_unique
from inkwell.idempotency.models import IdempotencyKey


@dataclass(frozen=True)
class Answer:
    """What the first request with a key answered, to answer its retries."""

    status_code: int
    body: bytes


class RequestInFlight(Conflict):
    slug = "idempotency-key-in-flight"


class KeyReused(Unprocessable):
    slug = "idempotency-key-reused"


def fingerprint(operation: str, body: BaseModel) -> str:
    """What makes two requests "the same": the operation and the validated body."""
    return hashlib.sha256(f"{operation}\n{body.model_dump_json()}".encode()).hexdigest()


# Statements built once (each request only binds its values): the stored answer (its
# columns, not an ORM object), on PostgreSQL in the same statement as the in-flight lock
# (one round trip: a row whether or not the key is stored), and the answer's record.
_keys = IdempotencyKey.__table__.c
_ANSWER = (_keys.id, _keys.fingerprint, _keys.status_code, _keys.body, _keys.expires_at)
_MATCHES = and_(_keys.user_id == bindparam("user_id"), _keys.key == bindparam("key"))
_STORED = select(*_ANSWER).where(_MATCHES)
_ONE_ROW = select(literal_column("1").label("one")).subquery("one")  # (VALUES is not cached)
_LOCKED_AND_STORED = select(
    func.pg_try_advisory_xact_lock(bindparam("user_id"), func.hashtext(bindparam("key"))).label(
        "free"
    ),
    *_ANSWER,
).select_from(_ONE_ROW.outerjoin(IdempotencyKey.__table__, _MATCHES))
_REMEMBER = insert(IdempotencyKey.__table__)  # type: ignore[arg-type]
_KEY_INDEX = frozenset({"uq_idempotency_keys_user_id_key", "idempotency_keys.user_id"})


async def replay(
    session: AsyncSession, *, user_id: int, key: str, fingerprint: str
) -> Answer | None:
    """The stored answer for this key, or None when the work is to be done now."""
    keyed = {"user_id": user_id, "key": key}
    stored: Row[*tuple[Any, ...]] | None
    if session.get_bind().dialect.name == "postgresql":
        # Its snapshot may predate the commit of the request that held the lock just
        # before: that request's record then makes `remember` restart this one.
        locked = (await session.execute(_LOCKED_AND_STORED, keyed)).one()
        if not locked.free:
            raise RequestInFlight(
                "A request with this Idempotency-Key is still in progress; retry later."
            )
        stored = None if locked.id is None else locked
    else:
        # SQLite: writers are serialized, a retry runs once the first has committed.
        stored = (await session.execute(_STORED, keyed)).one_or_none()
    if stored is None:
        return None
    if stored.expires_at <= utcnow():
        await session.execute(delete(IdempotencyKey).where(IdempotencyKey.id == stored.id))
        return None
    if stored.fingerprint != fingerprint:
        raise KeyReused("This Idempotency-Key was already used with a different request.")
    return Answer(stored.status_code, stored.body.encode())


async def remember(
    session: AsyncSession,
    *,
    user_id: int,
    key: str,
    fingerprint: str,
    status_code: int,
    body: bytes,
    ttl: timedelta,
) -> None:
    """Record the answer, in the transaction of the work it describes. A record of the
    key committed by another request since `replay` looked (only a snapshot taken just
    before that request's commit can miss it) restarts the request (core.http.routing),
    which then replays that request's answer: its own work is rolled back."""
    now = utcnow()
    try:
        await session.execute(
            _REMEMBER,
            {
                "user_id": user_id,
                "key": key,
                "fingerprint": fingerprint,
                "status_code": status_code,
                "body": body.decode(),
                "created_at": now,
                "expires_at": now + ttl,
            },
        )
    except IntegrityError as exc:
        if not _KEY_INDEX & violated_unique(exc):
            raise
        raise Restart from exc


async def purge_expired(session: AsyncSession) -> int:
    """Delete every expired key; returns how many went."""
    result = await session.execute(
        delete(IdempotencyKey).where(IdempotencyKey.expires_at <= utcnow())
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
