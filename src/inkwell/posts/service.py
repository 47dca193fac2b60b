"""Queries and rules of the posts domain."""

from collections.abc import Sequence

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy import delete as delete_rows
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from sqlalchemy.sql import Select

from inkwell.core.db import utcnow
from inkwell.core.errors import Forbidden, NotFound
from inkwell.core.pagination import Page
from inkwell.posts.models import Post
from inkwell.posts.schemas import PostCreate, PostUpdate
from inkwell.tags import service as tags_service
from inkwell.tags.models import Tag
from inkwell.users.models import User


class PostNotFound(NotFound):
    slug = "post-not-found"


class NotYourPost(Forbidden):
    slug = "not-your-post"


def _visible_to(viewer_id: int | None) -> ColumnElement[bool]:
    """Drafts are seen by their author only; everyone sees published posts."""
    if viewer_id is None:
        return _PUBLISHED
    return or_(_PUBLISHED, Post.author_id == viewer_id)


# Posts with author and tags: three statements whatever the page size. The author
# is loaded with only the columns a post shows, not the e-mail, hash or balance.
# Built once: statements are immutable, and building this one costs more than
# deriving a filtered copy of it.
_POSTS: Select[Post] = select(Post).options(
    selectinload(Post.author).load_only(User.id, User.username, User.full_name),
    selectinload(Post.tags),
)
_PUBLISHED = Post.published.is_(True)


async def get_or_raise(session: AsyncSession, post_id: int, *, viewer_id: int | None) -> Post:
    """The post if the viewer may see it; someone else's draft is 404 too."""
    post = await session.scalar(_POSTS.where(Post.id == post_id, _visible_to(viewer_id)))
    if post is None:
        raise PostNotFound(f"Post {post_id} does not exist.")
    return post


async def get_own_or_raise(session: AsyncSession, post_id: int, *, author_id: int) -> Post:
    post = await get_or_raise(session, post_id, viewer_id=author_id)
    if post.author_id != author_id:
        raise NotYourPost("Only the author can change or delete this post.")
    return post


async def list_(
    session: AsyncSession,
    *,
    viewer_id: int | None,
    page: Page,
    author: str | None = None,
    tag: str | None = None,
    published: bool | None = None,
) -> Sequence[Post]:
    query = _POSTS.where(_visible_to(viewer_id)).order_by(Post.created_at.desc(), Post.id.desc())
    if author is not None:
        author_id = (
            select(User.id)
            .where(User.username == author, User.closed_at.is_(None))
            .scalar_subquery()
        )
        query = query.where(Post.author_id == author_id)
    if tag is not None:
        query = query.where(Post.tags.any(Tag.name == tag))
    if published is not None:
        query = query.where(Post.published == published)
    if page.after is not None:
        query = query.where(page.after.before(Post.created_at, Post.id))
    return (await session.scalars(query.offset(page.skip).limit(page.limit))).all()


async def create(session: AsyncSession, *, author: User, data: PostCreate) -> Post:
    post = Post(
        title=data.title,
        body=data.body,
        published=data.published,
        author=author,
        tags=await tags_service.get_or_create(session, data.tags),
    )
    session.add(post)
    await session.flush()
    return post


async def update(session: AsyncSession, post: Post, *, data: PostUpdate) -> Post:
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


async def delete(session: AsyncSession, post: Post) -> None:
    await session.execute(delete_rows(Post).where(Post.id == post.id))
