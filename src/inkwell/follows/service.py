"""Queries and rules of follows: who follows whom.

Following is idempotent and race-safe: the pair is the primary key and a follow is
inserted with `ON CONFLICT DO NOTHING`, so any number of concurrent follows of one
user by another leave one row, and nobody gets an error for following twice.
"""

from collections.abc import Collection
from typing import Any

from sqlalchemy import Row, bindparam, delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Select

from inkwell.core import documents
from inkwell.core.db import AsyncReadSession, insert_ignoring_duplicates
from inkwell.core.documents import Read
from inkwell.core.errors import Conflict
from inkwell.core.pagination import Page, Position, keyset_before, paginated
from inkwell.follows.models import Follow
from inkwell.users import closing
from inkwell.users import documents as users_documents
from inkwell.users import service as users_service
from inkwell.users.models import User


class CannotFollowYourself(Conflict):
    """A follow of one's own account."""


def _ensure_other(follower: User, followee: User) -> None:
    if follower.id == followee.id:
        raise CannotFollowYourself("You cannot follow yourself.")


async def _followee(session: AsyncSession, ref: int | str) -> User:
    if isinstance(ref, int):
        return await users_service.get_or_raise(session, ref)
    return await users_service.get_by_username_or_raise(session, ref)


async def follow(session: AsyncSession, caller: User, *, user_id: int, followee: int | str) -> User:
    """The account `user_id`, the caller's own (NotYourAccount otherwise, before
    anything is read), follows the open account `followee`, an id or a username
    (UserNotFound otherwise); already following, nothing changes. The followee."""
    users_service.ensure_self(caller, user_id)
    user = await _followee(session, followee)
    _ensure_other(caller, user)
    await insert_ignoring_duplicates(
        session, Follow, {"follower_id": caller.id, "followee_id": user.id}
    )
    return user


async def unfollow(
    session: AsyncSession, caller: User, *, user_id: int, followee: int | str
) -> User:
    """The account `user_id`, the caller's own (NotYourAccount otherwise, before
    anything is read), no longer follows the open account `followee`, an id or a
    username (UserNotFound otherwise); not following, nothing changes. The followee."""
    users_service.ensure_self(caller, user_id)
    user = await _followee(session, followee)
    _ensure_other(caller, user)
    await session.execute(
        delete(Follow).where(Follow.follower_id == caller.id, Follow.followee_id == user.id)
    )
    return user


async def following_among(
    session: AsyncSession, viewer_id: int | None, user_ids: Collection[int]
) -> set[int]:
    """Which of these users the viewer follows, in one statement (none for anonymous)."""
    if viewer_id is None or not user_ids:
        return set()
    query = select(Follow.followee_id).where(
        Follow.follower_id == viewer_id, Follow.followee_id.in_(set(user_ids))
    )
    return set(await session.scalars(query))


def _list(of_followers: bool, after: bool) -> Select[Any]:
    # Whom a user follows: the followees of their rows; their followers: the followers.
    subject, listed = (
        (Follow.followee_id, Follow.follower_id)
        if of_followers
        else (Follow.follower_id, Follow.followee_id)
    )
    query = (
        users_documents.DOCUMENT.rows(Follow.created_at.label("followed_at"))
        .select_from(Follow)
        .join(User, User.id == listed)
        .where(subject == bindparam("user_id"), User.is_open)
        .order_by(Follow.created_at.desc(), listed.desc())
    )
    if after:
        query = query.where(keyset_before(Follow.created_at, listed))
    return paginated(query)


_LISTS = {(f, a): _list(f, a) for f in (False, True) for a in (False, True)}


def _followed_at(row: Row[Any]) -> Position:
    return Position(row.followed_at, row.id)


async def read_page(
    session: AsyncReadSession, *, user_id: int, page: Page, of_followers: bool
) -> Read:
    """The public documents of the open accounts this user follows (or that follow
    them: `of_followers`), most recent first; 404 for no open account of this id."""
    read = await documents.many(
        session,
        users_documents.DOCUMENT,
        _LISTS[of_followers, page.after is not None],
        {"user_id": user_id},
        view=users_documents.PUBLIC,
        page=page,
        order=("followed_at", "id"),
        position=_followed_at,
    )
    if read.empty:  # no one: is there such a user at all?
        await users_service.ensure_open(session, user_id)
    return read


@closing.forgets_closed_accounts
async def forget(session: AsyncSession, user_id: int) -> None:
    """A closed account follows nobody and is followed by nobody."""
    await session.execute(
        delete(Follow).where(or_(Follow.follower_id == user_id, Follow.followee_id == user_id))
    )
