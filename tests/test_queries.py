"""N+1 is a bug: each endpoint runs a fixed number of statements, whatever the page size;
with the read cache warm, a read is its one read statement (plus the token's account)."""

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.factories import make_account, make_post, seed_posts, seed_social
from tests.support import StatementCounter

# Statements are counted as production runs them: cache hits are not rebuilt.
pytestmark = pytest.mark.counts_statements


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
# read statement alone. Without the cache, the read statement loads the posts or users
# itself: one statement fewer. The tag's own row is read only when it has no post.
@pytest.mark.parametrize(
    ("url", "cold", "warm", "uncached"),
    [("/posts/", 4, 1, 3), ("/users/", 2, 1, 1), ("/tags/seed-tag-0/posts", 4, 1, 3)],
)
async def test_statement_count_is_constant(
    client: AsyncClient,
    engine: AsyncEngine,
    sql_counter: StatementCounter,
    read_cache_entries: int,
    url: str,
    cold: int,
    warm: int,
    uncached: int,
) -> None:
    await seed_posts(engine, 400)
    small = await _count(client, sql_counter, url, 1)
    large = await _count(client, sql_counter, url, 100)
    again = await _count(client, sql_counter, url, 100)
    expected = [cold, cold, warm] if read_cache_entries else [uncached] * 3
    assert [small, large, again] == expected, sql_counter.statements


async def test_one_post_is_one_statement_once_cached(
    client: AsyncClient, sql_counter: StatementCounter, read_cache_entries: int
) -> None:
    author = await make_account(client)
    post = await make_post(client, author, published=True, tags=["a", "b"])
    counts = [await _count(client, sql_counter, f"/posts/{post['id']}") for _ in range(2)]
    assert counts == ([4, 1] if read_cache_entries else [3, 3]), sql_counter.statements


async def test_revalidation_is_the_read_statement_alone(
    client: AsyncClient, engine: AsyncEngine, sql_counter: StatementCounter
) -> None:
    """A current If-None-Match is answered 304 after the read statement, cache or not
    (without the cache, the read statement that loads the documents is not run)."""
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
    # create: caller, tag upsert, tag select, post insert (nothing when the slug's
    # unique index already holds it: no savepoint), links insert;
    # patch: caller, post + author + tags, tag upsert, tag select, post update,
    # links delete + insert
    assert counts == [(5, 9), (5, 9)]


async def test_user_by_id_reads_the_caller_once(
    client: AsyncClient, sql_counter: StatementCounter, read_cache_entries: int
) -> None:
    """Anonymous: the user's version, then (not cached) the user; without the cache, the
    user with its version. The holder: the token's account, which is the document.
    Someone else: the token's account, then as anonymous."""
    owner = await make_account(client)
    other = await make_account(client)
    counts = []
    for headers in ({}, owner.headers, other.headers, {}):
        sql_counter.reset()
        response = await client.get(f"/users/{owner.id}", headers=headers)
        assert response.status_code == 200
        counts.append(sql_counter.count)
    assert counts == ([2, 1, 2, 1] if read_cache_entries else [1, 1, 2, 1])


# The new lists: the page's read statement (which also decides that the listed user or
# post is there: only an empty page looks for it, for its 404), and the documents not
# cached (users: one statement; posts: three; comments and their authors: two). Without
# the cache, the read statement loads what it lists (one statement fewer). With a token,
# the lists that read it (posts, comments) look its account up once more.
@pytest.mark.parametrize(
    ("path", "cold", "warm", "uncached", "reads_token"),
    [
        ("/users/{hub}/following/", 2, 1, 1, False),
        ("/users/{hub}/followers/", 2, 1, 1, False),
        ("/posts/{post}/comments/", 3, 1, 2, True),
        ("/posts/?favorited_by={fan_name}", 4, 1, 3, True),
    ],
)
async def test_new_lists_are_constant_whoever_the_viewer(
    client: AsyncClient,
    engine: AsyncEngine,
    sql_counter: StatementCounter,
    read_cache_entries: int,
    path: str,
    cold: int,
    warm: int,
    uncached: int,
    reads_token: bool,
) -> None:
    fan = await make_account(client)
    stranger = await make_account(client)
    hub, post = await seed_social(engine, 120, fan_id=fan.id)
    url = path.format(hub=hub, post=post, fan_name=fan.user["username"])

    async def count(size: int, headers: dict[str, str]) -> int:
        sql_counter.reset()
        separator = "&" if "?" in url else "?"
        response = await client.get(f"{url}{separator}limit={size}", headers=headers)
        assert response.status_code == 200, response.text
        assert len(response.json()) == size
        return sql_counter.count - (1 if headers and reads_token else 0)

    if not read_cache_entries:
        cold = warm = uncached
    # Nothing cached yet: every document of either page is built.
    assert [await count(1, {}), await count(100, {})] == [cold, cold], sql_counter.statements
    # Whoever asks (anonymous, a follower and favoriter of everything, a stranger),
    # whatever the page size: the same statements, from the cache where it is on.
    viewers = ({}, fan.headers, stranger.headers)
    counts = [await count(size, headers) for headers in viewers for size in (1, 100)]
    assert counts == [warm] * 6, sql_counter.statements


async def test_a_transfer_leaves_public_documents_in_the_cache(
    client: AsyncClient, sql_counter: StatementCounter, read_cache_entries: int
) -> None:
    """A transfer does not move the public versions: the public documents of both
    holders and of their posts are still the cached ones, read in one statement each."""
    alice = await make_account(client)
    bob = await make_account(client)
    post = await make_post(client, alice, published=True, tags=["a"])
    urls = [f"/users/{alice.id}", f"/users/{bob.id}", f"/posts/{post['id']}", "/posts/"]
    cold = [await _count(client, sql_counter, url) for url in urls]
    response = await client.post(
        "/transfers/", json={"to_user_id": bob.id, "amount": "1.00"}, headers=alice.headers
    )
    assert response.status_code == 201
    after = [await _count(client, sql_counter, url) for url in urls]
    assert after == ([1, 1, 1, 1] if read_cache_entries else cold), sql_counter.statements


async def test_a_transfer_is_a_fixed_number_of_statements(
    client: AsyncClient, sql_counter: StatementCounter, engine: AsyncEngine
) -> None:
    """The money path's statements (transaction control excluded from the count, and
    no savepoint): the caller's account (held), the idempotency key's lookup (on
    PostgreSQL in the same statement as its lock), the transfer, the key's record. On
    PostgreSQL the transfer is one statement (both balances locked, checked and written,
    the ledger row); on SQLite three (both balances read, both written in one UPDATE,
    the ledger row). Adding one is a round trip on every transfer: this says so."""
    ada = await make_account(client)
    bob = await make_account(client)
    sql_counter.reset()
    sent = await client.post(
        "/transfers/",
        json={"to_user_id": bob.id, "amount": "1.00"},
        headers={**ada.headers, "Idempotency-Key": "count-me"},
    )
    assert sent.status_code == 201, sent.text
    assert not [s for s in sql_counter.statements if "SAVEPOINT" in s.upper()]
    on_postgresql = engine.dialect.name == "postgresql"
    assert len(sql_counter.statements) == (4 if on_postgresql else 6), sql_counter.statements


async def test_the_write_paths_compile_nothing_once_warm(
    client: AsyncClient, sql_counter: StatementCounter
) -> None:
    """Each statement of a transfer, a keyed replay and a post's creation is built once
    and found in SQLAlchemy's compiled cache afterwards: a statement that cannot be
    cached (VALUES with data, a literal rendered into the SQL) is compiled again on
    every request, at the price of a few statements' execution."""
    ada = await make_account(client)
    bob = await make_account(client)

    async def write(n: int) -> None:
        headers = {**ada.headers, "Idempotency-Key": f"warm-{n}"}
        sent = await client.post(
            "/transfers/", json={"to_user_id": bob.id, "amount": "1.00"}, headers=headers
        )
        assert sent.status_code == 201, sent.text
        again = await client.post(
            "/transfers/", json={"to_user_id": bob.id, "amount": "1.00"}, headers=headers
        )
        assert again.headers["idempotent-replayed"] == "true"
        await make_post(client, ada, title=f"Warm {n}", tags=["warm", f"tag-{n}"])

    await write(1)
    sql_counter.reset()
    await write(2)
    assert sql_counter.statements
    assert sql_counter.compiled == [], "\n".join(sql_counter.compiled)


async def test_the_read_paths_compile_nothing_once_warm(
    client: AsyncClient, sql_counter: StatementCounter
) -> None:
    """The same for reads, anonymous and signed in, in both dialects of the API."""
    ada = await make_account(client)
    bob = await make_account(client)
    post = await make_post(client, ada, tags=["warm"], published=True)
    follow = await client.put(f"/users/{bob.id}/following/{ada.id}", headers=bob.headers)
    assert follow.status_code == 204, follow.text
    slug = post["slug"]
    urls = [
        "/posts/",
        "/posts/?limit=5&skip=1",
        f"/posts/{post['id']}",
        f"/posts/{post['id']}/comments/",
        "/users/",
        f"/users/{ada.id}",
        f"/users/{ada.id}/followers/",
        "/users/me",
        "/tags/",
        "/tags/warm/posts",
        "/transfers/",
        "/api/articles",
        "/api/articles?tag=warm&limit=5",
        "/api/articles/feed",
        f"/api/articles/{slug}",
        f"/api/articles/{slug}/comments",
        f"/api/profiles/{ada.user['username']}",
        "/api/tags",
    ]

    token = bob.headers["Authorization"].removeprefix("Bearer ")
    callers = ({}, bob.headers, {"Authorization": f"Token {token}"})

    async def read_all() -> None:
        for url in urls:
            for headers in callers:
                answer = await client.get(url, headers=headers)
                assert answer.status_code in (200, 401), (url, answer.text)

    await read_all()
    sql_counter.reset()
    await read_all()
    assert sql_counter.statements
    assert sql_counter.compiled == [], "\n".join(sql_counter.compiled)
