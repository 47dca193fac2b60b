"""Queries and rules of the posts domain."""

from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import cast

from sqlalchemy import Row, bindparam, or_, select
from sqlalchemy import delete as delete_rows
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from sqlalchemy.sql import Select

from inkwell.core.cache import DocumentCache, Key
from inkwell.core.db import AsyncReadSession, utcnow
from inkwell.core.errors import ConcurrentUpdate, Forbidden, NotFound
from inkwell.core.etag import ensure_match, etag
from inkwell.core.pagination import Page, keyset_before, paginated
from inkwell.core.responses import render
from inkwell.posts.models import Post
from inkwell.posts.schemas import POST, PostCreate, PostUpdate
from inkwell.tags import service as tags_service
from inkwell.tags.models import Tag
from inkwell.users import service as users_service
from inkwell.users.models import User

# A read statement's row: id, version, author_version, created_at.
PostRow = Row[int, int, int, datetime]


class PostNotFound(NotFound):
    slug = "post-not-found"


class NotYourPost(Forbidden):
    slug = "not-your-post"


# Posts with author and tags: three statements whatever the page size. The author
# is loaded with only the columns a post shows (and its version, part of the post's
# ETag and document key), not the e-mail, hash or balance.
_POSTS: Select[Post] = select(Post).options(
    selectinload(Post.author).load_only(User.id, User.username, User.full_name, User.version),
    selectinload(Post.tags),
)
# Drafts are seen by their author only; everyone sees published posts.
_PUBLISHED = Post.published.is_(True)
_VISIBLE = or_(_PUBLISHED, Post.author_id == bindparam("viewer_id"))

# Statements are built once per shape and run with bound values: building one and
# computing its cache key cost more than running it through SQLAlchemy's cache.
_BY_ID = _POSTS.where(Post.id == bindparam("post_id"))
_BY_ID_PUBLIC = _BY_ID.where(_PUBLISHED)
_BY_ID_VISIBLE = _BY_ID.where(_VISIBLE)

# What a read shows, decided in one statement: the ids of the posts and the versions
# their documents depend on (their own and their author's), plus the position a next
# page's cursor needs. The documents come from the read cache or `_LOAD`.
_ROWS = select(Post.id, Post.version, User.version.label("author_version"), Post.created_at).join(
    Post.author
)
_ROW_BY_ID = _ROWS.where(Post.id == bindparam("post_id"))
_ROW_BY_ID_PUBLIC = _ROW_BY_ID.where(_PUBLISHED)
_ROW_BY_ID_VISIBLE = _ROW_BY_ID.where(_VISIBLE)
# The documents of posts a read statement chose, whatever their number in three
# statements; objects already in the session are refreshed, so that each document is
# built from, and kept under, the versions this statement loaded.
_LOAD = _POSTS.where(Post.id.in_(bindparam("ids", expanding=True))).execution_options(
    populate_existing=True
)


@cache
def _list_query(
    *, viewer: bool, author: bool, tag: bool, published: bool, after: bool
) -> Select[int, int, int, datetime]:
    """The list statement for one combination of filters."""
    query = _ROWS.where(_VISIBLE if viewer else _PUBLISHED).order_by(
        Post.created_at.desc(), Post.id.desc()
    )
    if author:
        # Closed accounts have no posts left; the condition says so for the reader.
        query = query.where(User.username == bindparam("author"), User.closed_at.is_(None))
    if tag:
        query = query.where(Post.tags.any(Tag.name == bindparam("tag")))
    if published:
        query = query.where(Post.published == bindparam("published"))
    if after:
        query = query.where(keyset_before(Post.created_at, Post.id))
    return paginated(query)


def _key(post_id: int, version: int, author_version: int, created_at: datetime) -> Key:
    # `created_at` tells two posts apart that had the same id: SQLite gives the id of a
    # deleted last row to the next one, at the same version 1.
    return ("post", post_id, version, author_version, created_at)


def key(row: PostRow) -> Key:
    """The read cache's key of a post's document, from its read statement's row."""
    return _key(row.id, row.version, row.author_version, row.created_at)


def tag(row: PostRow) -> str:
    """The ETag of a post's document, from its read statement's row."""
    return document_tag(row.id, row.version, row.author_version)


def document_tag(post_id: int, version: int, author_version: int) -> str:
    """The ETag of a post's document: it shows the post and, embedded, its author."""
    return etag("post", post_id, version, author_version)


def tag_of(post: Post) -> str:
    """The ETag of a loaded post's document (its author loaded too)."""
    return document_tag(post.id, post.version, post.author.version)


async def get_or_raise(session: AsyncSession, post_id: int, *, viewer_id: int | None) -> Post:
    """The post if the viewer may see it; someone else's draft is 404 too."""
    query = _BY_ID_PUBLIC if viewer_id is None else _BY_ID_VISIBLE
    post = await session.scalar(query, {"post_id": post_id, "viewer_id": viewer_id})
    if post is None:
        raise PostNotFound(f"Post {post_id} does not exist.")
    return post


async def _get_own_or_raise(
    session: AsyncSession, post_id: int, *, author_id: int, if_match: str | None
) -> Post:
    """The author's own post, if `If-Match` allows the write; visibility and ownership
    come first, so someone else's post is 404 or 403 whatever the tag."""
    post = await get_or_raise(session, post_id, viewer_id=author_id)
    if post.author_id != author_id:
        raise NotYourPost("Only the author can change or delete this post.")
    ensure_match(if_match, tag_of(post))
    return post


async def get_row(session: AsyncReadSession, post_id: int, *, viewer_id: int | None) -> PostRow:
    """The read statement of one post the viewer may see; someone else's draft is 404."""
    query = _ROW_BY_ID_PUBLIC if viewer_id is None else _ROW_BY_ID_VISIBLE
    rows = await session.lookup(query, {"post_id": post_id, "viewer_id": viewer_id})
    if not rows:
        raise PostNotFound(f"Post {post_id} does not exist.")
    return cast(PostRow, rows[0])


async def list_rows(
    session: AsyncReadSession,
    *,
    viewer_id: int | None,
    page: Page,
    author: str | None = None,
    tag: str | None = None,
    published: bool | None = None,
) -> Sequence[PostRow]:
    """The read statement of a page: the posts it shows, newest first, with versions."""
    query = _list_query(
        viewer=viewer_id is not None,
        author=author is not None,
        tag=tag is not None,
        published=published is not None,
        after=page.after is not None,
    )
    params = {"viewer_id": viewer_id, "author": author, "tag": tag, "published": published}
    return cast(Sequence[PostRow], await session.lookup(query, {**params, **page.params()}))


async def documents(
    session: AsyncSession, cache: DocumentCache, keys: Sequence[Key]
) -> list[bytes]:
    """The documents of these posts, from the cache or built through the ORM."""

    async def load(ids: list[int]) -> dict[Key, bytes]:
        posts = await session.scalars(_LOAD, {"ids": ids})
        return {
            _key(p.id, p.version, p.author.version, p.created_at): render(POST, p) for p in posts
        }

    return await cache.documents(keys, load)


async def create(session: AsyncSession, caller: User, *, user_id: int, data: PostCreate) -> Post:
    """A post by the caller, on their own account only (NotYourAccount otherwise)."""
    users_service.ensure_self(caller, user_id)
    post = Post(
        title=data.title,
        body=data.body,
        published=data.published,
        author=caller,
        tags=await tags_service.get_or_create(session, data.tags),
    )
    session.add(post)
    await session.flush()
    return post


async def update(
    session: AsyncSession,
    caller: User,
    *,
    post_id: int,
    data: PostUpdate,
    if_match: str | None = None,
) -> Post:
    """Change the caller's own post (NotYourPost for anyone else's), if it is still the
    version `if_match` names (PreconditionFailed otherwise). A concurrent change
    committed after this read fails the ORM's version check: ConcurrentUpdate, 409."""
    post = await _get_own_or_raise(session, post_id, author_id=caller.id, if_match=if_match)
    changes = data.model_dump(exclude_unset=True)
    if "tags" in changes:
        post.tags = await tags_service.get_or_create(session, changes.pop("tags"))
    for field, value in changes.items():
        setattr(post, field, value)
    if data.model_fields_set:
        # A change of tags alone touches no column of `posts`, so set it here.
        post.updated_at = utcnow()
    await session.flush()
    return post


async def delete(
    session: AsyncSession, caller: User, *, post_id: int, if_match: str | None = None
) -> None:
    """Delete the caller's own post (NotYourPost for anyone else's), if it is still the
    version `if_match` names (PreconditionFailed otherwise)."""
    post = await _get_own_or_raise(session, post_id, author_id=caller.id, if_match=if_match)
    statement = delete_rows(Post).where(Post.id == post.id)
    if if_match is None:
        await session.execute(statement)
        return
    # The check above read the post; a change committed since must not be deleted
    # unseen (on PostgreSQL this DELETE waits for a concurrent writer, then sees its
    # new version and matches no row).
    result = await session.execute(statement.where(Post.version == post.version))
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise ConcurrentUpdate("The post changed while it was being deleted; read it again.")
