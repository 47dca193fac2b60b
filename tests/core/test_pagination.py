"""Keyset pagination: cursors in RFC 8288 Link headers, on every newest-first list."""

import base64
import re
from urllib.parse import quote

import pytest
from httpx import AsyncClient, Response
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.factories import assert_problem, make_account, make_post, seed_posts
from tests.support import StatementCounter


def _next(response: Response) -> str | None:
    link = response.headers.get("link")
    if link is None:
        return None
    match = re.fullmatch(r'<(http://test[^>]+)>; rel="next"', link)
    assert match, link
    return match.group(1).removeprefix("http://test")


async def _walk(client: AsyncClient, url: str, **kw: object) -> tuple[list[int], int]:
    ids: list[int] = []
    pages = 0
    next_url: str | None = url
    while next_url:
        response = await client.get(next_url, **kw)  # type: ignore[arg-type]
        assert response.status_code == 200, response.text
        ids += [row["id"] for row in response.json()]
        pages += 1
        next_url = _next(response)
    return ids, pages


async def test_cursor_walk_matches_offset_order(client: AsyncClient, engine: AsyncEngine) -> None:
    await seed_posts(engine, 45)
    everything = [p["id"] for p in (await client.get("/posts/?limit=100")).json()]
    ids, pages = await _walk(client, "/posts/?limit=10")
    assert ids == everything
    assert len(ids) == 45
    assert pages == 5


async def test_link_keeps_filters_and_drops_skip(client: AsyncClient, engine: AsyncEngine) -> None:
    await seed_posts(engine, 30)
    first = await client.get("/posts/?limit=5&skip=2&tag=seed-tag-1&published=true")
    link = _next(first)
    assert link is not None
    assert "tag=seed-tag-1" in link
    assert "published=true" in link
    assert "limit=5" in link
    assert "skip=" not in link
    tagged = [p["id"] for p in (await client.get("/posts/?limit=100&tag=seed-tag-1")).json()]
    ids, _ = await _walk(client, link)
    assert ids == tagged[7:]


async def test_last_page_has_no_link(client: AsyncClient, engine: AsyncEngine) -> None:
    await seed_posts(engine, 3)
    assert "link" not in (await client.get("/posts/?limit=5")).headers
    assert "link" in (await client.get("/posts/?limit=3")).headers


async def test_deep_cursor_page_costs_the_same_statements(
    client: AsyncClient, engine: AsyncEngine, sql_counter: StatementCounter, read_cache_entries: int
) -> None:
    await seed_posts(engine, 60)
    first = await client.get("/posts/?limit=20")
    cursor_url = _next(first)
    assert cursor_url
    sql_counter.reset()
    page = await client.get(cursor_url)
    assert len(page.json()) == 20
    # The read statement, then the 20 posts, their authors and tags through the ORM
    # (without the cache, the read statement loads the posts itself).
    assert sql_counter.count == (4 if read_cache_entries else 3)


async def test_other_lists_have_cursors(client: AsyncClient, engine: AsyncEngine) -> None:
    await seed_posts(engine, 25)
    users, _ = await _walk(client, "/users/?limit=7")
    assert users == [u["id"] for u in (await client.get("/users/?limit=100")).json()]
    assert len(users) == 25
    tagged, _ = await _walk(client, "/tags/seed-tag-0/posts?limit=2")
    assert tagged == [
        p["id"] for p in (await client.get("/tags/seed-tag-0/posts?limit=100")).json()
    ]
    alice = await make_account(client)
    bob = await make_account(client)
    for amount in ("1", "2", "3", "4"):
        await client.post(
            "/transfers/", json={"to_user_id": bob.id, "amount": amount}, headers=alice.headers
        )
    mine, pages = await _walk(client, "/transfers/?limit=2", headers=alice.headers)
    assert len(mine) == 5  # four transfers and the starting grant
    assert pages == 3


def _token(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "not-a-cursor",
        "%00",
        _token(b"[1, 2]"),
        _token(b'["2026-01-01T00:00:00+00:00", "x"]'),
        _token(b'["2026-01-01T00:00:00+00:00", 99999999999]'),
        _token(b'["9999-12-31T23:59:59-14:00", 1]'),
        _token(b'["yesterday", 1]'),
        _token(b"{}"),
        "x" * 201,
    ],
)
async def test_bad_cursor_is_422(client: AsyncClient, cursor: str) -> None:
    assert_problem(await client.get("/posts/", params={"cursor": cursor}), 422)


async def test_cursor_and_skip_together_is_422(client: AsyncClient, engine: AsyncEngine) -> None:
    await seed_posts(engine, 4)
    link = _next(await client.get("/posts/?limit=2"))
    assert link
    assert_problem(await client.get(link + "&skip=1"), 422)


# Tags in several scripts, and with characters that mean something in a URL.
SCRIPTS = ["日本", "café", "عربي", "русский", "ελληνικά", "c++", "c# notes", "한국어"]


def _ascii_next(response: Response) -> str | None:
    """The next link, checked to be ASCII and percent-encoded on the wire."""
    raw = [value for name, value in response.headers.raw if name.lower() == b"link"]
    if not raw:
        return None
    (value,) = raw
    assert value.isascii(), value
    assert not re.search(rb"[ #<>\"{}|\\^`]", value.split(b">")[0][1:]), value
    return _next(response)


async def _walk_all(client: AsyncClient, url: str, **kw: object) -> list[int]:
    """Every row of a list, page by page along its links; the same rows as one big page."""
    ids: list[int] = []
    next_url: str | None = url
    while next_url:
        response = await client.get(next_url, **kw)  # type: ignore[arg-type]
        assert response.status_code == 200, response.text
        ids += [row["id"] for row in response.json()]
        next_url = _ascii_next(response)
    everything = await client.get(re.sub(r"limit=\d+", "limit=100", url), **kw)  # type: ignore[arg-type]
    assert ids == [row["id"] for row in everything.json()]
    assert len(set(ids)) == len(ids)
    return ids


@pytest.mark.parametrize("tag", SCRIPTS)
async def test_links_of_every_list_survive_any_script(client: AsyncClient, tag: str) -> None:
    author = await make_account(client, username="author.name-1")
    reader = await make_account(client)
    for n in range(5):
        await make_post(client, author, tags=[tag, "other"], published=n != 2)
    for amount in ("1", "2", "3"):
        await client.post(
            "/transfers/", json={"to_user_id": reader.id, "amount": amount}, headers=author.headers
        )
    name = quote(tag, safe="")
    published = f"tag={name}&published=true&author=author.name-1"
    lists = [
        (f"/tags/{name}/posts?limit=1", {}, 4),
        (f"/posts/?tag={name}&limit=2", {}, 4),
        (f"/posts/?limit=1&{published}", {}, 4),
        (f"/posts/?tag={name}&author=author.name-1&limit=2", author.headers, 5),
        (f"/posts/?author={quote('作者 100% & ñ', safe='')}&limit=1", {}, 0),
        ("/users/?limit=1", {}, 2),
        ("/transfers/?limit=2", author.headers, 4),
    ]
    for url, headers, count in lists:
        assert len(await _walk_all(client, url, headers=headers)) == count, url
