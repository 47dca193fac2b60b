"""Queries and rules of the users domain."""

from collections.abc import Sequence

from sqlalchemy import delete as delete_rows
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from inkwell.core.errors import Conflict, NotFound
from inkwell.core.security import PasswordHasher
from inkwell.users.models import User
from inkwell.users.schemas import UserCreate, UserUpdate


class UserNotFound(NotFound):
    slug = "user-not-found"


class DuplicateUser(Conflict):
    slug = "duplicate-user"


async def get(session: AsyncSession, user_id: int) -> User | None:
    return await session.get(User, user_id)


async def get_or_raise(session: AsyncSession, user_id: int) -> User:
    user = await get(session, user_id)
    if user is None:
        raise UserNotFound(f"User {user_id} does not exist.")
    return user


async def list_(
    session: AsyncSession, *, skip: int, limit: int, active_only: bool
) -> Sequence[User]:
    query = select(User).order_by(User.created_at.desc(), User.id.desc())
    if active_only:
        query = query.where(User.is_active)
    return (await session.scalars(query.offset(skip).limit(limit))).all()


async def create(session: AsyncSession, *, data: UserCreate, hasher: PasswordHasher) -> User:
    user = User(
        username=data.username,
        email=data.email,
        full_name=data.full_name,
        hashed_password=await hasher.hash(data.password),
    )
    session.add(user)
    await _flush_unique(session)
    return user


async def update(session: AsyncSession, user: User, *, data: UserUpdate) -> User:
    for field, value in data.model_dump(exclude_unset=True).items():
        setattr(user, field, value)
    await _flush_unique(session)
    return user


async def delete(session: AsyncSession, user_id: int) -> None:
    """Delete the user; the database cascades to their posts and tag links."""
    result = await session.execute(delete_rows(User).where(User.id == user_id))
    if result.rowcount == 0:  # type: ignore[attr-defined]
        raise UserNotFound(f"User {user_id} does not exist.")


async def _flush_unique(session: AsyncSession) -> None:
    """Flush, turning a unique violation into 409 (the constraint decides races)."""
    try:
        await session.flush()
    except IntegrityError as exc:
        message = str(exc.orig).lower()
        field = "email" if "email" in message else "username"
        raise DuplicateUser(f"A user with this {field} already exists.") from None
