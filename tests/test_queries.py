"""N+1 is a bug: each endpoint runs a fixed number of statements, whatever the page size."""

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import StatementCounter
from tests.factories import make_account, make_post, seed_posts


async def _count(client: AsyncClient, counter: StatementCounter, url: str, size: int) -> int:
    counter.reset()
    response = await client.get(url, params={"limit": size})
    assert response.status_code == 200
    assert len(response.json()) == size
    return counter.count


@pytest.mark.parametrize(
    ("url", "expected"),
    [("/posts/", 3), ("/users/", 1), ("/tags/seed-tag-0/posts", 4)],
)
async def test_statement_count_is_constant(
    client: AsyncClient,
    engine: AsyncEngine,
    sql_counter: StatementCounter,
    url: str,
    expected: int,
) -> None:
    await seed_posts(engine, 400)
    small = await _count(client, sql_counter, url, 1)
    large = await _count(client, sql_counter, url, 100)
    assert small == large == expected, sql_counter.statements


async def test_tag_list_is_one_statement(
    client: AsyncClient, engine: AsyncEngine, sql_counter: StatementCounter
) -> None:
    await seed_posts(engine, 20)
    sql_counter.reset()
    response = await client.get("/tags/")
    assert len(response.json()) == 10
    assert sql_counter.count == 1


async def test_writes_do_not_grow_with_tags(
    client: AsyncClient, sql_counter: StatementCounter
) -> None:
    author = await make_account(client)
    counts = []
    for size in (1, 10):
        tags = [f"size{size}-tag{i}" for i in range(size)]
        sql_counter.reset()
        post = await make_post(client, author, tags=tags)
        created = sql_counter.count
        sql_counter.reset()
        response = await client.patch(
            f"/posts/{post['id']}", json={"tags": [f"new{size}"]}, headers=author.headers
        )
        assert response.status_code == 200
        counts.append((created, sql_counter.count))
    # create: caller, tag upsert, tag select, post insert, links insert;
    # patch: caller, post + author + tags, tag upsert, tag select, post update,
    # links delete + insert
    assert counts == [(5, 9), (5, 9)]


async def test_user_by_id_reads_the_caller_once(
    client: AsyncClient, sql_counter: StatementCounter
) -> None:
    """Anonymous: the user. The holder: the token's account, which is the document.
    Someone else: the token's account, then the user."""
    owner = await make_account(client)
    other = await make_account(client)
    counts = []
    for headers in ({}, owner.headers, other.headers):
        sql_counter.reset()
        response = await client.get(f"/users/{owner.id}", headers=headers)
        assert response.status_code == 200
        counts.append(sql_counter.count)
    assert counts == [1, 1, 2]
