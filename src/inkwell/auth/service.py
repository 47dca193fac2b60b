"""Credentials and tokens: verify passwords, issue and read signed JWTs."""

from datetime import UTC, datetime, timedelta

import jwt
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from inkwell.auth.hashing import PasswordHasher
from inkwell.core.config import Settings
from inkwell.core.errors import Unauthorized
from inkwell.core.schemas import MAX_ID
from inkwell.users.models import User


class InvalidCredentials(Unauthorized):
    slug = "invalid-credentials"


class InvalidToken(Unauthorized):
    slug = "invalid-token"


async def authenticate(
    session: AsyncSession, *, login: str, password: str, hasher: PasswordHasher
) -> User:
    """The open, active account with this username or e-mail and password.

    Unknown accounts are checked against a dummy hash, so the answer takes the
    same time and says the same thing whether or not the account exists.
    """
    user = await session.scalar(
        select(User).where(
            or_(User.username == login, User.email == login.lower()),
            User.closed_at.is_(None),
        )
    )
    hashed = user.hashed_password if user is not None else hasher.dummy_hash
    valid, new_hash = await hasher.verify_and_update(password, hashed)
    if user is None or not valid or not user.is_active:
        raise InvalidCredentials("Incorrect username or password.")
    if new_hash is not None:
        user.hashed_password = new_hash  # the hash parameters changed: upgrade it now
    return user


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
