"""The tags API, on both databases."""

from httpx import AsyncClient

from tests.factories import assert_problem, make_account, make_post


async def test_list_tags_counts_published_posts(client: AsyncClient) -> None:
    author = await make_account(client)
    await make_post(client, author, published=True, tags=["zeta", "alpha"])
    await make_post(client, author, published=True, tags=["alpha"])
    await make_post(client, author, published=False, tags=["alpha", "draft-only"])
    response = await client.get("/tags/")
    assert response.status_code == 200
    assert [(t["name"], t["post_count"]) for t in response.json()] == [
        ("alpha", 2),
        ("draft-only", 0),
        ("zeta", 1),
    ]


async def test_tags_collection_without_redirect(client: AsyncClient) -> None:
    assert (await client.get("/tags")).status_code == 200


async def test_tag_posts_are_published_newest_first(client: AsyncClient) -> None:
    author = await make_account(client)
    old = await make_post(client, author, published=True, tags=["py"])
    await make_post(client, author, published=False, tags=["py"])
    await make_post(client, author, published=True, tags=["other"])
    new = await make_post(client, author, published=True, tags=["py"])
    response = await client.get("/tags/PY/posts")
    assert response.status_code == 200
    assert [p["id"] for p in response.json()] == [new["id"], old["id"]]
    page = await client.get("/tags/py/posts", params={"skip": 1, "limit": 1})
    assert [p["id"] for p in page.json()] == [old["id"]]


async def test_unknown_tag_is_404(client: AsyncClient) -> None:
    body = assert_problem(await client.get("/tags/nothing/posts"), 404)
    assert "nothing" in body["detail"]


async def test_any_tag_name_can_be_looked_up(client: AsyncClient) -> None:
    assert_problem(await client.get(f"/tags/{'x' * 51}/posts"), 404)
    assert_problem(await client.get("/tags/%E2%80%AE%F0%9F%98%80/posts"), 404)
    assert_problem(await client.get(f"/tags/{'x' * 201}/posts"), 422)
    assert_problem(await client.get("/tags/a%00b/posts"), 422)
