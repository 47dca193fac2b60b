"""Queries and rules of favorites: which user favorited which post.

Favoriting is idempotent and race-safe: the pair is the primary key, a favorite is
inserted with `ON CONFLICT DO NOTHING`, and only a row actually inserted
(or deleted) moves the post's `favorites_count`, in the same transaction, by a relative
`UPDATE` that also moves the post's version on (its document shows the count). Twenty
users favoriting at once give 20; one user favoriting ten times at once gives 1.
"""

from collections.abc import Collection

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from inkwell.core.db import insert_ignoring_duplicates
from inkwell.favorites.models import Favorite
from inkwell.posts import service as posts_service
from inkwell.posts.models import Post
from inkwell.users import closing
from inkwell.users.models import User

# The document shows the count, so the version moves on; `updated_at` is the post's
# writing, not its favorites (the column's onupdate would otherwise set it).
_UNCHANGED_OTHERWISE = {"version": Post.version + 1, "updated_at": Post.updated_at}


async def _move_count(session: AsyncSession, post: Post, delta: int) -> None:
    # Relative, and without the ORM's version check: two favorites of one post by two
    # users must both count, not one of them fail. The version moves on all the same.
    statement = (
        update(Post)
        .where(Post.id == post.id)
        .values(favorites_count=Post.favorites_count + delta, **_UNCHANGED_OTHERWISE)
        .returning(Post.favorites_count, Post.version)
        .execution_options(synchronize_session=False)
    )
    favorites_count, version = (await session.execute(statement)).one()
    # The loaded post shows what the database now holds, for the answer and its ETag.
    set_committed_value(post, "favorites_count", favorites_count)
    set_committed_value(post, "version", version)


async def favorite(session: AsyncSession, user: User, post: Post) -> Post:
    """`user` favorites `post`, a post they may see (posts.service.get_or_raise or
    get_by_slug_or_raise decides); already a favorite: nothing changes. The post is
    returned with its count and version as they are now."""
    pair = {"user_id": user.id, "post_id": post.id}
    if await insert_ignoring_duplicates(session, Favorite, pair):
        await _move_count(session, post, +1)
    return post


async def unfavorite(session: AsyncSession, user: User, post: Post) -> Post:
    """`user` no longer favorites `post` (not a favorite: nothing changes)."""
    statement = (
        delete(Favorite)
        .where(Favorite.user_id == user.id, Favorite.post_id == post.id)
        .returning(Favorite.post_id)
    )
    if await session.scalar(statement) is not None:
        await _move_count(session, post, -1)
    return post


async def favorited_among(
    session: AsyncSession, viewer_id: int | None, post_ids: Collection[int]
) -> set[int]:
    """Which of these posts the viewer favorited, in one statement (none for anonymous)."""
    if viewer_id is None or not post_ids:
        return set()
    query = select(Favorite.post_id).where(
        Favorite.user_id == viewer_id, Favorite.post_id.in_(set(post_ids))
    )
    return set(await session.scalars(query))


@closing.forgets_closed_accounts
async def forget(session: AsyncSession, user_id: int) -> None:
    """A closed account's favorites no longer count: each post it favorited loses one
    (and moves its version on), then its rows go."""
    favorited = select(Favorite.post_id).where(Favorite.user_id == user_id)
    await session.execute(
        update(Post)
        .where(Post.id.in_(favorited))
        .values(favorites_count=Post.favorites_count - 1, **_UNCHANGED_OTHERWISE)
        .execution_options(synchronize_session=False)
    )
    await session.execute(delete(Favorite).where(Favorite.user_id == user_id))


async def favorite_post(
    session: AsyncSession, caller: User, post_id: int, *, favorited: bool
) -> Post:
    """The caller favorites (or no longer) a post they may see (404 otherwise): the post
    with its count and version as they are now."""
    post = await posts_service.get_or_raise(session, post_id, viewer_id=caller.id)
    return await (favorite if favorited else unfavorite)(session, caller, post)
