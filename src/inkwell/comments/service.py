"""Queries and rules of comments: a post's comments, written and deleted by their author."""

from collections.abc import Sequence

from sqlalchemy import bindparam, select
from sqlalchemy import delete as delete_rows
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from sqlalchemy.sql import Select

import inkwell.models  # noqa: F401 - every mapper, for the loader options built at import
from inkwell.comments.models import Comment
from inkwell.core.errors import Forbidden, NotFound
from inkwell.core.pagination import Page, keyset_before, paginated
from inkwell.posts.models import Post
from inkwell.users import closing
from inkwell.users.models import User


class CommentNotFound(NotFound):
    slug = "comment-not-found"


class NotYourComment(Forbidden):
    slug = "not-your-comment"


# Comments with their author (the columns a comment's documents show, in either
# dialect): two statements whatever their number.
_COMMENTS: Select[Comment] = (
    select(Comment)
    .options(
        selectinload(Comment.author).load_only(
            User.id, User.username, User.full_name, User.bio, User.image, User.version
        )
    )
    .where(Comment.post_id == bindparam("post_id"))
    .order_by(Comment.created_at.desc(), Comment.id.desc())
)
_ALL = _COMMENTS
_PAGES = {
    False: paginated(_COMMENTS),
    True: paginated(_COMMENTS.where(keyset_before(Comment.created_at, Comment.id))),
}


async def create(session: AsyncSession, author: User, post: Post, *, body: str) -> Comment:
    """A comment by `author` on `post`, a post they may see (posts.service.get_or_raise
    or get_by_slug_or_raise decides)."""
    comment = Comment(post_id=post.id, author=author, body=body)
    session.add(comment)
    await session.flush()
    return comment


async def list_for_post(
    session: AsyncSession, post_id: int, *, page: Page | None = None
) -> Sequence[Comment]:
    """The comments of a post the viewer may see (posts.service.get_row or
    get_row_by_slug decides), newest first, their authors loaded: a page, or all."""
    if page is None:
        return (await session.scalars(_ALL, {"post_id": post_id})).all()
    query = _PAGES[page.after is not None]
    return (await session.scalars(query, {"post_id": post_id, **page.params()})).all()


async def delete(session: AsyncSession, caller: User, post: Post, *, comment_id: int) -> None:
    """Delete the caller's own comment on `post` (NotYourComment for anyone else's;
    CommentNotFound when the post has no comment with this id)."""
    comment = await session.get(Comment, comment_id)
    if comment is None or comment.post_id != post.id:
        raise CommentNotFound(f"Comment {comment_id} does not exist.")
    if comment.author_id != caller.id:
        raise NotYourComment("Only its author can delete this comment.")
    await session.delete(comment)
    await session.flush()


@closing.forgets_closed_accounts
async def forget(session: AsyncSession, user_id: int) -> None:
    """A closed account's comments go with it."""
    await session.execute(delete_rows(Comment).where(Comment.author_id == user_id))
