"""Credentials and tokens: the login policy, issuing and reading signed JWTs."""

from datetime import UTC, datetime, timedelta

import jwt
from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from inkwell.auth import throttle
from inkwell.auth.hashing import PasswordHasher
from inkwell.auth.throttle import Limit
from inkwell.core.config import Settings
from inkwell.core.errors import TooManyRequests, Unauthorized
from inkwell.core.schemas import MAX_ID
from inkwell.users.models import User


class InvalidCredentials(Unauthorized):
    """No open, active account with this login and password."""


class InvalidToken(Unauthorized):
    """A token that is malformed, expired, or of an account no longer open."""


class TooManyLogins(TooManyRequests):
    """Too many failed logins for this account or address lately."""


async def authenticate(
    sessions: async_sessionmaker[AsyncSession],
    *,
    login: str,
    password: str,
    address: str,
    hasher: PasswordHasher,
    settings: Settings,
) -> User:
    """The login policy: the open, active account with this username or e-mail and
    password (InvalidCredentials otherwise).

    Each attempt is first counted against the account and the client address (429
    when either has spent its failures for the window), then the password is
    verified holding no connection, then the attempt is settled: a success clears
    the account's failures, a failure keeps counting. Unknown accounts are checked
    against a dummy hash, so the answer takes the same time and says the same thing
    whether or not the account exists.
    """
    account, by_address = _login_limits(settings, login=login, address=address)
    reservation, user = await throttle.reserve(
        sessions, (account, by_address), refuse=_too_many_logins, then=lambda s: _find(s, login)
    )
    hashed = user.hashed_password if user is not None else hasher.dummy_hash
    valid, new_hash = await hasher.verify_and_update(password, hashed)
    if user is None or not valid or not user.is_active:
        async with sessions.begin() as session:
            await throttle.settle(session, reservation, counted=True)
        raise InvalidCredentials("Incorrect username or password.")
    async with sessions.begin() as session:
        await throttle.settle(session, reservation, counted=False, clear=account.key)
        if new_hash is not None:  # the hash parameters changed: upgrade it now
            await session.execute(
                update(User).where(User.id == user.id).values(hashed_password=new_hash)
            )
    return user


def _login_limits(settings: Settings, *, login: str, address: str) -> tuple[Limit, Limit]:
    window = timedelta(seconds=settings.login_window_seconds)
    account = f"login-account:{login.strip().lower()}"[:320]
    return (
        Limit(account, settings.login_max_failures_per_account, window),
        Limit(f"login-address:{address}", settings.login_max_failures_per_address, window),
    )


def _too_many_logins(retry_after: int) -> TooManyLogins:
    return TooManyLogins(
        "Too many failed logins; try again later.", headers={"Retry-After": str(retry_after)}
    )


async def _find(session: AsyncSession, login: str) -> User | None:
    return await session.scalar(
        select(User).where(
            or_(User.username == login, User.email == login.lower()),
            User.is_open,
        )
    )


def create_access_token(settings: Settings, user: User) -> tuple[str, int]:
    lifetime = timedelta(minutes=settings.access_token_minutes)
    now = datetime.now(UTC)
    claims = {"sub": str(user.id), "iat": now, "exp": now + lifetime}
    token = jwt.encode(
        claims, settings.jwt_secret.get_secret_value(), algorithm=settings.jwt_algorithm
    )
    return token, int(lifetime.total_seconds())


def read_access_token(settings: Settings, token: str) -> int:
    """The user id a valid token names; any defect gives the same 401."""
    try:
        claims = jwt.decode(
            token,
            settings.jwt_secret.get_secret_value(),
            algorithms=[settings.jwt_algorithm],
            options={"require": ["exp", "iat", "sub"]},
        )
        user_id = int(claims["sub"])
    except (jwt.PyJWTError, ValueError, TypeError):
        raise InvalidToken("The access token is invalid or has expired.") from None
    if not 1 <= user_id <= MAX_ID:
        raise InvalidToken("The access token is invalid or has expired.")
    return user_id
