"""N+1 is a bug: each endpoint runs a fixed number of statements, whatever the page size;
with the read cache warm, a read is its one read statement (plus the token's account)."""

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import StatementCounter
from tests.factories import make_account, make_post, seed_posts


@pytest.fixture
def read_cache_verify() -> bool:
    """Statements are counted as production runs them: cache hits are not rebuilt."""
    return False


async def _count(
    client: AsyncClient, counter: StatementCounter, url: str, size: int | None = None
) -> int:
    counter.reset()
    response = await client.get(url, params={} if size is None else {"limit": size})
    assert response.status_code == 200
    if size is not None:
        assert len(response.json()) == size
    return counter.count


# The read statement, then the documents of the posts it chose through the ORM (posts,
# their authors, their tags) or of the users (one statement); once they are cached, the
# read statement alone. The tag's own row is read only when it has no post to show.
@pytest.mark.parametrize(
    ("url", "cold", "warm"),
    [("/posts/", 4, 1), ("/users/", 2, 1), ("/tags/seed-tag-0/posts", 4, 1)],
)
async def test_statement_count_is_constant(
    client: AsyncClient,
    engine: AsyncEngine,
    sql_counter: StatementCounter,
    read_cache_entries: int,
    url: str,
    cold: int,
    warm: int,
) -> None:
    await seed_posts(engine, 400)
    small = await _count(client, sql_counter, url, 1)
    large = await _count(client, sql_counter, url, 100)
    assert small == large == cold, sql_counter.statements
    again = await _count(client, sql_counter, url, 100)
    assert again == (warm if read_cache_entries else cold), sql_counter.statements


async def test_one_post_is_one_statement_once_cached(
    client: AsyncClient, sql_counter: StatementCounter, read_cache_entries: int
) -> None:
    author = await make_account(client)
    post = await make_post(client, author, published=True, tags=["a", "b"])
    counts = [await _count(client, sql_counter, f"/posts/{post['id']}") for _ in range(2)]
    assert counts == ([4, 1] if read_cache_entries else [4, 4]), sql_counter.statements


async def test_revalidation_is_the_read_statement_alone(
    client: AsyncClient, engine: AsyncEngine, sql_counter: StatementCounter
) -> None:
    """A current If-None-Match is answered 304 after the read statement, cache or not."""
    await seed_posts(engine, 30)
    for url in ("/posts/?limit=20", "/users/?limit=20", "/posts/1", "/users/1"):
        tag = (await client.get(url)).headers["etag"]
        sql_counter.reset()
        response = await client.get(url, headers={"If-None-Match": tag})
        assert response.status_code == 304
        assert sql_counter.count == 1, (url, sql_counter.statements)


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
    client: AsyncClient, sql_counter: StatementCounter, read_cache_entries: int
) -> None:
    """Anonymous: the user's version, then (not cached) the user. The holder: the token's
    account, which is the document. Someone else: the token's account, then as anonymous."""
    owner = await make_account(client)
    other = await make_account(client)
    counts = []
    for headers in ({}, owner.headers, other.headers, {}):
        sql_counter.reset()
        response = await client.get(f"/users/{owner.id}", headers=headers)
        assert response.status_code == 200
        counts.append(sql_counter.count)
    assert counts == ([2, 1, 2, 1] if read_cache_entries else [2, 1, 3, 2])
