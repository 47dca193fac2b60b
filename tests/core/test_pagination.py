"""Keyset pagination: cursors in RFC 8288 Link headers, on every newest-first list."""

import base64
import re

import pytest
from httpx import AsyncClient, Response
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import StatementCounter
from tests.factories import assert_problem, make_account, seed_posts


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
    client: AsyncClient, engine: AsyncEngine, sql_counter: StatementCounter
) -> None:
    await seed_posts(engine, 60)
    first = await client.get("/posts/?limit=20")
    cursor_url = _next(first)
    assert cursor_url
    sql_counter.reset()
    page = await client.get(cursor_url)
    assert len(page.json()) == 20
    assert sql_counter.count == 3


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
