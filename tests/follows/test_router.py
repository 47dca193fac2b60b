"""The native follows API: follow and unfollow as yourself, lists of following and followers."""

import asyncio

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.factories import assert_problem, make_account, make_user, public, warm_pool


async def test_follow_list_and_unfollow(client: AsyncClient) -> None:
    ada = await make_account(client)
    bob, cy = await make_account(client), await make_account(client)
    for other in (bob, cy):
        response = await client.put(f"/users/{ada.id}/following/{other.id}", headers=ada.headers)
        assert response.status_code == 204, response.text
    again = await client.put(f"/users/{ada.id}/following/{bob.id}", headers=ada.headers)
    assert again.status_code == 204
    following = await client.get(f"/users/{ada.id}/following")
    assert following.status_code == 200
    assert following.json() == [public(cy.user), public(bob.user)]
    followers = await client.get(f"/users/{bob.id}/followers/")
    assert followers.json() == [public(ada.user)]
    assert (await client.get(f"/users/{ada.id}/followers/")).json() == []
    gone = await client.delete(f"/users/{ada.id}/following/{bob.id}", headers=ada.headers)
    assert gone.status_code == 204
    gone = await client.delete(f"/users/{ada.id}/following/{bob.id}", headers=ada.headers)
    assert gone.status_code == 204
    assert [u["id"] for u in (await client.get(f"/users/{ada.id}/following/")).json()] == [cy.id]


async def test_follow_refusals(client: AsyncClient) -> None:
    ada, bob = await make_account(client), await make_account(client)
    url = f"/users/{ada.id}/following/{bob.id}"
    assert_problem(await client.put(url), 401)
    assert_problem(await client.put(url, headers=bob.headers), 403)
    assert_problem(await client.delete(url, headers=bob.headers), 403)
    missing = await client.put(f"/users/{ada.id}/following/999", headers=ada.headers)
    assert_problem(missing, 404)
    body = assert_problem(
        await client.put(f"/users/{ada.id}/following/{ada.id}", headers=ada.headers), 409
    )
    assert body["type"].endswith("/cannot-follow-yourself")
    assert_problem(await client.get("/users/999/following/"), 404)
    assert_problem(await client.get("/users/999/followers/"), 404)
    assert (await client.get(f"/users/{ada.id}/following/")).json() == []


async def test_concurrent_follows_are_one(client: AsyncClient, engine: AsyncEngine) -> None:
    ada, bob = await make_account(client), await make_user(client)
    await warm_pool(engine)
    url = f"/users/{ada.id}/following/{bob['id']}"
    answers = await asyncio.gather(*(client.put(url, headers=ada.headers) for _ in range(10)))
    assert [a.status_code for a in answers] == [204] * 10
    assert [u["id"] for u in (await client.get(f"/users/{bob['id']}/followers/")).json()] == [
        ada.id
    ]


async def test_following_pages_by_cursor(client: AsyncClient) -> None:
    ada = await make_account(client)
    others = [await make_user(client) for _ in range(5)]
    for other in others:
        url = f"/users/{ada.id}/following/{other['id']}"
        assert (await client.put(url, headers=ada.headers)).status_code == 204
    seen: list[int] = []
    url: str | None = f"/users/{ada.id}/following/?limit=2"
    while url:
        response = await client.get(url)
        seen += [u["id"] for u in response.json()]
        url = response.links.get("next", {}).get("url")
    assert seen == [o["id"] for o in reversed(others)]


async def test_a_list_etag_changes_with_a_follow(client: AsyncClient) -> None:
    ada, bob, cy = [await make_account(client) for _ in range(3)]
    await client.put(f"/users/{ada.id}/following/{bob.id}", headers=ada.headers)
    first = await client.get(f"/users/{ada.id}/following/")
    tag = first.headers["etag"]
    unchanged = await client.get(f"/users/{ada.id}/following/", headers={"If-None-Match": tag})
    assert unchanged.status_code == 304
    await client.put(f"/users/{ada.id}/following/{cy.id}", headers=ada.headers)
    changed = await client.get(f"/users/{ada.id}/following/", headers={"If-None-Match": tag})
    assert changed.status_code == 200
