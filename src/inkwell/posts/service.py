"""Queries and rules of the posts domain."""

from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import cast

from sqlalchemy import Row, bindparam, func, or_, select
from sqlalchemy import delete as delete_rows
from sqlalchemy import update as update_rows
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, selectinload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql import Select

from inkwell.core.cache import Key
from inkwell.core.db import AsyncReadSession, loading_form, utcnow
from inkwell.core.errors import ConcurrentUpdate, Conflict, Forbidden, NotFound, violated_unique
from inkwell.core.etag import ensure_match, etag
from inkwell.core.pagination import Page, keyset_before, paginated
from inkwell.core.responses import render
from inkwell.favorites.models import Favorite
from inkwell.follows.models import Follow
from inkwell.posts import slugs
from inkwell.posts.models import Post
from inkwell.posts.schemas import POST, PostCreate, PostUpdate
from inkwell.tags import service as tags_service
from inkwell.tags.models import Tag
from inkwell.users import closing
from inkwell.users import service as users_service
from inkwell.users.models import User

# A read statement's row: id, version, author_version, created_at, author_id (whose
# follows a viewer's part of a Conduit article asks about).
PostRow = Row[int, int, int, datetime, int]


class PostNotFound(NotFound):
    slug = "post-not-found"


class NotYourPost(Forbidden):
    slug = "not-your-post"


class NoFreeSlug(Conflict):
    slug = "no-free-slug"


# The unique index of slugs by the names each database gives a violation of it.
_SLUG_INDEX = frozenset({"ix_posts_slug", "posts.slug"})


# Posts with author and tags: three statements whatever the page size. The author
# is loaded with only the columns a post's documents show (in either dialect) and its
# version, part of the post's ETag and document key: not the e-mail, hash or balance.
_DOCUMENT = (
    selectinload(Post.author).load_only(
        User.id, User.username, User.full_name, User.bio, User.image, User.version
    ),
    selectinload(Post.tags),
)
_POSTS: Select[Post] = select(Post).options(*_DOCUMENT)
# Drafts are seen by their author only; everyone sees published posts.
_PUBLISHED = Post.published.is_(True)
_VISIBLE = or_(_PUBLISHED, Post.author_id == bindparam("viewer_id"))

# Statements are built once per shape and run with bound values: building one and
# computing its cache key cost more than running it through SQLAlchemy's cache.
_BY_ID = _POSTS.where(Post.id == bindparam("post_id"))
_BY_ID_PUBLIC = _BY_ID.where(_PUBLISHED)
_BY_ID_VISIBLE = _BY_ID.where(_VISIBLE)
_BY_SLUG = _POSTS.where(Post.slug == bindparam("slug"))
_BY_SLUG_PUBLIC = _BY_SLUG.where(_PUBLISHED)
_BY_SLUG_VISIBLE = _BY_SLUG.where(_VISIBLE)

# What a read shows, decided in one statement: the ids of the posts and the versions
# their documents depend on (their own and their author's), plus the position a next
# page's cursor needs, and the author (for what the viewer's part of a document needs).
# The documents come from the read cache or `_LOAD`.
_ROWS = select(
    Post.id, Post.version, User.version.label("author_version"), Post.created_at, Post.author_id
).join(Post.author)
_ROW_BY_ID = _ROWS.where(Post.id == bindparam("post_id"))
_ROW_BY_ID_PUBLIC = _ROW_BY_ID.where(_PUBLISHED)
_ROW_BY_ID_VISIBLE = _ROW_BY_ID.where(_VISIBLE)
_ROW_BY_SLUG = _ROWS.where(Post.slug == bindparam("slug"))
_ROW_BY_SLUG_PUBLIC = _ROW_BY_SLUG.where(_PUBLISHED)
_ROW_BY_SLUG_VISIBLE = _ROW_BY_SLUG.where(_VISIBLE)
# The documents of posts a read statement chose, whatever their number in three
# statements; objects already in the session are refreshed, so that each document is
# built from, and kept under, the versions this statement loaded.
_LOAD = _POSTS.where(Post.id.in_(bindparam("ids", expanding=True))).execution_options(
    populate_existing=True
)


_FAVORITER = aliased(User, name="favoriter")
# Posts favorited by the open account with this username.
_FAVORITED_BY = Post.id.in_(
    select(Favorite.post_id)
    .join(_FAVORITER, Favorite.user_id == _FAVORITER.id)
    .where(_FAVORITER.username == bindparam("favorited_by"), _FAVORITER.is_open)
)
# Posts whose author this user follows: their feed.
_FOLLOWED_BY = Post.author_id.in_(
    select(Follow.followee_id).where(Follow.follower_id == bindparam("followed_by"))
)


def _filtered(
    query: Select[*tuple[object, ...]],
    *,
    viewer: bool,
    author: bool,
    tag: bool,
    published: bool,
    favorited_by: bool,
    followed_by: bool,
) -> Select[*tuple[object, ...]]:
    """`query` (of posts joined to their author) narrowed to the posts a filter shows."""
    query = query.where(_VISIBLE if viewer else _PUBLISHED)
    if author:
        # Closed accounts have no posts left; the condition says so for the reader.
        query = query.where(User.username == bindparam("author"), User.is_open)
    if tag:
        query = query.where(Post.tags.any(Tag.name == bindparam("tag")))
    if published:
        query = query.where(Post.published == bindparam("published"))
    if favorited_by:
        query = query.where(_FAVORITED_BY)
    if followed_by:
        query = query.where(_FOLLOWED_BY)
    return query


@cache
def _list_query(after: bool, **filters: bool) -> Select[int, int, int, datetime, int]:
    """The list statement for one combination of filters."""
    query = _filtered(_ROWS, **filters).order_by(Post.created_at.desc(), Post.id.desc())
    if after:
        query = query.where(keyset_before(Post.created_at, Post.id))
    return paginated(query)  # type: ignore[arg-type]


@cache
def _count_query(**filters: bool) -> Select[int]:
    """The number of posts a combination of filters shows, whatever the page."""
    query = select(func.count()).select_from(Post).join(Post.author)
    return _filtered(query, **filters)  # type: ignore[return-value]


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


async def get_by_slug_or_raise(session: AsyncSession, slug: str, *, viewer_id: int | None) -> Post:
    """The post with this slug if the viewer may see it; someone else's draft is 404."""
    query = _BY_SLUG_PUBLIC if viewer_id is None else _BY_SLUG_VISIBLE
    post = await session.scalar(query, {"slug": slug, "viewer_id": viewer_id})
    if post is None:
        raise PostNotFound(f"Post {slug!r} does not exist.")
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


async def get_row(
    session: AsyncReadSession, post_id: int, *, viewer_id: int | None, documents: bool = False
) -> PostRow:
    """The read statement of one post the viewer may see; someone else's draft is 404.
    `documents`: its document will be built (`documents`)."""
    query = _ROW_BY_ID_PUBLIC if viewer_id is None else _ROW_BY_ID_VISIBLE
    row = await session.lookup_first(
        query,
        {"post_id": post_id, "viewer_id": viewer_id},
        loading=loading_form(query, Post, *_DOCUMENT) if documents else None,
    )
    if row is None:
        raise PostNotFound(f"Post {post_id} does not exist.")
    return cast(PostRow, row)


async def get_row_by_slug(
    session: AsyncReadSession, slug: str, *, viewer_id: int | None, documents: bool = False
) -> PostRow:
    """The read statement of the post with this slug, if the viewer may see it (404).
    `documents`: its document will be built (`documents`)."""
    query = _ROW_BY_SLUG_PUBLIC if viewer_id is None else _ROW_BY_SLUG_VISIBLE
    row = await session.lookup_first(
        query,
        {"slug": slug, "viewer_id": viewer_id},
        loading=loading_form(query, Post, *_DOCUMENT) if documents else None,
    )
    if row is None:
        raise PostNotFound(f"Post {slug!r} does not exist.")
    return cast(PostRow, row)


def _filter_values(
    viewer_id: int | None,
    author: str | None,
    tag: str | None,
    published: bool | None,
    favorited_by: str | None,
    followed_by: int | None,
) -> tuple[dict[str, bool], dict[str, object]]:
    values: dict[str, object] = {
        "viewer_id": viewer_id,
        "author": author,
        "tag": tag,
        "published": published,
        "favorited_by": favorited_by,
        "followed_by": followed_by,
    }
    flags = {("viewer" if k == "viewer_id" else k): v is not None for k, v in values.items()}
    return flags, values


async def list_rows(
    session: AsyncReadSession,
    *,
    viewer_id: int | None,
    page: Page,
    author: str | None = None,
    tag: str | None = None,
    published: bool | None = None,
    favorited_by: str | None = None,
    followed_by: int | None = None,
) -> Sequence[PostRow]:
    """The read statement of a page: the posts it shows, newest first, with versions.

    Filters: the author's username, a tag's name, published or drafts, favorited by the
    user with this username, and by authors the user with id `followed_by` follows (a
    feed). Drafts are only ever the viewer's own."""
    flags, values = _filter_values(viewer_id, author, tag, published, favorited_by, followed_by)
    query = _list_query(page.after is not None, **flags)
    rows = await session.lookup(
        query, {**values, **page.params()}, loading=loading_form(query, Post, *_DOCUMENT)
    )
    return cast(Sequence[PostRow], rows)


async def count(
    session: AsyncReadSession,
    *,
    viewer_id: int | None,
    author: str | None = None,
    tag: str | None = None,
    published: bool | None = None,
    favorited_by: str | None = None,
    followed_by: int | None = None,
) -> int:
    """How many posts the filters of `list_rows` show in all pages together."""
    flags, values = _filter_values(viewer_id, author, tag, published, favorited_by, followed_by)
    return int((await session.lookup(_count_query(**flags), values))[0][0])


async def load(session: AsyncReadSession, ids: Sequence[int]) -> Sequence[Post]:
    """The posts with these ids (any order), their authors and tags loaded, at the
    versions in the database now (objects in the session are refreshed): three
    statements whatever their number, none when the read statement loaded them.
    Visibility is the caller's read statement's."""
    return await session.objects(Post, _LOAD, ids)


async def documents(session: AsyncReadSession, keys: Sequence[Key]) -> list[bytes]:
    """The documents of these posts, from the cache or built through the ORM."""

    async def build(ids: list[int]) -> dict[Key, bytes]:
        posts = await load(session, ids)
        return {
            _key(p.id, p.version, p.author.version, p.created_at): render(POST, p) for p in posts
        }

    return await session.cache.documents(keys, build)


async def create(session: AsyncSession, caller: User, *, user_id: int, data: PostCreate) -> Post:
    """A post by the caller, on their own account only (NotYourAccount otherwise), with
    a unique slug made from its title."""
    users_service.ensure_self(caller, user_id)
    tags = await tags_service.get_or_create(session, data.tags)
    for slug in slugs.candidates(data.title):
        post = await _inserted(
            session,
            title=data.title,
            slug=slug,
            description=data.description,
            body=data.body,
            published=data.published,
            author_id=caller.id,
            tags=tags,
        )
        if post is not None:
            # The author is the caller (no statement, and no backref that a failed
            # attempt would leave behind).
            set_committed_value(post, "author", caller)
            return post
    raise NoFreeSlug("No free address for a post of this title; try again.")


async def _inserted(session: AsyncSession, **values: object) -> Post | None:
    """The post inserted, or None when its slug is taken (by a concurrent request too):
    the unique index decides, and a savepoint keeps the transaction usable."""
    await session.flush()
    try:
        async with session.begin_nested():
            post = Post(**values)
            session.add(post)
    except IntegrityError as exc:
        if not _SLUG_INDEX & violated_unique(exc):
            raise
        return None
    return post


async def _claim_slug(session: AsyncSession, post: Post) -> None:
    """Give the post a slug of its new title; its other changes are already flushed,
    with a new version, in this same transaction."""
    for slug in slugs.candidates(post.title):
        statement = (
            update_rows(Post)
            .where(Post.id == post.id)
            # `updated_at` as the flush above set it (not the column's onupdate).
            .values(slug=slug, updated_at=Post.updated_at)
            .execution_options(synchronize_session=False)
        )
        try:
            async with session.begin_nested():
                await session.execute(statement)
        except IntegrityError as exc:
            if not _SLUG_INDEX & violated_unique(exc):
                raise
            continue
        set_committed_value(post, "slug", slug)
        return
    raise NoFreeSlug("No free address for a post of this title; try again.")


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
    old_base = slugs.slugify(post.title)
    changes = data.model_dump(exclude_unset=True)
    if "tags" in changes:
        post.tags = await tags_service.get_or_create(session, changes.pop("tags"))
    for field, value in changes.items():
        setattr(post, field, value)
    if data.model_fields_set:
        # A change of tags alone touches no column of `posts`, so set it here.
        post.updated_at = utcnow()
    await session.flush()
    if slugs.slugify(post.title) != old_base:
        await _claim_slug(session, post)
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


@closing.forgets_closed_accounts
async def forget(session: AsyncSession, user_id: int) -> None:
    """A closed account's posts go, and with each (ON DELETE CASCADE) its comments,
    favorites and tag links."""
    await session.execute(delete_rows(Post).where(Post.author_id == user_id))
