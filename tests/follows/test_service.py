"""follows.service: idempotent, race-safe follows, and the lists of them."""

import asyncio
import json

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from inkwell.core.db import AsyncReadSession
from inkwell.core.pagination import Page
from inkwell.follows import service
from inkwell.follows.models import Follow
from inkwell.users.service import NotYourAccount
from tests.factories import load_user, make_account, make_user, warm_pool

Sessions = async_sessionmaker[AsyncSession]


async def _follow(sessions: Sessions, follower: int, followee: int) -> None:
    async with sessions() as session, session.begin():
        caller = await load_user(session, follower)
        await service.follow(session, caller, user_id=follower, followee=followee)


async def _count(sessions: Sessions) -> int:
    async with sessions() as session:
        return await session.scalar(select(func.count()).select_from(Follow)) or 0


async def test_follow_is_idempotent_and_unfollow_undoes_it(
    client: AsyncClient, sessions: Sessions
) -> None:
    ada, bob, cy = [await make_user(client) for _ in range(3)]
    await _follow(sessions, ada["id"], bob["id"])
    await _follow(sessions, ada["id"], bob["id"])
    assert await _count(sessions) == 1
    async with sessions() as session:
        among = await service.following_among(session, ada["id"], [bob["id"], cy["id"]])
        assert among == {bob["id"]}
        assert await service.following_among(session, None, [bob["id"]]) == set()
        assert await service.following_among(session, bob["id"], [ada["id"]]) == set()
    async with sessions() as session, session.begin():
        a = await load_user(session, ada["id"])
        await service.unfollow(session, a, user_id=a.id, followee=bob["id"])
        await service.unfollow(session, a, user_id=a.id, followee=bob["username"])
    assert await _count(sessions) == 0


async def test_only_the_account_holder_follows_as_it(
    client: AsyncClient, sessions: Sessions
) -> None:
    # Checked by the service, so both dialects have the rule; before any lookup, so a
    # missing followee is still 403, not 404.
    ada, bob = await make_user(client), await make_user(client)
    async with sessions() as session:
        caller = await load_user(session, ada["id"])
        for write in (service.follow, service.unfollow):
            with pytest.raises(NotYourAccount):
                await write(session, caller, user_id=bob["id"], followee=10**6)
    assert await _count(sessions) == 0


async def test_nobody_follows_themselves(client: AsyncClient, sessions: Sessions) -> None:
    ada = await make_user(client)
    with pytest.raises(service.CannotFollowYourself):
        await _follow(sessions, ada["id"], ada["id"])
    # The CHECK constraint holds even for a writer that skips the service.
    async with sessions() as session:
        with pytest.raises(IntegrityError):
            async with session.begin():
                await session.execute(
                    text("INSERT INTO follows (follower_id, followee_id) VALUES (:i, :i)"),
                    {"i": ada["id"]},
                )
    assert await _count(sessions) == 0


async def test_concurrent_follows_leave_one_row(
    client: AsyncClient, sessions: Sessions, engine: AsyncEngine
) -> None:
    ada, bob = await make_user(client), await make_user(client)
    await warm_pool(engine)
    await asyncio.gather(*(_follow(sessions, ada["id"], bob["id"]) for _ in range(10)))
    assert await _count(sessions) == 1


async def test_lists_are_newest_first_and_leave_out_closed_accounts(
    client: AsyncClient, sessions: Sessions, readers: async_sessionmaker[AsyncReadSession]
) -> None:
    ada = await make_user(client)
    others = [await make_account(client) for _ in range(3)]
    for other in others:
        await _follow(sessions, ada["id"], other.id)
        await _follow(sessions, other.id, ada["id"])
    assert (await client.delete(f"/users/{others[1].id}", headers=others[1].headers)).is_success
    page = Page(skip=0, limit=10, after=None)

    async def ids(page: Page, *, of_followers: bool) -> list[int]:
        async with readers() as session:
            read = await service.read_page(
                session, user_id=ada["id"], page=page, of_followers=of_followers
            )
            return [user["id"] for user in json.loads(await read.body())]

    assert await ids(page, of_followers=False) == [others[2].id, others[0].id]
    assert await ids(page, of_followers=True) == [others[2].id, others[0].id]
    # Closing an account forgot its follows both ways.
    assert await _count(sessions) == 4
    assert await ids(Page(0, 1, None), of_followers=False) == [others[2].id]
