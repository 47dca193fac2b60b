"""Queries and rules of the posts domain."""

from functools import cache
from typing import Any

from sqlalchemy import bindparam, exists, func, insert, or_, select
from sqlalchemy import delete as delete_rows
from sqlalchemy import update as update_rows
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql import Select

from inkwell.core import documents
from inkwell.core.db import AsyncReadSession, inserted_unless_duplicate, utcnow
from inkwell.core.documents import DocumentKind, Read, Views
from inkwell.core.errors import ConcurrentUpdate, Conflict, Forbidden, NotFound, violated_unique
from inkwell.core.etag import ensure_match
from inkwell.core.pagination import Page, keyset_before, paginated
from inkwell.favorites.models import Favorite
from inkwell.follows.models import Follow
from inkwell.posts import slugs
from inkwell.posts.documents import DOCUMENT, VIEW, etag_of
from inkwell.posts.models import Post, PostTally, post_tags
from inkwell.posts.schemas import PostCreate, PostUpdate
from inkwell.tags import service as tags_service
from inkwell.tags.models import Tag
from inkwell.users import closing
from inkwell.users import service as users_service
from inkwell.users.models import User, is_named


class PostNotFound(NotFound):
    """No post of this id or slug that the caller may see."""


class NotYourPost(Forbidden):
    """A change of someone else's post."""


class NoFreeSlug(Conflict):
    """Every address tried for a post's title was taken."""


# The unique index of slugs by the names each database gives a violation of it.
_SLUG_INDEX = frozenset({"ix_posts_slug", "posts.slug"})


_POSTS: Select[Post] = select(Post).options(*DOCUMENT.options)
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

# What a read shows, decided in one statement: the posts and the versions their
# documents depend on, and their author (whose follows a viewer's part of a Conduit
# article asks about).
_ROWS = DOCUMENT.rows(Post.author_id)
_ROW_BY_ID = _ROWS.where(Post.id == bindparam("post_id"))
_ROW_BY_ID_PUBLIC = _ROW_BY_ID.where(_PUBLISHED)
_ROW_BY_ID_VISIBLE = _ROW_BY_ID.where(_VISIBLE)
_ROW_BY_SLUG = _ROWS.where(Post.slug == bindparam("slug"), _PUBLISHED)


_FAVORITER = aliased(User, name="favoriter")
# Posts favorited by the open account with this username.
_FAVORITED_BY = Post.id.in_(
    select(Favorite.post_id)
    .join(_FAVORITER, Favorite.user_id == _FAVORITER.id)
    .where(is_named(bindparam("favorited_by"), _FAVORITER), _FAVORITER.is_open)
)
# Posts whose author this user follows: their feed.
_FOLLOWED_BY = Post.author_id.in_(
    select(Follow.followee_id).where(Follow.follower_id == bindparam("followed_by"))
)
# A reader's part of each row of a list (Conduit's `following` and `favorited`): whether
# the user `marked_for` follows the post's author and favorited the post, an index
# lookup each in the list's own statement.
_MARKS = (
    exists()
    .where(Follow.follower_id == bindparam("marked_for"), Follow.followee_id == Post.author_id)
    .label("following"),
    exists()
    .where(Favorite.user_id == bindparam("marked_for"), Favorite.post_id == Post.id)
    .label("favorited"),
)
_ROW_BY_SLUG_MARKED = _ROW_BY_SLUG.add_columns(*_MARKS)


def _filtered(
    query: Select[Any],
    *,
    viewer: bool,
    author: bool,
    tag: bool,
    published: bool,
    favorited_by: bool,
    followed_by: bool,
) -> Select[Any]:
    """`query` (of posts joined to their author) narrowed to the posts a filter shows."""
    query = query.where(_VISIBLE if viewer else _PUBLISHED)
    if author:
        # Closed accounts have no posts left; the condition says so for the reader.
        query = query.where(is_named(bindparam("author")), User.is_open)
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
def _list_query(after: bool, marked: bool, **filters: bool) -> Select[Any]:
    """The list statement for one combination of filters."""
    rows = _ROWS.add_columns(*_MARKS) if marked else _ROWS
    query = _filtered(rows, **filters).order_by(Post.created_at.desc(), Post.id.desc())
    if after:
        query = query.where(keyset_before(Post.created_at, Post.id))
    return paginated(query)


@cache
def _count_query(**filters: bool) -> Select[Any]:
    """The number of posts a combination of filters shows, whatever the page."""
    query = select(func.count()).select_from(Post).join(Post.author)
    return _filtered(query, **filters)


# How many posts are published: the sum of the tallies the database keeps of them
# (posts.models.PostTally), a few rows instead of every published post.
_PUBLISHED_COUNT = select(func.coalesce(func.sum(PostTally.published), 0))


def _total(values: dict[str, Any], flags: dict[str, bool]) -> Select[Any]:
    """The statement of how many posts of these filters all pages hold."""
    only_published = values["published"] in (None, True)
    if only_published and not any(on for name, on in flags.items() if name != "published"):
        return _PUBLISHED_COUNT
    return _count_query(**flags)


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
    ensure_match(if_match, etag_of(post))
    return post


async def read(
    session: AsyncReadSession,
    post_id: int,
    *,
    viewer_id: int | None,
    kind: DocumentKind[Post] = DOCUMENT,
    view: Views = VIEW,
) -> Read:
    """The document of one post the viewer may see; someone else's draft is 404."""
    query = _ROW_BY_ID_PUBLIC if viewer_id is None else _ROW_BY_ID_VISIBLE
    params = {"post_id": post_id, "viewer_id": viewer_id}
    missing = lambda: PostNotFound(f"Post {post_id} does not exist.")  # noqa: E731
    return await documents.one(session, kind, query, params, view=view, missing=missing)


async def read_published(
    session: AsyncReadSession,
    slug: str,
    *,
    kind: DocumentKind[Post],
    view: Views,
    marked_for: int | None = None,
) -> Read:
    """The document of the published post with this slug (404 otherwise); with
    `marked_for`, its row says what read_page's rows say of that user."""
    missing = lambda: PostNotFound(f"Post {slug!r} does not exist.")  # noqa: E731
    params: dict[str, Any] = {"slug": slug, "marked_for": marked_for}
    statement = _ROW_BY_SLUG if marked_for is None else _ROW_BY_SLUG_MARKED
    return await documents.one(session, kind, statement, params, view=view, missing=missing)


async def read_page(
    session: AsyncReadSession,
    *,
    viewer_id: int | None,
    page: Page,
    author: str | None = None,
    tag: str | None = None,
    published: bool | None = None,
    favorited_by: str | None = None,
    followed_by: int | None = None,
    kind: DocumentKind[Post] = DOCUMENT,
    view: Views = VIEW,
    total: bool = False,
    marked_for: int | None = None,
) -> Read:
    """A page of posts' documents, newest first; with `total`, the number of posts of
    the filters in all pages; with `marked_for`, each row says whether that user
    follows its author (`following`) and favorited it (`favorited`), for `view`.

    Filters: the author's username, a tag's name, published or drafts, favorited by the
    user with this username, and by authors the user with id `followed_by` follows (a
    feed). Drafts are only ever the viewer's own."""
    values: dict[str, Any] = {
        "viewer_id": viewer_id,
        "author": author,
        "tag": tag,
        "published": published,
        "favorited_by": favorited_by,
        "followed_by": followed_by,
    }
    flags = {("viewer" if k == "viewer_id" else k): v is not None for k, v in values.items()}
    return await documents.many(
        session,
        kind,
        _list_query(page.after is not None, marked_for is not None, **flags),
        {**values, "marked_for": marked_for},
        view=view,
        page=page,
        total=_total(values, flags) if total else None,
    )


async def read_tagged(session: AsyncReadSession, tag: str, *, page: Page) -> Read:
    """A page of the published posts with this tag; 404 for a tag no published post has
    (a draft's tag is no tag to anyone)."""
    read = await read_page(session, viewer_id=None, page=page, tag=tag, published=True)
    if read.empty:  # no post on this page: has any published post this tag at all?
        await tags_service.ensure_in_use(session, tag)
    return read


async def ensure_visible(
    session: AsyncReadSession,
    *,
    viewer_id: int | None,
    post_id: int | None = None,
    slug: str | None = None,
) -> None:
    """PostNotFound unless the viewer may see the post with this id, or the published
    post with this slug."""
    if slug is not None:
        found = await session.lookup(_ROW_BY_SLUG, {"slug": slug})
    else:
        query = _ROW_BY_ID_PUBLIC if viewer_id is None else _ROW_BY_ID_VISIBLE
        found = await session.lookup(query, {"post_id": post_id, "viewer_id": viewer_id})
    if not found:
        name = repr(slug) if slug is not None else post_id
        raise PostNotFound(f"Post {name} does not exist.")


async def create(session: AsyncSession, caller: User, *, user_id: int, data: PostCreate) -> Post:
    """A post by the caller, on their own account only (NotYourAccount otherwise), with
    a unique slug made from its title."""
    users_service.ensure_self(caller, user_id)
    tags = await tags_service.get_or_create(session, data.tags)
    for slug in slugs.candidates(data.title, published=data.published):
        post = await _inserted(
            session,
            tags,
            title=data.title,
            slug=slug,
            description=data.description,
            body=data.body,
            published=data.published,
            author_id=caller.id,
        )
        if post is not None:
            # The author is the caller (no statement, and no backref that a failed
            # attempt would leave behind).
            set_committed_value(post, "author", caller)
            return post
    raise NoFreeSlug("No free address for a post of this title; try again.")


async def _inserted(session: AsyncSession, tags: list[Tag], **values: object) -> Post | None:
    """The post inserted with its tags, or None when its slug is taken (by a concurrent
    request too): the unique index decides, and ON CONFLICT DO NOTHING leaves the
    transaction usable (no savepoint, two round trips fewer)."""
    post = await inserted_unless_duplicate(session, Post, values, index_elements=[Post.slug])
    if post is None:
        return None
    if tags:
        links = [{"post_id": post.id, "tag_id": tag.id} for tag in tags]
        await session.execute(insert(post_tags), links)
    set_committed_value(post, "tags", tags)
    return post


async def _claim_slug(session: AsyncSession, post: Post) -> None:
    """Give the post a slug of its new title, or of its new state (only a published
    post holds its title's base slug: posts/slugs.py); its other changes are already
    flushed, with a new version, in this same transaction."""
    for slug in slugs.candidates(post.title, published=post.published):
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
    old_base, was_published = slugs.slugify(post.title), post.published
    changes = data.model_dump(exclude_unset=True)
    if "tags" in changes:
        post.tags = await tags_service.get_or_create(session, changes.pop("tags"))
    for field, value in changes.items():
        setattr(post, field, value)
    if data.model_fields_set:
        # A change of tags alone touches no column of `posts`, so set it here.
        post.updated_at = utcnow()
    await session.flush()
    if slugs.slugify(post.title) != old_base or post.published != was_published:
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
