"""Queries and rules of the tags domain."""

from collections.abc import Sequence

from sqlalchemy import and_, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from inkwell.core.db import AsyncReadSession, insert_ignoring_duplicates
from inkwell.core.errors import NotFound
from inkwell.posts.models import Post, post_tags
from inkwell.tags.models import Tag
from inkwell.tags.schemas import TagWithCount


class TagNotFound(NotFound):
    """No published post has a tag of this name (a draft's tags are no one else's)."""


async def get_or_create(session: AsyncSession, names: Sequence[str]) -> list[Tag]:
    """The tags with these names, creating the missing ones.

    `INSERT ... ON CONFLICT DO NOTHING` lets two requests that create the same
    new tag both succeed: the loser waits for the winner's row and reuses it. Rows
    are inserted in name order, the same in every request, so two requests waiting
    on each other's new tags can never wait in a cycle (a deadlock).
    """
    if not names:
        return []
    rows = [{"name": n} for n in sorted(set(names))]
    await insert_ignoring_duplicates(session, Tag, rows, index_elements=[Tag.name])
    tags = await session.scalars(select(Tag).where(Tag.name.in_(names)))
    return list(tags)


# A tag is public once a published post has it: until then (a draft's alone, or no
# post's any more) it is listed nowhere and looked up as no tag at all, so that a draft's
# tags are as invisible as the draft.
_PUBLISHED_POST = and_(Post.id == post_tags.c.post_id, Post.published)


async def list_with_counts(
    session: AsyncReadSession, *, skip: int, limit: int
) -> list[TagWithCount]:
    """The tags of published posts, by name, each with their number."""
    query = (
        select(Tag.id, Tag.name, func.count(Post.id).label("post_count"))
        .join(post_tags, post_tags.c.tag_id == Tag.id)
        .join(Post, _PUBLISHED_POST)
        .group_by(Tag.id, Tag.name)
        .order_by(Tag.name)
        .offset(skip)
        .limit(limit)
    )
    rows = await session.lookup(query)
    return [TagWithCount.model_validate(row, from_attributes=True) for row in rows]


_IN_USE = (
    select(Tag.id)
    .join(post_tags, post_tags.c.tag_id == Tag.id)
    .join(Post, _PUBLISHED_POST)
    .where(Tag.name == bindparam("name"))
    .limit(1)
)


async def ensure_in_use(session: AsyncReadSession, name: str) -> None:
    """TagNotFound unless a published post has this tag."""
    if not await session.lookup(_IN_USE, {"name": name}):
        raise TagNotFound(f"Tag {name!r} does not exist.")


async def names_in_use(session: AsyncReadSession, *, limit: int) -> list[str]:
    """The names of the tags of published posts, the most used first (then by name)."""
    used = func.count(Post.id)
    query = (
        select(Tag.name)
        .join(post_tags, post_tags.c.tag_id == Tag.id)
        .join(Post, _PUBLISHED_POST)
        .group_by(Tag.id, Tag.name)
        .order_by(used.desc(), Tag.name)
        .limit(limit)
    )
    return [name for (name,) in await session.lookup(query)]
