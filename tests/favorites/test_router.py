"""The native favorites API: favorite a post, the count in its document and its ETag."""

import asyncio

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.factories import assert_problem, make_account, make_post, warm_pool


async def test_favorite_and_unfavorite_show_the_count(client: AsyncClient) -> None:
    author, fan = await make_account(client), await make_account(client)
    post = await make_post(client, author, published=True)
    assert post["favorites_count"] == 0
    url = f"/posts/{post['id']}/favorite"
    read = await client.get(f"/posts/{post['id']}")
    before = read.headers["etag"]
    response = await client.put(url, headers=fan.headers)
    assert response.status_code == 200, response.text
    assert response.json()["favorites_count"] == 1
    again = await client.put(url, headers=fan.headers)
    assert again.json()["favorites_count"] == 1
    assert again.headers["etag"] == response.headers["etag"] != before
    read = await client.get(f"/posts/{post['id']}")
    assert read.json()["favorites_count"] == 1
    assert read.headers["etag"] == response.headers["etag"]
    assert (
        await client.get(f"/posts/{post['id']}", headers={"If-None-Match": before})
    ).status_code == 200
    listed = await client.get("/posts/", params={"favorited_by": fan.user["username"]})
    assert [p["id"] for p in listed.json()] == [post["id"]]
    undone = await client.delete(url, headers=fan.headers)
    assert undone.json()["favorites_count"] == 0
    assert (await client.delete(url, headers=fan.headers)).json()["favorites_count"] == 0
    assert (await client.get("/posts/", params={"favorited_by": fan.user["username"]})).json() == []


async def test_a_favorite_makes_an_old_tag_stale(client: AsyncClient) -> None:
    """The author's If-Match of the version before a favorite no longer matches: the
    document they read showed another count."""
    author, fan = await make_account(client), await make_account(client)
    post = await make_post(client, author, published=True)
    tag = (await client.get(f"/posts/{post['id']}")).headers["etag"]
    await client.put(f"/posts/{post['id']}/favorite", headers=fan.headers)
    response = await client.patch(
        f"/posts/{post['id']}",
        json={"title": "Changed"},
        headers={**author.headers, "If-Match": tag},
    )
    assert_problem(response, 412)


async def test_favorite_refusals(client: AsyncClient) -> None:
    author, fan = await make_account(client), await make_account(client)
    draft = await make_post(client, author, published=False)
    assert_problem(await client.put(f"/posts/{draft['id']}/favorite"), 401)
    assert_problem(await client.put(f"/posts/{draft['id']}/favorite", headers=fan.headers), 404)
    assert_problem(await client.put("/posts/999/favorite", headers=fan.headers), 404)
    assert_problem(await client.delete(f"/posts/{draft['id']}/favorite", headers=fan.headers), 404)
    own = await client.put(f"/posts/{draft['id']}/favorite", headers=author.headers)
    assert own.json()["favorites_count"] == 1


async def test_twenty_users_at_once_count_twenty(client: AsyncClient, engine: AsyncEngine) -> None:
    author = await make_account(client)
    post = await make_post(client, author, published=True)
    fans = [await make_account(client) for _ in range(20)]
    await warm_pool(engine)
    url = f"/posts/{post['id']}/favorite"
    answers = await asyncio.gather(*(client.put(url, headers=f.headers) for f in fans))
    assert [a.status_code for a in answers] == [200] * 20
    assert (await client.get(f"/posts/{post['id']}")).json()["favorites_count"] == 20


async def test_one_user_ten_times_at_once_counts_one(
    client: AsyncClient, engine: AsyncEngine
) -> None:
    author, fan = await make_account(client), await make_account(client)
    post = await make_post(client, author, published=True)
    await warm_pool(engine)
    url = f"/posts/{post['id']}/favorite"
    answers = await asyncio.gather(*(client.put(url, headers=fan.headers) for _ in range(10)))
    assert [a.status_code for a in answers] == [200] * 10
    assert (await client.get(f"/posts/{post['id']}")).json()["favorites_count"] == 1
