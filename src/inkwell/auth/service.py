"""Credentials and tokens: the login policy, issuing and reading signed JWTs."""

import functools
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt
from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from inkwell.auth import throttle
from inkwell.auth.hashing import HashingBusy, PasswordHasher
from inkwell.auth.throttle import Limit
from inkwell.core.config import Settings
from inkwell.core.errors import Conflict, Forbidden, TooManyRequests, Unauthorized
from inkwell.core.schemas import MAX_ID
from inkwell.users.models import User, is_named


class InvalidCredentials(Unauthorized):
    """No open, active account with this login and password."""


class InvalidToken(Unauthorized):
    """A token that is malformed, expired, or of an account no longer open."""


class TooManyLogins(TooManyRequests):
    """Too many failed logins for this account or address lately."""


class TooManyPasswordChanges(TooManyRequests):
    """Too many password changes for this account lately."""


class WrongPassword(Forbidden):
    """The current password given to change it is not the account's."""


class PasswordChangedMeanwhile(Conflict):
    """The password changed (or the account closed) while a change was verified."""


@dataclass(frozen=True)
class AccessClaims:
    """What a valid access token says: whose it is, and of which of its generations."""

    user_id: int
    generation: int


async def authenticate(
    sessions: async_sessionmaker[AsyncSession],
    *,
    login: str,
    password: str,
    address: str,
    hasher: PasswordHasher,
    settings: Settings,
) -> User:
    """The login policy: the open, active account with this username (in any case) or
    e-mail and password (InvalidCredentials otherwise).

    Each attempt is first counted against the account and the client address (429
    when either has spent its failures for the window): the account's budget is one,
    whichever of its names the login gives. Then the password is verified holding no
    connection, then the attempt is settled: a success clears the account's failures,
    a failure keeps counting. Unknown accounts are checked against a dummy hash, so
    the answer takes the same time and says the same thing whether or not the account
    exists.
    """
    async with sessions() as session:
        found = await _find(session, login)
    account = _account_limit(settings, found.id if found is not None else None, login)
    by_address = Limit(
        f"login-address:{address}",
        settings.login_max_failures_per_address,
        timedelta(seconds=settings.login_window_seconds),
    )
    reservation, user = await throttle.reserve(
        sessions, (account, by_address), refuse=_too_many_logins, then=lambda s: _find(s, login)
    )
    hashed = user.hashed_password if user is not None else hasher.dummy_hash
    valid, new_hash = await _verify(sessions, reservation, hasher, password, hashed)
    if user is None or not valid or not user.is_active:
        async with sessions.begin() as session:
            await throttle.settle(session, reservation, counted=True)
        raise InvalidCredentials("Incorrect username or password.")
    async with sessions.begin() as session:
        await throttle.settle(session, reservation, counted=False, clear=account.key)
        if new_hash is not None:
            await _upgrade_hash(session, user, verified=hashed, new_hash=new_hash)
    return user


async def change_password(
    sessions: async_sessionmaker[AsyncSession],
    *,
    token: str | None,
    current_password: str,
    new_password: str,
    hasher: PasswordHasher,
    settings: Settings,
) -> User:
    """The token's holder changes their password, proving the current one; every
    session opened before ends (the caller logs in again, or uses the token the
    answer carries). The attempt counts against the holder's password changes (429
    beyond PASSWORD_CHANGE_MAX_PER_ACCOUNT per window) and, like a login, against the
    account's failed logins: a wrong current password is a failed login. Hashing and
    verifying hold no connection; the new hash is written only if the stored one is
    still the one verified (a concurrent change wins, and this one is a 409)."""
    claims = await count_password_change(sessions, token, settings)
    account = _account_limit(settings, claims.user_id, None)
    reservation, user = await throttle.reserve(
        sessions,
        (account,),
        refuse=_too_many_logins,
        then=lambda s: _token_holder(s, claims),
    )
    verified = user.hashed_password
    valid, _ = await _verify(sessions, reservation, hasher, current_password, verified)
    if not valid:
        async with sessions.begin() as session:
            await throttle.settle(session, reservation, counted=True)
        raise WrongPassword("The current password is incorrect.")
    async with sessions.begin() as session:
        await throttle.settle(session, reservation, counted=False, clear=account.key)
    new_hash = await hasher.hash(new_password)
    async with sessions.begin() as session:
        changed: User | None = await session.scalar(
            update(User)
            .where(User.id == user.id, User.hashed_password == verified, User.is_open)
            .values(
                hashed_password=new_hash,
                token_generation=User.token_generation + 1,
            )
            .returning(User)
        )
    if changed is None:
        raise PasswordChangedMeanwhile(
            "The account changed while the password was being changed; log in again."
        )
    return changed


async def count_password_change(
    sessions: async_sessionmaker[AsyncSession], token: str | None, settings: Settings
) -> AccessClaims:
    """Count one password change by the holder of this token (InvalidToken unless it
    may act, TooManyPasswordChanges beyond the limit): each one makes the service hash,
    which no one may ask for without bound, and a stale token spends nobody's budget."""
    claims = read_access_token(settings, token)
    async with sessions() as session:
        await _token_holder(session, claims)
    limit = Limit(
        f"password-change:{claims.user_id}",
        settings.password_change_max_per_account,
        timedelta(seconds=settings.password_change_window_seconds),
    )
    await throttle.hit(sessions, (limit,), refuse=_too_many_password_changes)
    return claims


def end_sessions(user: User) -> None:
    """Every token issued to this account before now stops working (flushed with the
    caller's other changes)."""
    user.token_generation += 1


def _account_limit(settings: Settings, user_id: int | None, login: str | None) -> Limit:
    """Failed logins count per account, whichever of its names a login gives; a login
    that names no account counts under that name (so guessing is throttled too)."""
    key = (
        f"login-account:{user_id}"
        if user_id is not None
        else f"login-unknown:{(login or '').strip().lower()}"[:320]
    )
    window = timedelta(seconds=settings.login_window_seconds)
    return Limit(key, settings.login_max_failures_per_account, window)


async def _verify(
    sessions: async_sessionmaker[AsyncSession],
    reservation: throttle.Reservation,
    hasher: PasswordHasher,
    password: str,
    hashed: str,
) -> tuple[bool, str | None]:
    """Verify for a reserved attempt; an attempt the hasher had no room for (503) was
    never tried, so it does not count against the account."""
    try:
        return await hasher.verify_and_update(password, hashed)
    except HashingBusy:
        async with sessions.begin() as session:
            await throttle.settle(session, reservation, counted=False)
        raise


async def _upgrade_hash(session: AsyncSession, user: User, *, verified: str, new_hash: str) -> None:
    """Store a hash with today's parameters, only if the stored one is still the one
    just verified: a password changed meanwhile is never undone."""
    await session.execute(
        update(User)
        .where(User.id == user.id, User.hashed_password == verified)
        .values(hashed_password=new_hash)
    )


async def _token_holder(session: AsyncSession, claims: AccessClaims) -> User:
    user = await session.get(User, claims.user_id)
    if user is None or not holds(user, claims):
        raise InvalidToken("The access token is invalid or has expired.")
    return user


def _too_many_logins(retry_after: int) -> TooManyLogins:
    return TooManyLogins(
        "Too many failed logins; try again later.", headers={"Retry-After": str(retry_after)}
    )


def _too_many_password_changes(retry_after: int) -> TooManyPasswordChanges:
    return TooManyPasswordChanges(
        "Too many password changes for this account; try again later.",
        headers={"Retry-After": str(retry_after)},
    )


async def _find(session: AsyncSession, login: str) -> User | None:
    return await session.scalar(
        select(User).where(
            or_(is_named(login), User.email == login.lower()),
            User.is_open,
        )
    )


def create_access_token(settings: Settings, user: User) -> tuple[str, int]:
    lifetime = timedelta(minutes=settings.access_token_minutes)
    now = datetime.now(UTC)
    claims = {"sub": str(user.id), "gen": user.token_generation, "iat": now, "exp": now + lifetime}
    token = jwt.encode(
        claims, settings.jwt_secret.get_secret_value(), algorithm=settings.jwt_algorithm
    )
    return token, int(lifetime.total_seconds())


def read_access_token(settings: Settings, token: str | None) -> AccessClaims:
    """What a valid token says; any defect (none sent included) gives the same 401.

    A token's signature is checked once: a client sends the same token with each of its
    requests, so what it was found to say is kept (the last TOKENS_KEPT tokens seen,
    keyed by the whole token, the signature included, and by the key that checked it)
    with its expiry, which each use checks again."""
    invalid = InvalidToken("The access token is invalid or has expired.")
    if not token:
        raise invalid
    try:
        claims, expires = _verified(
            token, settings.jwt_secret.get_secret_value(), settings.jwt_algorithm
        )
    except (jwt.PyJWTError, ValueError, TypeError):
        raise invalid from None
    if expires <= time.time():
        raise invalid
    return claims


TOKENS_KEPT = 4096


@functools.lru_cache(maxsize=TOKENS_KEPT)
def _verified(token: str, key: str, algorithm: str) -> tuple[AccessClaims, float]:
    """What a well-signed, unexpired token says, and when it expires (epoch seconds);
    raises for any other token (and is not kept then)."""
    claims = jwt.decode(
        token, key, algorithms=[algorithm], options={"require": ["exp", "iat", "sub", "gen"]}
    )
    user_id, generation, expires = int(claims["sub"]), claims["gen"], claims["exp"]
    if not 1 <= user_id <= MAX_ID or type(generation) is not int or generation < 0:
        raise ValueError("not one of our tokens")
    return AccessClaims(user_id, generation), float(expires)


def holds(user: User, claims: AccessClaims) -> bool:
    """The account may act on this token: open, active, and no session-ending change
    (a password change, closing, switching off) since the token was issued."""
    return user.is_open and user.is_active and user.token_generation == claims.generation
