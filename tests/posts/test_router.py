"""The posts API, on both databases."""

import asyncio

import pytest
from httpx import AsyncClient

from tests.factories import assert_problem, make_post, make_user, post_payload


async def test_create_post_with_tags(client: AsyncClient) -> None:
    author = await make_user(client, full_name="Ada")
    payload = post_payload(published=True, tags=[" Python ", "async", "PYTHON", "db"])
    response = await client.post(f"/users/{author['id']}/posts/", json=payload)
    assert response.status_code == 201
    post = response.json()
    assert post["title"] == payload["title"]
    assert post["body"] == payload["body"]
    assert post["published"] is True
    assert post["author"] == {
        "id": author["id"],
        "username": author["username"],
        "full_name": "Ada",
    }
    assert [t["name"] for t in post["tags"]] == ["async", "db", "python"]
    assert post["created_at"].endswith("Z")
    assert post["updated_at"].endswith("Z")
    assert (await client.get(f"/posts/{post['id']}")).json() == post


async def test_create_post_defaults(client: AsyncClient) -> None:
    author = await make_user(client)
    post = await make_post(client, author["id"])
    assert post["published"] is False
    assert post["tags"] == []


async def test_create_post_for_unknown_user_is_404(client: AsyncClient) -> None:
    assert_problem(await client.post("/users/4242/posts/", json=post_payload()), 404)
    assert (await client.get("/posts/")).json() == []


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "t" * 201}, "title"),
        ({"body": "too short"}, "body"),
        ({"body": None}, "body"),
        ({"published": "perhaps"}, "published"),
        ({"tags": [f"t{i}" for i in range(11)]}, "tags"),
        ({"tags": ["x" * 51]}, "tags"),
        ({"tags": [""]}, "tags"),
        ({"tags": ["a/b"]}, "tags"),
        ({"tags": "python"}, "tags"),
        ({"author_id": 2}, "author_id"),
        ({"title": "bad\u0000title"}, "title"),
    ],
)
async def test_invalid_post_is_422_and_stores_nothing(
    client: AsyncClient, over: dict[str, object], field: str
) -> None:
    author = await make_user(client)
    response = await client.post(f"/users/{author['id']}/posts/", json=post_payload(**over))
    body = assert_problem(response, 422)
    assert any(field in err["loc"] for err in body["errors"])
    assert (await client.get("/posts/")).json() == []
    assert (await client.get("/tags/")).json() == []


async def test_unicode_comes_back_verbatim(client: AsyncClient) -> None:
    author = await make_user(client)
    title = "e\u0301 \u05e9\u05dc\u05d5\u05dd \U0001f600 ' OR 1=1; --"
    post = await make_post(client, author["id"], title=title, tags=["\u00e9t\u00e9"])
    assert post["title"] == title
    assert (await client.get(f"/posts/{post['id']}")).json()["title"] == title


async def test_racing_posts_share_a_new_tag(client: AsyncClient) -> None:
    author = await make_user(client)
    responses = await asyncio.gather(
        *(
            client.post(f"/users/{author['id']}/posts/", json=post_payload(tags=["brand-new"]))
            for _ in range(8)
        )
    )
    assert [r.status_code for r in responses] == [201] * 8
    tag_ids = {r.json()["tags"][0]["id"] for r in responses}
    assert len(tag_ids) == 1
    tags = (await client.get("/tags/")).json()
    assert [t["name"] for t in tags] == ["brand-new"]


async def test_list_newest_first_and_filters(client: AsyncClient) -> None:
    ada = await make_user(client)
    bob = await make_user(client)
    p1 = await make_post(client, ada["id"], published=True, tags=["x"])
    p2 = await make_post(client, bob["id"], published=False, tags=["x", "y"])
    p3 = await make_post(client, ada["id"], published=True, tags=["y"])

    async def ids(**params: object) -> list[int]:
        response = await client.get("/posts/", params=params)
        assert response.status_code == 200
        return [p["id"] for p in response.json()]

    assert await ids() == [p3["id"], p2["id"], p1["id"]]
    assert await ids(author=ada["username"]) == [p3["id"], p1["id"]]
    assert await ids(author="nobody") == []
    assert await ids(tag="X") == [p2["id"], p1["id"]]
    assert await ids(published="true") == [p3["id"], p1["id"]]
    assert await ids(published="false") == [p2["id"]]
    assert await ids(tag="y", published="true", author=ada["username"]) == [p3["id"]]
    assert await ids(skip=1, limit=1) == [p2["id"]]


@pytest.mark.parametrize(
    "query", ["limit=0", "limit=1000", "skip=-3", "published=sometimes", "tag=a%00b", "author=%00"]
)
async def test_list_bad_query_is_422(client: AsyncClient, query: str) -> None:
    assert_problem(await client.get(f"/posts/?{query}"), 422)


@pytest.mark.parametrize("path", ["/posts", "/posts/"])
async def test_posts_collection_without_redirect(client: AsyncClient, path: str) -> None:
    assert (await client.get(path)).status_code == 200


async def test_patch_post(client: AsyncClient) -> None:
    author = await make_user(client)
    post = await make_post(client, author["id"], tags=["old", "kept"])
    response = await client.patch(
        f"/posts/{post['id']}", json={"title": "New title", "tags": ["kept", "new"]}
    )
    assert response.status_code == 200
    updated = response.json()
    assert updated["title"] == "New title"
    assert updated["body"] == post["body"]
    assert [t["name"] for t in updated["tags"]] == ["kept", "new"]
    assert updated["updated_at"] > post["updated_at"]
    assert updated["created_at"] == post["created_at"]
    assert (await client.get(f"/posts/{post['id']}")).json() == updated


async def test_patch_tags_alone_bumps_updated_at(client: AsyncClient) -> None:
    author = await make_user(client)
    post = await make_post(client, author["id"])
    updated = (await client.patch(f"/posts/{post['id']}", json={"tags": ["t"]})).json()
    assert updated["updated_at"] > post["updated_at"]
    cleared = (await client.patch(f"/posts/{post['id']}", json={"tags": []})).json()
    assert cleared["tags"] == []


@pytest.mark.parametrize(
    "patch",
    [
        {"title": None},
        {"tags": None},
        {"body": "short"},
        {"author_id": 1},
        {"created_at": "2020-01-01T00:00:00Z"},
        {"id": 5},
    ],
)
async def test_patch_post_refuses_bad_fields(client: AsyncClient, patch: dict[str, object]) -> None:
    author = await make_user(client)
    post = await make_post(client, author["id"], tags=["a"])
    assert_problem(await client.patch(f"/posts/{post['id']}", json=patch), 422)
    assert (await client.get(f"/posts/{post['id']}")).json() == post


async def test_delete_post(client: AsyncClient) -> None:
    author = await make_user(client)
    post = await make_post(client, author["id"], tags=["a"])
    assert (await client.delete(f"/posts/{post['id']}")).status_code == 204
    assert_problem(await client.get(f"/posts/{post['id']}"), 404)
    assert_problem(await client.delete(f"/posts/{post['id']}"), 404)
    assert_problem(await client.patch(f"/posts/{post['id']}", json={"title": "x"}), 404)


@pytest.mark.parametrize("post_id", ["x", "0", "-1", "2147483648"])
async def test_bad_post_id_is_422(client: AsyncClient, post_id: str) -> None:
    assert_problem(await client.get(f"/posts/{post_id}"), 422)
