"""The `Idempotency-Key` header and the helper that replays or records a response."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Header, Request, Response
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from inkwell.core.http.dependencies import SessionDep, get_app_settings
from inkwell.core.http.responses import json_response
from inkwell.core.schemas import CleanText
from inkwell.idempotency import service

REPLAY_HEADER = "Idempotent-Replayed"

KeyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        description="Retry safely: a repeat with the same key and body replays the "
        "first response for 24 hours; the same key with another body is 422, and "
        "while the first request is still running, 409.",
    ),
    CleanText,
]


@dataclass(frozen=True)
class Idempotency:
    """Runs a POST at most once per (user, key); without a key it always runs."""

    session: AsyncSession
    key: str | None
    ttl: timedelta

    async def run(
        self,
        *,
        user_id: int,
        operation: str,
        request: BaseModel,
        status_code: int,
        work: Callable[[], Awaitable[bytes]],
    ) -> Response:
        """Run `work` (which returns the response body) once per key."""
        if self.key is None:
            return json_response(await work(), status_code=status_code)
        fingerprint = service.fingerprint(operation, request)
        stored = await service.replay(
            self.session, user_id=user_id, key=self.key, fingerprint=fingerprint
        )
        if stored is not None:
            return json_response(
                stored.body, status_code=stored.status_code, headers={REPLAY_HEADER: "true"}
            )
        body = await work()
        await service.remember(
            self.session,
            user_id=user_id,
            key=self.key,
            fingerprint=fingerprint,
            status_code=status_code,
            body=body,
            ttl=self.ttl,
        )
        return json_response(body, status_code=status_code)


async def get_idempotency(
    request: Request, session: SessionDep, key: KeyHeader = None
) -> Idempotency:
    # The settings read here, not as one more dependency (about 20 us a request each).
    settings = await get_app_settings(request)
    return Idempotency(session, key, timedelta(hours=settings.idempotency_ttl_hours))


IdempotencyDep = Annotated[Idempotency, Depends(get_idempotency)]
