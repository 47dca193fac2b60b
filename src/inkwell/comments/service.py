"""Queries and rules of comments: a post's comments, written and deleted by their author."""

from datetime import timedelta

from sqlalchemy import bindparam, or_
from sqlalchemy import delete as delete_rows
from sqlalchemy.ext.asyncio import AsyncSession

from inkwell.auth import throttle
from inkwell.comments.documents import DOCUMENT, VIEW
from inkwell.comments.models import Comment
from inkwell.core import documents
from inkwell.core.config import Settings
from inkwell.core.db import AsyncReadSession
from inkwell.core.documents import DocumentKind, Read, Views
from inkwell.core.errors import Forbidden, NotFound, TooManyRequests
from inkwell.core.pagination import Page, keyset_before, paginated
from inkwell.posts import service as posts_service
from inkwell.posts.models import Post
from inkwell.users import closing
from inkwell.users.models import User


class CommentNotFound(NotFound):
    """No comment of this id on this post."""


class NotYourComment(Forbidden):
    """A deletion of someone else's comment."""


class TooManyComments(TooManyRequests):
    """Too many comments from this account lately."""


def _too_many(retry_after: int) -> TooManyComments:
    return TooManyComments(
        "Too many comments from this account; try again later.",
        headers={"Retry-After": str(retry_after)},
    )


# A post's comments, newest first: of a post the viewer may see (by id), or of a
# published post (by slug, as Conduit addresses them).
_ROWS = (
    DOCUMENT.rows(Comment.author_id)
    .join(Post, Post.id == Comment.post_id)
    .order_by(Comment.created_at.desc(), Comment.id.desc())
)
_OF_POST = _ROWS.where(
    Post.id == bindparam("post_id"),
    or_(Post.published.is_(True), Post.author_id == bindparam("viewer_id")),
)
_PAGES = {
    False: paginated(_OF_POST),
    True: paginated(_OF_POST.where(keyset_before(Comment.created_at, Comment.id))),
}
_OF_PUBLISHED = paginated(_ROWS.where(Post.slug == bindparam("slug"), Post.published.is_(True)))


async def create(
    session: AsyncSession, author: User, post: Post, *, body: str, settings: Settings
) -> Comment:
    """A comment by `author` on `post`, a post they may see (posts.service.get_or_raise
    or get_by_slug_or_raise decides).

    Each account may write COMMENT_MAX_PER_ACCOUNT comments per COMMENT_WINDOW_SECONDS
    (TooManyComments beyond): every comment is stored and shown to every reader of the
    post. Counted in this transaction, so that a comment refused for any reason costs
    nothing."""
    window = timedelta(seconds=settings.comment_window_seconds)
    limit = throttle.Limit(f"comment-account:{author.id}", settings.comment_max_per_account, window)
    await throttle.record(session, [limit], refuse=_too_many)
    comment = Comment(post_id=post.id, author=author, body=body)
    session.add(comment)
    await session.flush()
    return comment


async def read_page(
    session: AsyncReadSession, post_id: int, *, viewer_id: int | None, page: Page
) -> Read:
    """A page of the comments of a post the viewer may see (someone else's draft is
    404, like the draft), newest first, with their authors."""
    query = _PAGES[page.after is not None]
    params = {"post_id": post_id, "viewer_id": viewer_id}
    read = await documents.many(session, DOCUMENT, query, params, view=VIEW, page=page)
    if read.empty:  # no comment: is there such a post at all?
        await posts_service.ensure_visible(session, viewer_id=viewer_id, post_id=post_id)
    return read


async def read_published(
    session: AsyncReadSession,
    slug: str,
    *,
    kind: DocumentKind[Comment],
    view: Views,
    page: Page,
) -> Read:
    """A page of the comments of the published post with this slug (404 otherwise),
    newest first."""
    params = {"slug": slug}
    read = await documents.many(session, kind, _OF_PUBLISHED, params, view=view, page=page)
    if read.empty:
        await posts_service.ensure_visible(session, viewer_id=None, slug=slug)
    return read


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
