"""Conduit's reads, composed from the domain services in a constant number of statements.

A list of articles is: the read statement of the page (posts.service.list_rows, ids
and versions), the total of its filter (posts.service.count), the shared documents from
the read cache (built through the ORM, in three statements, only for those missing),
then the viewer's part: whom of the page's authors they follow and which of its posts
they favorited, one statement each (none for an anonymous viewer). The page size
changes none of these counts.
"""

from collections.abc import Sequence
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from inkwell.conduit import documents
from inkwell.conduit.schemas import ARTICLE
from inkwell.core.cache import Key, StaleRead
from inkwell.core.db import AsyncReadSession
from inkwell.core.errors import TransactionConflict
from inkwell.core.responses import render
from inkwell.favorites import service as favorites_service
from inkwell.follows import service as follows_service
from inkwell.posts import service as posts_service
from inkwell.posts.models import Post
from inkwell.posts.service import PostRow
from inkwell.users.models import User

# A list's articles leave `body` out; one article has it.
View = Literal["article", "brief"]
_EXCLUDE: dict[View, set[str] | None] = {"article": None, "brief": {"body"}}


def _key(view: View, post_id: int, version: int, author_version: int, created_at: object) -> Key:
    return ("conduit-" + view, post_id, version, author_version, created_at)


def _row_key(view: View, row: PostRow) -> Key:
    return _key(view, row.id, row.version, row.author_version, row.created_at)


def shared_document(post: Post, view: View = "article") -> bytes:
    """The part of a post's article document that is the same for every viewer."""
    return render(ARTICLE, post, exclude=_EXCLUDE[view])


async def _shared(session: AsyncReadSession, view: View, rows: Sequence[PostRow]) -> list[bytes]:
    async def load(ids: list[int]) -> dict[Key, bytes]:
        posts = await posts_service.load(session, ids)
        return {
            _key(view, p.id, p.version, p.author.version, p.created_at): shared_document(p, view)
            for p in posts
        }

    try:
        return await session.cache.documents([_row_key(view, row) for row in rows], load)
    except StaleRead:  # a write between the two statements, outside one snapshot
        raise TransactionConflict("The articles changed while they were read; retry.") from None


async def articles(
    session: AsyncReadSession,
    rows: Sequence[PostRow],
    viewer: User | None,
    *,
    view: View = "brief",
) -> list[bytes]:
    """The article documents of these posts as this viewer sees them."""
    shared = await _shared(session, view, rows)
    viewer_id = viewer.id if viewer else None
    following = await follows_service.following_among(
        session, viewer_id, {row.author_id for row in rows}
    )
    favorited = await favorites_service.favorited_among(session, viewer_id, [r.id for r in rows])
    return [
        documents.personal(
            document, following=row.author_id in following, favorited=row.id in favorited
        )
        for row, document in zip(rows, shared, strict=True)
    ]


async def written(session: AsyncSession, post: Post, viewer: User) -> bytes:
    """`{"article": ...}` of a post just written or favorited by the viewer (loaded with
    its author and tags), with the viewer's `following` and `favorited`."""
    following = await follows_service.following_among(session, viewer.id, [post.author_id])
    favorited = await favorites_service.favorited_among(session, viewer.id, [post.id])
    personal = documents.personal(
        shared_document(post), following=bool(following), favorited=bool(favorited)
    )
    return documents.envelope("article", personal)
