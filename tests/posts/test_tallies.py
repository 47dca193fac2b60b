"""The database's own tally of published posts (posts.models.PostTally, kept by the
triggers of migration 0010) against a count of the posts, whoever writes them."""

import asyncio

from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from inkwell.posts.models import Post, PostTally
from tests.factories import (
    article_payload,
    make_account,
    make_article,
    make_conduit_user,
    make_post,
    seed_posts,
)


async def _tallied_and_counted(engine: AsyncEngine) -> tuple[int, int]:
    async with engine.connect() as conn:
        tallied = await conn.scalar(select(func.coalesce(func.sum(PostTally.published), 0)))
        counted = await conn.scalar(select(func.count()).where(Post.published.is_(True)))
    return int(tallied or 0), int(counted or 0)


async def _articles_count(client: AsyncClient) -> int:
    response = await client.get("/api/articles?limit=1")
    assert response.status_code == 200, response.text
    count: int = response.json()["articlesCount"]
    return count


async def test_the_tally_follows_every_way_a_post_is_published_or_not(
    client: AsyncClient, engine: AsyncEngine
) -> None:
    ada = await make_account(client)
    posts = [await make_post(client, ada, published=True) for _ in range(3)]
    draft = await make_post(client, ada, published=False)
    assert await _tallied_and_counted(engine) == (3, 3)

    async def patch(post_id: int, **change: object) -> None:
        response = await client.patch(f"/posts/{post_id}", json=change, headers=ada.headers)
        assert response.status_code == 200, response.text

    await patch(draft["id"], published=True)  # published later
    assert await _tallied_and_counted(engine) == (4, 4)
    await patch(posts[0]["id"], published=False)  # a draft again
    await patch(posts[1]["id"], title="Renamed", published=True)  # stays published
    assert await _tallied_and_counted(engine) == (3, 3)
    deleted = await client.delete(f"/posts/{posts[1]['id']}", headers=ada.headers)
    assert deleted.status_code == 204, deleted.text
    assert await _tallied_and_counted(engine) == (2, 2)

    await seed_posts(engine, 5)  # written around the API, by the ORM directly
    assert await _tallied_and_counted(engine) == (7, 7)

    bob = await make_account(client)
    for _ in range(2):
        await make_post(client, bob, published=True)
    assert await _tallied_and_counted(engine) == (9, 9)
    closed = await client.delete(f"/users/{bob.id}", headers=bob.headers)
    assert closed.status_code == 204, closed.text  # and its posts go
    assert await _tallied_and_counted(engine) == (7, 7)
    assert await _articles_count(client) == 7


async def test_concurrent_articles_are_each_counted_once(
    client: AsyncClient, engine: AsyncEngine
) -> None:
    """Forty articles written at once, by four writers, land in the tallies' rows of
    their ids: the total is forty, on PostgreSQL with the writers really in parallel."""
    writers = [await make_conduit_user(client) for _ in range(4)]

    async def write(n: int) -> int:
        writer = writers[n % len(writers)]
        body = {"article": article_payload(title=f"Parallel {n}")}
        response = await client.post("/api/articles", json=body, headers=writer.headers)
        return response.status_code

    assert await asyncio.gather(*(write(n) for n in range(40))) == [201] * 40
    assert await _tallied_and_counted(engine) == (40, 40)
    assert await _articles_count(client) == 40
    await make_article(client, writers[0])
    assert await _articles_count(client) == 41


async def test_a_truncate_takes_the_tallies_with_the_posts(
    pg_client: AsyncClient, pg_app: FastAPI
) -> None:
    """TRUNCATE fires no row trigger (PostgreSQL): a statement trigger empties the
    tallies, and the next post is counted from nothing."""
    engine: AsyncEngine = pg_app.state.engine
    ada = await make_account(pg_client)
    await make_post(pg_client, ada, published=True)
    async with engine.begin() as conn:
        await conn.execute(text("TRUNCATE posts CASCADE"))
    assert await _tallied_and_counted(engine) == (0, 0)
    await make_post(pg_client, ada, published=True)
    assert await _tallied_and_counted(engine) == (1, 1)
    assert await _articles_count(pg_client) == 1
