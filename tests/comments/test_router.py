"""The native comments API: a post's comments, listed, written and deleted."""

import asyncio

import pytest
from httpx import AsyncClient

from tests.factories import assert_problem, make_account, make_post


async def test_comment_list_and_delete(client: AsyncClient) -> None:
    author, reader = await make_account(client), await make_account(client)
    post = await make_post(client, author, published=True)
    url = f"/posts/{post['id']}/comments/"
    created = []
    for i in range(3):
        response = await client.post(url, json={"body": f"Comment {i}"}, headers=reader.headers)
        assert response.status_code == 201, response.text
        created.append(response.json())
    assert created[0]["author"] == {
        "id": reader.id,
        "username": reader.user["username"],
        "full_name": reader.user["full_name"],
    }
    assert created[0]["post_id"] == post["id"]
    listed = await client.get(f"/posts/{post['id']}/comments")
    assert listed.json() == created[::-1]
    first = await client.get(url, params={"limit": 2})
    assert [c["id"] for c in first.json()] == [created[2]["id"], created[1]["id"]]
    rest = await client.get(first.links["next"]["url"])
    assert [c["id"] for c in rest.json()] == [created[0]["id"]]
    one = f"{url}{created[1]['id']}"
    assert_problem(await client.delete(one, headers=author.headers), 403)
    assert (await client.delete(one, headers=reader.headers)).status_code == 204
    assert_problem(await client.delete(one, headers=reader.headers), 404)
    assert [c["id"] for c in (await client.get(url)).json()] == [
        created[2]["id"],
        created[0]["id"],
    ]


async def test_comment_refusals(client: AsyncClient) -> None:
    author, reader = await make_account(client), await make_account(client)
    draft = await make_post(client, author, published=False)
    post = await make_post(client, author, published=True)
    assert_problem(await client.post(f"/posts/{post['id']}/comments/", json={"body": "x"}), 401)
    for body in ({"body": "   "}, {"body": ""}, {}, {"body": 1}, {"body": "x", "extra": 1}):
        response = await client.post(
            f"/posts/{post['id']}/comments/", json=body, headers=reader.headers
        )
        assert_problem(response, 422)
    hidden = await client.post(
        f"/posts/{draft['id']}/comments/", json={"body": "Hi"}, headers=reader.headers
    )
    assert_problem(hidden, 404)
    assert_problem(await client.get(f"/posts/{draft['id']}/comments/"), 404)
    assert_problem(await client.get(f"/posts/{draft['id']}/comments/", headers=reader.headers), 404)
    assert (
        await client.get(f"/posts/{draft['id']}/comments/", headers=author.headers)
    ).json() == []
    other = await client.post(
        f"/posts/{post['id']}/comments/", json={"body": "Hi"}, headers=reader.headers
    )
    comment_id = other.json()["id"]
    elsewhere = f"/posts/{draft['id']}/comments/{comment_id}"
    assert_problem(await client.delete(elsewhere, headers=author.headers), 404)
    assert_problem(await client.get("/posts/999/comments/"), 404)
    for query in ("limit=0", "limit=101", "skip=-1", "cursor=x"):
        assert_problem(await client.get(f"/posts/{post['id']}/comments/?{query}"), 422)


@pytest.mark.settings(comment_max_per_account=3)
async def test_comments_are_throttled_per_account(client: AsyncClient) -> None:
    author, reader = await make_account(client), await make_account(client)
    post, other = [await make_post(client, author, published=True) for _ in range(2)]
    url = f"/posts/{post['id']}/comments/"
    # Refused comments cost nothing.
    assert_problem(await client.post(url, json={"body": " "}, headers=reader.headers), 422)
    missing = await client.post("/posts/999/comments/", json={"body": "x"}, headers=reader.headers)
    assert_problem(missing, 404)
    for target in (post, other, post):  # one budget for every post
        written = await client.post(
            f"/posts/{target['id']}/comments/", json={"body": "Hi"}, headers=reader.headers
        )
        assert written.status_code == 201, written.text
    refused = await client.post(url, json={"body": "Once more"}, headers=reader.headers)
    body = assert_problem(refused, 429)
    assert body["type"].endswith("/too-many-comments")
    assert 590 <= int(refused.headers["retry-after"]) <= 600
    assert [c["body"] for c in (await client.get(url)).json()] == ["Hi", "Hi"]
    # Another account has its own budget.
    assert (
        await client.post(url, json={"body": "Mine"}, headers=author.headers)
    ).status_code == 201


@pytest.mark.settings(comment_max_per_account=3)
async def test_parallel_comments_get_exactly_the_limit(client: AsyncClient) -> None:
    author = await make_account(client)
    post = await make_post(client, author, published=True)
    url = f"/posts/{post['id']}/comments/"
    answers = await asyncio.gather(
        *(client.post(url, json={"body": f"C{i}"}, headers=author.headers) for i in range(12))
    )
    assert sorted(a.status_code for a in answers) == [201] * 3 + [429] * 9
    assert len((await client.get(url)).json()) == 3
