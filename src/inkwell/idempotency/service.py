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

from pydantic import BaseModel
from sqlalchemy import bindparam, delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from inkwell.core.db import utcnow
from inkwell.core.errors import Conflict, Unprocessable
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


# Statements built once (each request only binds its values): the in-flight lock, the
# stored answer (its columns, not an ORM object), and the answer's record.
_keys = IdempotencyKey.__table__.c
_LOCK = select(
    func.pg_try_advisory_xact_lock(bindparam("user_id"), func.hashtext(bindparam("key")))
)
_STORED = select(
    _keys.id, _keys.fingerprint, _keys.status_code, _keys.body, _keys.expires_at
).where(_keys.user_id == bindparam("user_id"), _keys.key == bindparam("key"))
_REMEMBER = insert(IdempotencyKey.__table__)  # type: ignore[arg-type]


async def replay(
    session: AsyncSession, *, user_id: int, key: str, fingerprint: str
) -> Answer | None:
    """The stored answer for this key, or None when the work is to be done now."""
    keyed = {"user_id": user_id, "key": key}
    on_postgresql = session.get_bind().dialect.name == "postgresql"
    if on_postgresql and not await session.scalar(_LOCK, keyed):
        raise RequestInFlight(
            "A request with this Idempotency-Key is still in progress; retry later."
        )
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
    now = utcnow()
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


async def purge_expired(session: AsyncSession) -> int:
    """Delete every expired key; returns how many went."""
    result = await session.execute(
        delete(IdempotencyKey).where(IdempotencyKey.expires_at <= utcnow())
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
