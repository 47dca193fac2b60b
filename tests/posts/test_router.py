"""The posts API, on both databases."""

import asyncio

import pytest
from httpx import AsyncClient

from tests.factories import Account, assert_problem, make_account, make_post, post_payload


async def test_create_post_with_tags(client: AsyncClient) -> None:
    author = await make_account(client, full_name="Ada")
    payload = post_payload(published=True, tags=[" Python ", "async", "PYTHON", "db"])
    response = await client.post(f"/users/{author.id}/posts/", json=payload, headers=author.headers)
    assert response.status_code == 201
    post = response.json()
    assert post["title"] == payload["title"]
    assert post["body"] == payload["body"]
    assert post["published"] is True
    assert post["author"] == {
        "id": author.id,
        "username": author.user["username"],
        "full_name": "Ada",
    }
    assert [t["name"] for t in post["tags"]] == ["async", "db", "python"]
    assert post["created_at"].endswith("Z")
    assert post["updated_at"].endswith("Z")
    assert (await client.get(f"/posts/{post['id']}")).json() == post


async def test_create_post_defaults(client: AsyncClient) -> None:
    author = await make_account(client)
    post = await make_post(client, author)
    assert post["published"] is False
    assert post["tags"] == []


async def test_only_the_user_may_post_as_themselves(client: AsyncClient) -> None:
    owner = await make_account(client)
    other = await make_account(client)
    url = f"/users/{owner.id}/posts/"
    assert_problem(await client.post(url, json=post_payload(), headers=other.headers), 403)
    assert_problem(await client.post(url, json=post_payload()), 401)
    unknown = await client.post("/users/4242/posts/", json=post_payload(), headers=other.headers)
    assert_problem(unknown, 403)
    assert (await client.get("/posts/", headers=owner.headers)).json() == []


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
    author = await make_account(client)
    response = await client.post(
        f"/users/{author.id}/posts/", json=post_payload(**over), headers=author.headers
    )
    body = assert_problem(response, 422)
    assert any(field in err["loc"] for err in body["errors"])
    assert (await client.get("/posts/", headers=author.headers)).json() == []
    assert (await client.get("/tags/")).json() == []


async def test_unicode_comes_back_verbatim(client: AsyncClient) -> None:
    author = await make_account(client)
    title = "e\u0301 \u05e9\u05dc\u05d5\u05dd \U0001f600 ' OR 1=1; --"
    post = await make_post(client, author, title=title, tags=["\u00e9t\u00e9"], published=True)
    assert post["title"] == title
    assert (await client.get(f"/posts/{post['id']}")).json()["title"] == title


async def test_racing_posts_share_a_new_tag(client: AsyncClient) -> None:
    author = await make_account(client)
    responses = await asyncio.gather(
        *(
            client.post(
                f"/users/{author.id}/posts/",
                json=post_payload(tags=["brand-new"], published=True),
                headers=author.headers,
            )
            for _ in range(8)
        )
    )
    assert [r.status_code for r in responses] == [201] * 8
    tag_ids = {r.json()["tags"][0]["id"] for r in responses}
    assert len(tag_ids) == 1
    tags = (await client.get("/tags/")).json()
    assert [(t["name"], t["post_count"]) for t in tags] == [("brand-new", 8)]


async def test_list_newest_first_and_filters(client: AsyncClient) -> None:
    ada = await make_account(client)
    bob = await make_account(client)
    p1 = await make_post(client, ada, published=True, tags=["x"])
    p2 = await make_post(client, bob, published=True, tags=["x", "y"])
    p3 = await make_post(client, ada, published=True, tags=["y"])
    draft = await make_post(client, ada, published=False, tags=["x"])

    async def ids(viewer: Account | None = None, **params: object) -> list[int]:
        headers = viewer.headers if viewer else {}
        response = await client.get("/posts/", params=params, headers=headers)
        assert response.status_code == 200
        return [p["id"] for p in response.json()]

    assert await ids() == [p3["id"], p2["id"], p1["id"]]
    assert await ids(ada) == [draft["id"], p3["id"], p2["id"], p1["id"]]
    assert await ids(bob) == [p3["id"], p2["id"], p1["id"]]
    assert await ids(author=ada.user["username"]) == [p3["id"], p1["id"]]
    assert await ids(author="nobody") == []
    assert await ids(tag="X") == [p2["id"], p1["id"]]
    assert await ids(ada, tag="X") == [draft["id"], p2["id"], p1["id"]]
    assert await ids(published="true") == [p3["id"], p2["id"], p1["id"]]
    assert await ids(published="false") == []
    assert await ids(ada, published="false") == [draft["id"]]
    assert await ids(tag="y", published="true", author=ada.user["username"]) == [p3["id"]]
    assert await ids(skip=1, limit=1) == [p2["id"]]


async def test_drafts_are_private(client: AsyncClient) -> None:
    author = await make_account(client)
    other = await make_account(client)
    draft = await make_post(client, author)
    url = f"/posts/{draft['id']}"
    assert (await client.get(url, headers=author.headers)).json() == draft
    assert_problem(await client.get(url), 404)
    assert_problem(await client.get(url, headers=other.headers), 404)
    patch = {"title": "Mine now"}
    assert_problem(await client.patch(url, json=patch, headers=other.headers), 404)
    assert_problem(await client.delete(url, headers=other.headers), 404)


@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
async def test_only_the_author_may_change_a_post(client: AsyncClient, method: str) -> None:
    author = await make_account(client)
    other = await make_account(client)
    post = await make_post(client, author, published=True)
    url = f"/posts/{post['id']}"
    body = {"json": {"title": "Hijacked"}} if method == "PATCH" else {}
    assert_problem(await client.request(method, url, headers=other.headers, **body), 403)
    assert_problem(await client.request(method, url, **body), 401)
    assert (await client.get(url)).json() == post


@pytest.mark.parametrize(
    "query", ["limit=0", "limit=1000", "skip=-3", "published=sometimes", "tag=a%00b", "author=%00"]
)
async def test_list_bad_query_is_422(client: AsyncClient, query: str) -> None:
    assert_problem(await client.get(f"/posts/?{query}"), 422)


@pytest.mark.parametrize("path", ["/posts", "/posts/"])
async def test_posts_collection_without_redirect(client: AsyncClient, path: str) -> None:
    assert (await client.get(path)).status_code == 200


async def test_patch_post(client: AsyncClient) -> None:
    author = await make_account(client)
    post = await make_post(client, author, tags=["old", "kept"])
    response = await client.patch(
        f"/posts/{post['id']}",
        json={"title": "New title", "tags": ["kept", "new"]},
        headers=author.headers,
    )
    assert response.status_code == 200
    updated = response.json()
    assert updated["title"] == "New title"
    assert updated["body"] == post["body"]
    assert [t["name"] for t in updated["tags"]] == ["kept", "new"]
    assert updated["updated_at"] > post["updated_at"]
    assert updated["created_at"] == post["created_at"]
    assert (await client.get(f"/posts/{post['id']}", headers=author.headers)).json() == updated


async def test_patch_tags_alone_bumps_updated_at(client: AsyncClient) -> None:
    author = await make_account(client)
    post = await make_post(client, author)
    url = f"/posts/{post['id']}"
    updated = (await client.patch(url, json={"tags": ["t"]}, headers=author.headers)).json()
    assert updated["updated_at"] > post["updated_at"]
    cleared = (await client.patch(url, json={"tags": []}, headers=author.headers)).json()
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
    author = await make_account(client)
    post = await make_post(client, author, tags=["a"], published=True)
    url = f"/posts/{post['id']}"
    assert_problem(await client.patch(url, json=patch, headers=author.headers), 422)
    assert (await client.get(url)).json() == post


async def test_delete_post(client: AsyncClient) -> None:
    author = await make_account(client)
    post = await make_post(client, author, tags=["a"])
    url, headers = f"/posts/{post['id']}", author.headers
    assert (await client.delete(url, headers=headers)).status_code == 204
    assert_problem(await client.get(url, headers=headers), 404)
    assert_problem(await client.delete(url, headers=headers), 404)
    assert_problem(await client.patch(url, json={"title": "x"}, headers=headers), 404)


@pytest.mark.parametrize("post_id", ["x", "0", "-1", "2147483648"])
async def test_bad_post_id_is_422(client: AsyncClient, post_id: str) -> None:
    assert_problem(await client.get(f"/posts/{post_id}"), 422)
