"""HTTP endpoints of authentication."""

from typing import Annotated

from fastapi import Form, Request, Response

from inkwell.auth import service, throttle
from inkwell.auth.hashing import HasherDep
from inkwell.auth.schemas import Token
from inkwell.core.config import SettingsDep
from inkwell.core.db import SessionDep
from inkwell.core.errors import problem_for, problem_responses
from inkwell.core.routing import NoStoreRoute, Router
from inkwell.core.schemas import CleanText

router = Router(prefix="/auth", tags=["auth"], route_class=NoStoreRoute)

Login = Annotated[
    str,
    Form(min_length=1, max_length=255, description="Username or e-mail address"),
    CleanText,
]
Secret = Annotated[
    str, Form(min_length=1, max_length=128, json_schema_extra={"format": "password"}), CleanText
]


@router.post(
    "/token",
    summary="Log in",
    responses=problem_responses(401, 422, 429),
    response_model=Token,
)
async def login(
    request: Request,
    username: Login,
    password: Secret,
    session: SessionDep,
    settings: SettingsDep,
    hasher: HasherDep,
    grant_type: Annotated[str | None, Form(pattern="^password$")] = None,
) -> Token | Response:
    """OAuth2 password flow: form fields `username` (a username or an e-mail address)
    and `password`. Returns a bearer token to send as `Authorization: Bearer <token>`.
    Wrong credentials and inactive accounts get the same 401. Too many failures for
    one account or from one address get 429 with `Retry-After`."""
    keys = throttle.Keys.of(username, request.client.host if request.client else None)
    await throttle.check(session, keys, settings)
    try:
        user = await service.authenticate(session, login=username, password=password, hasher=hasher)
    except service.InvalidCredentials as exc:
        # Answered, not raised: the session then commits the failure it counts.
        await throttle.record_failure(session, keys)
        return problem_for(request, exc)
    await throttle.clear_account(session, keys)
    token, expires_in = service.create_access_token(settings, user)
    return Token(access_token=token, expires_in=expires_in)
