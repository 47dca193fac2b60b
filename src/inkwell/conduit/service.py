"""Conduit's reads: the domain's reads in Conduit's views, with each viewer's part.

A list of articles is one statement: its page with the total of its filter and, for a
signed-in viewer, whether they follow each row's author and favorited it
(posts.service.read_page); the documents come from the read cache, built through the
ORM when missing. The page size changes none of these counts. A single article is read
the same way.
"""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from inkwell.comments import service as comments_service
from inkwell.conduit.documents import (
    ARTICLES,
    COMMENTS,
    PROFILES,
    articles_envelope,
    envelope,
    enveloped,
)
from inkwell.core.db import AsyncReadSession
from inkwell.core.documents import Read, View, Views
from inkwell.core.pagination import Page
from inkwell.favorites import service as favorites_service
from inkwell.follows import service as follows_service
from inkwell.posts import service as posts_service
from inkwell.posts.models import Post
from inkwell.users import service as users_service
from inkwell.users.models import User


def _marked_views(name: str) -> Views:
    """Each article's view, with what its row says of the viewer (posts.service.read_page's
    `marked_for`): whether they follow its author and favorited it."""

    async def views(rows: Sequence[Row[Any]]) -> list[View]:
        return [(name, bool(row.following), bool(row.favorited)) for row in rows]

    return views


def _following_views(session: AsyncSession, viewer: User | None, name: str, column: str) -> Views:
    """Each row's view, with whether the viewer follows the user its `column` names."""
    if viewer is None:
        return (name, False)

    async def views(rows: Sequence[Row[Any]]) -> list[View]:
        ids = {getattr(row, column) for row in rows}
        following = await follows_service.following_among(session, viewer.id, ids)
        return [(name, getattr(row, column) in following) for row in rows]

    return views


async def articles(
    session: AsyncReadSession,
    viewer: User | None,
    *,
    page: Page,
    tag: str | None = None,
    author: str | None = None,
    favorited_by: str | None = None,
    feed: bool = False,
) -> Read:
    """`{"articles": [...], "articlesCount": n}`: published articles without `body`,
    newest first; with `feed`, by the authors the viewer follows."""
    read = await posts_service.read_page(
        session,
        viewer_id=None,
        published=True,
        page=page,
        tag=tag,
        author=author,
        favorited_by=favorited_by,
        followed_by=viewer.id if feed and viewer is not None else None,
        kind=ARTICLES,
        view=("brief", False, False) if viewer is None else _marked_views("brief"),
        total=True,
        marked_for=None if viewer is None else viewer.id,
    )
    return read.wrap(articles_envelope)


async def article(session: AsyncReadSession, viewer: User | None, slug: str) -> Read:
    """`{"article": {...}}` of the published post with this slug."""
    read = await posts_service.read_published(
        session,
        slug,
        kind=ARTICLES,
        view=("article", False, False) if viewer is None else _marked_views("article"),
        marked_for=None if viewer is None else viewer.id,
    )
    return read.wrap(enveloped("article"))


async def profile(session: AsyncReadSession, viewer: User | None, username: str) -> Read:
    """`{"profile": {...}}` of the open account with this username."""
    view = _following_views(session, viewer, "profile", "id")
    read = await users_service.read_by_username(session, username, kind=PROFILES, view=view)
    return read.wrap(enveloped("profile"))


async def comments(
    session: AsyncReadSession, viewer: User | None, slug: str, *, page: Page
) -> Read:
    """`{"comments": [...]}`: a page of the comments of the published post with this
    slug, newest first."""
    view = _following_views(session, viewer, "conduit", "author_id")
    read = await comments_service.read_published(session, slug, kind=COMMENTS, view=view, page=page)
    return read.wrap(enveloped("comments"))


async def written(session: AsyncSession, post: Post, viewer: User) -> bytes:
    """`{"article": ...}` of a post just written or favorited by the viewer (loaded with
    its author and tags), with the viewer's `following` and `favorited`."""
    following = await follows_service.following_among(session, viewer.id, [post.author_id])
    favorited = await favorites_service.favorited_among(session, viewer.id, [post.id])
    view = ("article", bool(following), bool(favorited))
    return envelope("article", ARTICLES.render(post, view))


async def favorite(session: AsyncSession, caller: User, slug: str, *, favorited: bool) -> bytes:
    """Favorite (or no longer) the published article with this slug: its `{"article"}`."""
    post = await posts_service.get_by_slug_or_raise(session, slug, viewer_id=None)
    change = favorites_service.favorite if favorited else favorites_service.unfavorite
    return await written(session, await change(session, caller, post), caller)


async def follow(session: AsyncSession, caller: User, username: str, *, following: bool) -> bytes:
    """Follow (or no longer) the open account with this username: its `{"profile"}`."""
    change = follows_service.follow if following else follows_service.unfollow
    user = await change(session, caller, user_id=caller.id, followee=username)
    return envelope("profile", PROFILES.render(user, ("profile", following)))


def commented(comment: Any) -> bytes:
    """`{"comment": {...}}` of a comment just written (by the viewer: not following)."""
    return envelope("comment", COMMENTS.render(comment, ("conduit", False)))
