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
    assert [(t["name"], t["post_count"]) for t in response.json()] == [("alpha", 2), ("zeta", 1)]


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


async def test_a_drafts_tags_are_nobodys_until_it_is_published(client: AsyncClient) -> None:
    """A tag that only drafts have is listed nowhere, not even with a count of 0, and
    looked up as a tag nobody uses, to its author too; published, it is everyone's."""
    author = await make_account(client)
    draft = await make_post(client, author, published=False, tags=["secret-plans"])
    unknown = assert_problem(await client.get("/tags/nothing-at-all/posts"), 404)
    for headers in ({}, author.headers):
        assert (await client.get("/tags/", headers=headers)).json() == []
        assert (await client.get("/api/tags", headers=headers)).json() == {"tags": []}
        hidden = assert_problem(await client.get("/tags/secret-plans/posts", headers=headers), 404)
        assert hidden["type"] == unknown["type"]
        assert hidden["detail"] == unknown["detail"].replace("nothing-at-all", "secret-plans")
    published = {"published": True}
    response = await client.patch(f"/posts/{draft['id']}", json=published, headers=author.headers)
    assert response.status_code == 200
    assert [(t["name"], t["post_count"]) for t in (await client.get("/tags/")).json()] == [
        ("secret-plans", 1)
    ]
    assert (await client.get("/api/tags")).json() == {"tags": ["secret-plans"]}
    assert [p["id"] for p in (await client.get("/tags/secret-plans/posts")).json()] == [draft["id"]]
    # Past its last page, a tag in use is an empty page, not a 404.
    beyond = await client.get("/tags/secret-plans/posts", params={"skip": 5})
    assert beyond.status_code == 200
    assert beyond.json() == []
    # A draft again: its tag is nobody's again.
    draft_again = {"published": False}
    response = await client.patch(f"/posts/{draft['id']}", json=draft_again, headers=author.headers)
    assert response.status_code == 200
    assert (await client.get("/tags/")).json() == []
    assert (await client.get("/api/tags")).json() == {"tags": []}
    assert_problem(await client.get("/tags/secret-plans/posts"), 404)
