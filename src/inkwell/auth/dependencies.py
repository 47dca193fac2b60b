"""Who is calling: the bearer token turned into a user (or a 401), and from where.

The caller is read with the handler's own session: `Writer` with the session that
writes (a handler changes or links the caller's row in it), `Viewer` and
`Reader` with the read session's snapshot."""

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from fastapi.security.base import SecurityBase
from sqlalchemy.ext.asyncio import AsyncSession

from inkwell.auth.service import InvalidToken, holds, read_access_token
from inkwell.auth.throttle import client_key
from inkwell.core.errors import Unauthorized
from inkwell.core.http.dependencies import ReadSessionDep, SessionDep, get_app_settings
from inkwell.users.models import User

_HOLD = {"read": True, "key_share": True}  # FOR KEY SHARE (SQLite: its write lock)

# auto_error=False: a missing token is answered by our own problem document.
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/auth/token", auto_error=False)
TokenDep = Annotated[str | None, Depends(oauth2_scheme)]


async def caller(
    request: Request, session: AsyncSession, token: str | None, *, held: bool = False
) -> User | None:
    """The caller, or None without a token; a bad token is still a 401. Every API
    dialect reads its token with this, whatever its header's scheme.

    `held`: the session is the request's unit of work, which may write as the caller,
    and the caller's row is held (PostgreSQL's FOR KEY SHARE) until it ends, so that
    closing the account, which locks the row before it forgets the account's rows
    (users.service.close), either waits for this request's writes and removes them,
    or has ended first and this request finds the account closed: nothing written by
    an account survives its closing, whatever the interleaving. The hold does not
    conflict with other writers' (nor with a transfer's lock on a balance).

    The app's settings are read here, not declared as one more dependency of every
    handler: each dependency costs FastAPI about 20 us per request."""
    if token is None:
        return None
    settings = await get_app_settings(request)
    claims = read_access_token(settings, token)
    lock = _HOLD if held else None
    user = await session.get(User, claims.user_id, with_for_update=lock)
    if user is None or not holds(user, claims):
        raise InvalidToken("The access token is invalid or has expired.")
    return user


def required(user: User | None, *, scheme: str = "Bearer") -> User:
    """The caller of an operation that needs one (401 without a token)."""
    if user is None:
        raise Unauthorized(f"Authentication required: send `Authorization: {scheme} <token>`.")
    return user


class _Caller(SecurityBase):
    """The caller as one dependency: its security scheme reads the token (FastAPI costs
    about 20 us per dependency and request: the token and the caller are one here), the
    handler's own session reads the user. To OpenAPI this is `scheme` itself (FastAPI
    documents any SecurityBase among a route's dependencies by its model and name).

    `required_scheme`: the scheme a 401 names when no token is sent; None: the caller is
    optional (None without a token; a bad token is still a 401)."""

    def __init__(
        self,
        scheme: SecurityBase,
        token: Callable[[Request], Awaitable[str | None]],
        *,
        required_scheme: str | None,
    ) -> None:
        self.model = scheme.model
        self.scheme_name = scheme.scheme_name
        self._token = token
        self._required_scheme = required_scheme

    async def _caller(self, request: Request, session: AsyncSession, *, held: bool) -> User | None:
        token = await self._token(request)
        user = await caller(request, session, token, held=held)
        if self._required_scheme is None:
            return user
        return required(user, scheme=self._required_scheme)


class ReadingCaller(_Caller):
    """The caller of a read, read in the request's read session (its snapshot)."""

    async def __call__(self, request: Request, session: ReadSessionDep) -> User | None:
        return await self._caller(request, session, held=False)


class WritingCaller(_Caller):
    """The caller of a handler that writes, read and held in the request's unit of work
    (`held=False`: read there, not held: the handler locks the caller's row itself)."""

    def __init__(
        self,
        scheme: SecurityBase,
        token: Callable[[Request], Awaitable[str | None]],
        *,
        required_scheme: str | None,
        held: bool = True,
    ) -> None:
        super().__init__(scheme, token, required_scheme=required_scheme)
        self._held = held

    async def __call__(self, request: Request, session: SessionDep) -> User | None:
        return await self._caller(request, session, held=self._held)


get_viewer = ReadingCaller(oauth2_scheme, oauth2_scheme, required_scheme=None)
get_reader = ReadingCaller(oauth2_scheme, oauth2_scheme, required_scheme="Bearer")
get_writer = WritingCaller(oauth2_scheme, oauth2_scheme, required_scheme="Bearer")


# A transfer locks its payer's row itself, with both balances, in id order (FOR NO KEY
# UPDATE, which closing the account waits for as it would for the hold): holding it
# first would make that lock an upgrade, and upgrades of one row by transactions queued
# on it deadlock (PostgreSQL's tuple lock queue) under contention.
get_payer = WritingCaller(oauth2_scheme, oauth2_scheme, required_scheme="Bearer", held=False)


Writer = Annotated[User, Depends(get_writer)]
"""The caller of a handler that writes (with `SessionDep`)."""
Payer = Annotated[User, Depends(get_payer)]
"""The caller of a transfer (with `SessionDep`), not held: the transfer locks its row."""
Reader = Annotated[User, Depends(get_reader)]
"""The caller of a handler that reads (with `ReadSessionDep`)."""
Viewer = Annotated[User | None, Depends(get_viewer)]
"""The caller of a read open to anyone, or None."""


async def get_client_address(request: Request) -> str:
    """The client as the address throttles count it (throttle.client_key: an IPv6
    client by its network of THROTTLE_IPV6_PREFIX bits): the TCP peer, or, when the peer
    is a proxy listed in FORWARDED_ALLOW_IPS, the client it names in X-Forwarded-For
    (uvicorn's proxy headers middleware, set up by `inkwell serve`, has already decided)."""
    if request.client is None:
        return "unknown"
    settings = await get_app_settings(request)
    return client_key(request.client.host, ipv6_prefix=settings.throttle_ipv6_prefix)


ClientAddress = Annotated[str, Depends(get_client_address)]
