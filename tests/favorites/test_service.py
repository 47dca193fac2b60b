"""favorites.service: idempotent, race-safe favorites and the count they keep."""

import asyncio

from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from inkwell.favorites import service
from inkwell.posts import service as posts_service
from inkwell.posts.models import Post
from tests.factories import load_user, make_account, make_post, make_user, warm_pool

Sessions = async_sessionmaker[AsyncSession]


async def _favorite(sessions: Sessions, user_id: int, post_id: int, *, undo: bool = False) -> Post:
    async with sessions() as session, session.begin():
        user = await load_user(session, user_id)
        post = await posts_service.get_or_raise(session, post_id, viewer_id=user_id)
        act = service.unfavorite if undo else service.favorite
        return await act(session, user, post)


async def _stored(sessions: Sessions, post_id: int) -> tuple[int, int]:
    async with sessions() as session:
        row = (
            await session.execute(
                select(Post.favorites_count, Post.version).where(Post.id == post_id)
            )
        ).one()
        return row.favorites_count, row.version


async def test_favorite_counts_once_and_moves_the_version(
    client: AsyncClient, sessions: Sessions
) -> None:
    author = await make_account(client)
    post = await make_post(client, author, published=True)
    fan = await make_user(client)
    answered = await _favorite(sessions, fan["id"], post["id"])
    assert (answered.favorites_count, answered.version) == (1, 2)
    assert await _stored(sessions, post["id"]) == (1, 2)
    # Again: nothing changes, not even the version.
    await _favorite(sessions, fan["id"], post["id"])
    assert await _stored(sessions, post["id"]) == (1, 2)
    async with sessions() as session:
        assert await service.favorited_among(session, fan["id"], [post["id"], 99]) == {post["id"]}
        assert await service.favorited_among(session, author.id, [post["id"]]) == set()
        assert await service.favorited_among(session, None, [post["id"]]) == set()
    answered = await _favorite(sessions, fan["id"], post["id"], undo=True)
    assert (answered.favorites_count, answered.version) == (0, 3)
    await _favorite(sessions, fan["id"], post["id"], undo=True)
    assert await _stored(sessions, post["id"]) == (0, 3)


async def test_twenty_users_at_once_count_twenty(
    client: AsyncClient, sessions: Sessions, engine: AsyncEngine
) -> None:
    author = await make_account(client)
    post = await make_post(client, author, published=True)
    fans = [await make_user(client) for _ in range(20)]
    await warm_pool(engine)
    await asyncio.gather(*(_favorite(sessions, fan["id"], post["id"]) for fan in fans))
    assert (await _stored(sessions, post["id"]))[0] == 20


async def test_one_user_ten_times_at_once_counts_one(
    client: AsyncClient, sessions: Sessions, engine: AsyncEngine
) -> None:
    author = await make_account(client)
    post = await make_post(client, author, published=True)
    fan = await make_user(client)
    await warm_pool(engine)
    await asyncio.gather(*(_favorite(sessions, fan["id"], post["id"]) for _ in range(10)))
    assert (await _stored(sessions, post["id"]))[0] == 1


async def test_a_closed_account_no_longer_counts(client: AsyncClient, sessions: Sessions) -> None:
    author = await make_account(client)
    post = await make_post(client, author, published=True)
    fan = await make_account(client)
    await _favorite(sessions, fan.id, post["id"])
    assert (await client.delete(f"/users/{fan.id}", headers=fan.headers)).status_code == 204
    assert await _stored(sessions, post["id"]) == (0, 3)
