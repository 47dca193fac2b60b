"""comments.service: a post's comments, their order, ownership and cascade."""

import json

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from inkwell.comments import service
from inkwell.comments.models import Comment
from inkwell.core.db import AsyncReadSession
from inkwell.core.pagination import Page
from inkwell.posts import service as posts_service
from tests.factories import load_user, make_account, make_post
from tests.support import make_settings

Sessions = async_sessionmaker[AsyncSession]
# What comments.service reads of the settings (its throttle) is the same on every database.
SETTINGS = make_settings("sqlite+aiosqlite://")


async def _comment(sessions: Sessions, user_id: int, post_id: int, body: str) -> int:
    async with sessions() as session, session.begin():
        user = await load_user(session, user_id)
        post = await posts_service.get_or_raise(session, post_id, viewer_id=user_id)
        comment = await service.create(session, user, post, body=body, settings=SETTINGS)
        assert comment.author.username == user.username
        return comment.id


async def _delete(sessions: Sessions, user_id: int, post_id: int, comment_id: int) -> None:
    async with sessions() as session, session.begin():
        user = await load_user(session, user_id)
        post = await posts_service.get_or_raise(session, post_id, viewer_id=user_id)
        await service.delete(session, user, post, comment_id=comment_id)


async def test_comments_are_listed_newest_first_with_their_authors(
    client: AsyncClient, sessions: Sessions, readers: async_sessionmaker[AsyncReadSession]
) -> None:
    author = await make_account(client)
    post = await make_post(client, author, published=True)
    other = await make_post(client, author, published=True)
    ids = [await _comment(sessions, author.id, post["id"], f"Comment {i}") for i in range(3)]
    await _comment(sessions, author.id, other["id"], "Elsewhere")

    async def comments(page: Page) -> list[dict[str, object]]:
        async with readers() as session:
            read = await service.read_page(session, post["id"], viewer_id=None, page=page)
            documents: list[dict[str, object]] = json.loads(await read.body())
            return documents

    every = await comments(Page(0, 100, None))
    assert [c["id"] for c in every] == ids[::-1]
    brief = {k: author.user[k] for k in ("id", "username", "full_name")}
    assert [c["author"] for c in every] == [brief] * 3
    first = await comments(Page(0, 2, None))
    assert [c["id"] for c in first] == ids[:0:-1]


async def test_only_the_author_deletes_a_comment(client: AsyncClient, sessions: Sessions) -> None:
    author = await make_account(client)
    reader = await make_account(client)
    post = await make_post(client, author, published=True)
    other = await make_post(client, author, published=True)
    comment_id = await _comment(sessions, reader.id, post["id"], "Mine")
    with pytest.raises(service.NotYourComment):
        await _delete(sessions, author.id, post["id"], comment_id)
    with pytest.raises(service.CommentNotFound):
        await _delete(sessions, reader.id, other["id"], comment_id)
    await _delete(sessions, reader.id, post["id"], comment_id)
    with pytest.raises(service.CommentNotFound):
        await _delete(sessions, reader.id, post["id"], comment_id)


async def test_comments_go_with_their_post(client: AsyncClient, sessions: Sessions) -> None:
    author = await make_account(client)
    post = await make_post(client, author, published=True)
    await _comment(sessions, author.id, post["id"], "Soon gone")
    assert (await client.delete(f"/posts/{post['id']}", headers=author.headers)).is_success
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Comment)) == 0
