"""Closing an account races with that account's own writes (PostgreSQL, where they run
in parallel; SQLite's write lock serializes them): nothing an account writes survives
its closing, whatever the interleaving."""

import asyncio
from typing import Any

import asyncpg
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import func, select

from inkwell.comments.models import Comment
from inkwell.favorites.models import Favorite
from inkwell.follows.models import Follow
from inkwell.posts.models import Post
from tests.factories import Account, assert_problem, make_account, make_post
from tests.servers import asyncpg_dsn
from tests.support import row_lock, until_the_service_waits_on_a_lock


async def _left_behind(app: FastAPI, user_id: int) -> dict[str, int]:
    """Rows of the account that its closing should have removed."""
    async with app.state.engine.connect() as conn:
        return {
            "posts": await conn.scalar(select(func.count()).where(Post.author_id == user_id)),
            "comments": await conn.scalar(select(func.count()).where(Comment.author_id == user_id)),
            "favorites": await conn.scalar(select(func.count()).where(Favorite.user_id == user_id)),
            "follows": await conn.scalar(select(func.count()).where(Follow.follower_id == user_id)),
        }


_NOTHING = {"posts": 0, "comments": 0, "favorites": 0, "follows": 0}


def _post(client: AsyncClient, closing: Account) -> Any:
    body = {"title": "Late", "body": "A body long enough.", "published": True}
    return client.post(
        f"/users/{closing.id}/posts/", json={**body, "tags": ["held-tag"]}, headers=closing.headers
    )


def _writes(client: AsyncClient, closing: Account, other: Account, post: dict[str, Any]) -> Any:
    """One write of each kind by the closing account."""
    return [
        _post(client, closing),
        client.post(
            f"/posts/{post['id']}/comments/",
            json={"body": "A late comment."},
            headers=closing.headers,
        ),
        client.put(f"/posts/{post['id']}/favorite", headers=closing.headers),
        client.put(f"/users/{closing.id}/following/{other.id}", headers=closing.headers),
    ]


async def test_writes_in_flight_when_the_close_starts_are_removed_with_it(
    pg_app: FastAPI, pg_client: AsyncClient, postgres_url: str
) -> None:
    closing = await make_account(pg_client)
    # Another transaction holds the tag name the new post wants: the post's request
    # has written its row and waits, uncommitted, while the close begins.
    blocker = await asyncpg.connect(asyncpg_dsn(postgres_url))
    try:
        tx = blocker.transaction()
        await tx.start()
        await blocker.execute("INSERT INTO tags (name) VALUES ('held-tag')")
        write = asyncio.ensure_future(_post(pg_client, closing))
        await until_the_service_waits_on_a_lock(blocker)
        close = asyncio.ensure_future(
            pg_client.delete(f"/users/{closing.id}", headers=closing.headers)
        )
        await until_the_service_waits_on_a_lock(blocker, waiting=2)
        await tx.rollback()
        written, closed = await asyncio.wait_for(asyncio.gather(write, close), timeout=10)
    finally:
        await blocker.close()
    assert written.status_code == 201, written.text
    assert closed.status_code == 204, closed.text
    assert await _left_behind(pg_app, closing.id) == _NOTHING
    assert (await pg_client.get(f"/posts/{written.json()['id']}")).status_code == 404


async def test_writes_that_start_while_the_close_runs_are_refused(
    pg_app: FastAPI, pg_client: AsyncClient, postgres_url: str
) -> None:
    closing = await make_account(pg_client)
    other = await make_account(pg_client)
    own = await make_post(pg_client, closing, published=True)
    post = await make_post(pg_client, other, published=True)
    # The close stops on its own post's row, held elsewhere, having begun.
    async with row_lock(postgres_url, "posts", own["id"]) as (conn, tx):
        close = asyncio.ensure_future(
            pg_client.delete(f"/users/{closing.id}", headers=closing.headers)
        )
        await until_the_service_waits_on_a_lock(conn)
        writes = [asyncio.ensure_future(w) for w in _writes(pg_client, closing, other, post)]
        await until_the_service_waits_on_a_lock(conn, waiting=1 + len(writes))
        await tx.rollback()
        closed, *answers = await asyncio.wait_for(asyncio.gather(close, *writes), timeout=10)
    assert closed.status_code == 204, closed.text
    for answer in answers:
        assert_problem(answer, 401)
    assert await _left_behind(pg_app, closing.id) == _NOTHING
