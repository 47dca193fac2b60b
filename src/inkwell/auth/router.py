"""HTTP endpoints of authentication."""

from typing import Annotated

from fastapi import Form

from inkwell.auth import service
from inkwell.auth.dependencies import ClientAddress, TokenDep, required
from inkwell.auth.hashing import HasherDep
from inkwell.auth.schemas import Login, PasswordChange, Secret, Token
from inkwell.core.http.dependencies import SessionmakerDep, SettingsDep
from inkwell.core.http.problems import problem_responses
from inkwell.core.http.routing import NoStoreRoute, Router

router = Router(prefix="/auth", tags=["auth"], route_class=NoStoreRoute)

LoginField = Annotated[Login, Form(description="Username or e-mail address")]
SecretField = Annotated[Secret, Form()]


@router.post(
    "/token",
    summary="Log in",
    responses=problem_responses(401, 422, 429),
    response_model=Token,
)
async def login(
    username: LoginField,
    password: SecretField,
    address: ClientAddress,
    sessions: SessionmakerDep,
    settings: SettingsDep,
    hasher: HasherDep,
    grant_type: Annotated[str | None, Form(pattern="^password$")] = None,
) -> Token:
    """OAuth2 password flow: form fields `username` (a username or an e-mail address)
    and `password`. Returns a bearer token to send as `Authorization: Bearer <token>`.
    Wrong credentials and inactive accounts get the same 401. Too many failures for
    one account or from one address get 429 with `Retry-After`. Answers are never
    cached (`Cache-Control: no-store`)."""
    user = await service.authenticate(
        sessions,
        login=username,
        password=password,
        address=address,
        hasher=hasher,
        settings=settings,
    )
    token, expires_in = service.create_access_token(settings, user)
    return Token(access_token=token, expires_in=expires_in)


@router.post(
    "/password",
    summary="Change your password",
    responses=problem_responses(401, 403, 409, 422, 429, 503),
    response_model=Token,
)
async def change_password(
    body: PasswordChange,
    token: TokenDep,
    sessions: SessionmakerDep,
    settings: SettingsDep,
    hasher: HasherDep,
) -> Token:
    """Change the caller's password: `current_password` (403 when wrong; each wrong
    one counts as a failed login of the account) and `new_password` (8-128
    characters). Every token issued before, this request's own included, stops
    working; the answer is a new one. Each account may change its password
    `PASSWORD_CHANGE_MAX_PER_ACCOUNT` times per window (429 with `Retry-After`)."""
    if token is None:
        required(None)  # the 401 that names the scheme, as for any caller required
    user = await service.change_password(
        sessions,
        token=token,
        current_password=body.current_password,
        new_password=body.new_password,
        hasher=hasher,
        settings=settings,
    )
    access_token, expires_in = service.create_access_token(settings, user)
    return Token(access_token=access_token, expires_in=expires_in)
