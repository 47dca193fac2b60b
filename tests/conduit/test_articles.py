"""Conduit articles: what the official suite does not check (issue 12's list)."""

import asyncio
import re
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.factories import (
    article_payload,
    assert_conduit_error,
    make_account,
    make_article,
    make_conduit_user,
    make_post,
    warm_pool,
)

ARTICLE_MEMBERS = {
    "slug",
    "title",
    "description",
    "body",
    "tagList",
    "createdAt",
    "updatedAt",
    "favorited",
    "favoritesCount",
    "author",
}
PROFILE_MEMBERS = {"username", "bio", "image", "following"}
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")


async def _list(client: AsyncClient, query: str = "", **kwargs: Any) -> dict[str, Any]:
    response = await client.get(f"/api/articles{query}", **kwargs)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_an_article_document(client: AsyncClient) -> None:
    writer = await make_conduit_user(client)
    article = await make_article(client, writer, tagList=["zebra", "Apple", "mango"])
    assert set(article) == ARTICLE_MEMBERS
    assert article["tagList"] == ["apple", "mango", "zebra"]
    assert TIMESTAMP.match(article["createdAt"])
    assert TIMESTAMP.match(article["updatedAt"])
    assert article["favorited"] is False
    assert article["favoritesCount"] == 0
    assert article["author"] == {
        "username": writer.username,
        "bio": None,
        "image": None,
        "following": False,
    }
    read = await client.get(f"/api/articles/{article['slug']}")
    assert read.json() == {"article": article}
    # The answer depends on the token: no shared cache keeps it for another viewer.
    assert read.headers["cache-control"] == "private, no-cache"
    assert read.headers["vary"] == "Authorization"


async def test_lists_are_newest_first_without_body_and_count_the_whole_filter(
    client: AsyncClient,
) -> None:
    writer = await make_conduit_user(client)
    slugs = [(await make_article(client, writer, tagList=["t"]))["slug"] for _ in range(3)]
    page = await _list(client, "?limit=2&offset=0")
    assert [a["slug"] for a in page["articles"]] == slugs[::-1][:2]
    assert page["articlesCount"] == 3
    assert all(set(a) == ARTICLE_MEMBERS - {"body"} for a in page["articles"])
    rest = await _list(client, "?limit=2&offset=2")
    assert [a["slug"] for a in rest["articles"]] == [slugs[0]]
    assert rest["articlesCount"] == 3


async def test_filters_and_empty_results(client: AsyncClient) -> None:
    ada = await make_conduit_user(client)
    bob = await make_conduit_user(client)
    first = await make_article(client, ada, tagList=["dragons"])
    await make_article(client, bob, tagList=["cats"])
    await client.post(f"/api/articles/{first['slug']}/favorite", headers=bob.headers)
    by_tag = await _list(client, "?tag=dragons")
    assert [a["slug"] for a in by_tag["articles"]] == [first["slug"]]
    assert by_tag["articlesCount"] == 1
    by_author = await _list(client, f"?author={bob.username}")
    assert [a["author"]["username"] for a in by_author["articles"]] == [bob.username]
    favorited = await _list(client, f"?favorited={bob.username}")
    assert [a["slug"] for a in favorited["articles"]] == [first["slug"]]
    for query in ("?tag=nothing", "?author=nobody", "?favorited=nobody", "?offset=50"):
        assert await _list(client, query) == {
            "articles": [],
            "articlesCount": 0 if query != "?offset=50" else 2,
        }


async def test_bad_paging_is_a_422_naming_the_parameter(client: AsyncClient) -> None:
    for query, field in (("?limit=0", "limit"), ("?offset=-1", "offset"), ("?limit=x", "limit")):
        assert_conduit_error(await client.get(f"/api/articles{query}"), 422, field)


async def test_drafts_are_invisible_and_native_posts_are_articles(client: AsyncClient) -> None:
    author = await make_account(client)
    published = await make_post(client, author, published=True, tags=["b", "a"])
    draft = await make_post(client, author, published=False)
    listed = await _list(client)
    assert [a["slug"] for a in listed["articles"]] == [published["slug"]]
    assert listed["articles"][0]["tagList"] == ["a", "b"]
    assert (await client.get(f"/api/articles/{published['slug']}")).status_code == 200
    assert_conduit_error(await client.get(f"/api/articles/{draft['slug']}"), 404)


async def test_a_drafts_title_and_tags_show_in_no_article_answer(client: AsyncClient) -> None:
    """An article of a draft's title gets its base slug, as if no draft had it, and the
    draft's tags are no tags of Conduit's (nor a filter that finds anything)."""
    author = await make_account(client)
    await make_post(client, author, title="Hostile Takeover", tags=["m-and-a"])
    await make_post(client, author, title="Friendly Merger")
    writer = await make_conduit_user(client)
    article = await make_article(client, writer, title="Hostile takeover")
    assert article["slug"] == "hostile-takeover"
    other = await make_article(client, writer, title="Unrelated")
    renamed = await client.put(
        f"/api/articles/{other['slug']}",
        json={"article": {"title": "Friendly merger"}},
        headers=writer.headers,
    )
    assert renamed.json()["article"]["slug"] == "friendly-merger"
    assert (await client.get("/api/tags")).json() == {"tags": []}
    assert (await _list(client, "?tag=m-and-a")) == {"articles": [], "articlesCount": 0}


async def test_an_article_is_a_native_post(client: AsyncClient) -> None:
    writer = await make_conduit_user(client)
    article = await make_article(client, writer, title="Both dialects")
    posts = (await client.get("/posts/")).json()
    assert [(p["title"], p["slug"], p["published"]) for p in posts] == [
        ("Both dialects", article["slug"], True)
    ]


async def test_writing_needs_a_token_and_valid_members(client: AsyncClient) -> None:
    writer = await make_conduit_user(client)
    body = {"article": article_payload()}
    assert_conduit_error(await client.post("/api/articles", json=body), 401)
    bad = {"article": {"title": "", "body": "short"}}
    response = await client.post("/api/articles", json=bad, headers=writer.headers)
    assert_conduit_error(response, 422, "title", "body", "description")
    assert (await _list(client))["articlesCount"] == 0


async def test_collections_answer_with_and_without_a_slash_and_never_redirect(
    client: AsyncClient,
) -> None:
    writer = await make_conduit_user(client)
    for path in ("/api/articles", "/api/articles/"):
        body = {"article": article_payload()}
        response = await client.post(path, json=body, headers=writer.headers)
        assert response.status_code == 201, (path, response.text)
        assert (await client.get(path)).status_code == 200
    slug = (await _list(client))["articles"][0]["slug"]
    for path in (f"/api/articles/{slug}/comments", f"/api/articles/{slug}/comments/"):
        body = {"comment": {"body": "Nice."}}
        response = await client.post(path, json=body, headers=writer.headers)
        assert response.status_code == 200, (path, response.text)
        assert len((await client.get(path)).json()["comments"]) >= 1
    assert (await client.get("/api/tags/")).status_code == 200


async def test_only_the_author_changes_or_deletes(client: AsyncClient) -> None:
    ada = await make_conduit_user(client)
    bob = await make_conduit_user(client)
    article = await make_article(client, ada, title="First title")
    url = f"/api/articles/{article['slug']}"
    change = {"article": {"title": "Second title"}}
    assert_conduit_error(await client.put(url, json=change, headers=bob.headers), 403)
    assert_conduit_error(await client.delete(url, headers=bob.headers), 403)
    assert_conduit_error(
        await client.put("/api/articles/nope", json=change, headers=ada.headers), 404
    )
    assert_conduit_error(await client.delete("/api/articles/nope", headers=ada.headers), 404)
    changed = (await client.put(url, json=change, headers=ada.headers)).json()["article"]
    assert changed["title"] == "Second title"
    assert changed["slug"] != article["slug"]
    assert changed["body"] == article["body"]
    deleted = await client.delete(f"/api/articles/{changed['slug']}", headers=ada.headers)
    assert deleted.status_code == 204
    assert_conduit_error(await client.get(f"/api/articles/{changed['slug']}"), 404)


async def test_favorites_are_idempotent_and_per_viewer(client: AsyncClient) -> None:
    ada = await make_conduit_user(client)
    bob = await make_conduit_user(client)
    article = await make_article(client, ada)
    url = f"/api/articles/{article['slug']}/favorite"
    for _ in range(2):
        favorited = (await client.post(url, headers=bob.headers)).json()["article"]
        assert (favorited["favorited"], favorited["favoritesCount"]) == (True, 1)
    seen_by_ada = (await _list(client, headers=ada.headers))["articles"][0]
    assert (seen_by_ada["favorited"], seen_by_ada["favoritesCount"]) == (False, 1)
    seen_by_bob = (await _list(client, headers=bob.headers))["articles"][0]
    assert seen_by_bob["favorited"] is True
    for _ in range(2):
        undone = (await client.delete(url, headers=bob.headers)).json()["article"]
        assert (undone["favorited"], undone["favoritesCount"]) == (False, 0)
    assert_conduit_error(await client.post(url), 401)
    assert_conduit_error(await client.post("/api/articles/nope/favorite", headers=bob.headers), 404)


async def test_comments(client: AsyncClient) -> None:
    ada = await make_conduit_user(client)
    bob = await make_conduit_user(client)
    article = await make_article(client, ada)
    url = f"/api/articles/{article['slug']}/comments"
    created = await client.post(url, json={"comment": {"body": "Thank you!"}}, headers=bob.headers)
    comment = created.json()["comment"]
    assert set(comment) == {"id", "createdAt", "updatedAt", "body", "author"}
    assert TIMESTAMP.match(comment["createdAt"])
    assert set(comment["author"]) == PROFILE_MEMBERS
    await client.post(f"/api/profiles/{bob.username}/follow", headers=ada.headers)
    seen = (await client.get(url, headers=ada.headers)).json()["comments"]
    assert [(c["id"], c["author"]["following"]) for c in seen] == [(comment["id"], True)]
    anonymous = (await client.get(url)).json()["comments"]
    assert anonymous[0]["author"]["following"] is False
    assert_conduit_error(await client.post(url, json={"comment": {"body": "x"}}), 401)
    empty = await client.post(url, json={"comment": {"body": " "}}, headers=bob.headers)
    assert_conduit_error(empty, 422, "body")
    assert_conduit_error(await client.get("/api/articles/nope/comments"), 404)
    assert_conduit_error(await client.delete(f"{url}/{comment['id']}", headers=ada.headers), 403)
    assert_conduit_error(await client.delete(f"{url}/999999", headers=bob.headers), 404)
    assert (await client.delete(f"{url}/{comment['id']}", headers=bob.headers)).status_code == 204
    assert (await client.get(url)).json() == {"comments": []}


async def test_comments_come_in_pages_of_at_most_100(client: AsyncClient) -> None:
    # A post's comments are one page per answer, 20 unless asked: never every comment
    # of the post at once.
    ada = await make_conduit_user(client)
    bob = await make_conduit_user(client)
    url = f"/api/articles/{(await make_article(client, ada))['slug']}/comments"
    ids = []
    for i in range(21):
        body = {"comment": {"body": f"Comment {i}"}}
        created = await client.post(url, json=body, headers=(ada, bob)[i % 2].headers)
        ids.append(created.json()["comment"]["id"])
    newest = ids[::-1]

    async def listed(**params: int) -> list[int]:
        response = await client.get(url, params=params)
        assert response.status_code == 200, response.text
        assert set(response.json()) == {"comments"}
        assert "link" not in response.headers
        return [c["id"] for c in response.json()["comments"]]

    assert await listed() == newest[:20]
    assert await listed(limit=2, offset=19) == newest[19:]
    assert await listed(limit=100) == newest
    assert await listed(offset=21) == []
    first = await client.get(url, params={"limit": 2})
    second = await client.get(url, params={"limit": 2, "offset": 2})
    assert first.headers["etag"] != second.headers["etag"]
    again = await client.get(
        url, params={"limit": 2}, headers={"If-None-Match": first.headers["etag"]}
    )
    assert again.status_code == 304
    for query, field in (
        ("?limit=0", "limit"),
        ("?limit=101", "limit"),
        ("?offset=-1", "offset"),
        ("?offset=1000001", "offset"),
        ("?limit=x", "limit"),
    ):
        assert_conduit_error(await client.get(f"{url}{query}"), 422, field)
    assert_conduit_error(await client.get("/api/articles/nope/comments?offset=5"), 404)


@pytest.mark.settings(comment_max_per_account=3)
async def test_comments_are_throttled_per_account(client: AsyncClient) -> None:
    # Native accounts: their bearer tokens are Conduit's tokens too.
    ada, bob = await make_account(client), await make_account(client)
    post = await make_post(client, ada, published=True)
    url = f"/api/articles/{post['slug']}/comments"
    comment = {"comment": {"body": "Hi"}}
    for _ in range(2):
        assert (await client.post(url, json=comment, headers=bob.headers)).status_code == 200
    # One budget per account, whichever dialect writes.
    native = await client.post(
        f"/posts/{post['id']}/comments/", json={"body": "Hi"}, headers=bob.headers
    )
    assert native.status_code == 201
    refused = await client.post(url, json=comment, headers=bob.headers)
    assert_conduit_error(refused, 429, "body")
    assert 590 <= int(refused.headers["retry-after"]) <= 600
    assert (await client.post(url, json=comment, headers=ada.headers)).status_code == 200
    assert len((await client.get(url)).json()["comments"]) == 4


async def test_profiles_follows_and_the_feed(client: AsyncClient) -> None:
    ada = await make_conduit_user(client)
    bob = await make_conduit_user(client)
    carol = await make_conduit_user(client)
    by_ada = await make_article(client, ada)
    await make_article(client, carol)
    profile_url = f"/api/profiles/{ada.username}"
    profile = (await client.get(profile_url)).json()["profile"]
    assert profile == {"username": ada.username, "bio": None, "image": None, "following": False}
    assert_conduit_error(await client.get("/api/profiles/nobody"), 404)
    assert_conduit_error(await client.post(f"{profile_url}/follow"), 401)
    for _ in range(2):
        followed = await client.post(f"{profile_url}/follow", headers=bob.headers)
        assert followed.json()["profile"]["following"] is True
    seen = (await client.get(profile_url, headers=bob.headers)).json()["profile"]
    assert seen["following"] is True
    feed = (await client.get("/api/articles/feed", headers=bob.headers)).json()
    assert [a["slug"] for a in feed["articles"]] == [by_ada["slug"]]
    assert feed["articlesCount"] == 1
    assert feed["articles"][0]["author"]["following"] is True
    assert "body" not in feed["articles"][0]
    listed = (await _list(client, headers=bob.headers))["articles"]
    assert {a["author"]["username"]: a["author"]["following"] for a in listed} == {
        ada.username: True,
        carol.username: False,
    }
    assert_conduit_error(await client.get("/api/articles/feed"), 401)
    unfollowed = await client.delete(f"{profile_url}/follow", headers=bob.headers)
    assert unfollowed.json()["profile"]["following"] is False
    empty = (await client.get("/api/articles/feed", headers=bob.headers)).json()
    assert empty == {"articles": [], "articlesCount": 0}


async def test_tags_are_those_of_published_articles(client: AsyncClient) -> None:
    writer = await make_conduit_user(client)
    assert (await client.get("/api/tags")).json() == {"tags": []}
    await make_article(client, writer, tagList=["b", "a"])
    await make_article(client, writer, tagList=["b"])
    assert (await client.get("/api/tags")).json() == {"tags": ["b", "a"]}


async def test_concurrent_favorites_count_once_each(
    client: AsyncClient, engine: AsyncEngine
) -> None:
    author = await make_conduit_user(client)
    article = await make_article(client, author)
    url = f"/api/articles/{article['slug']}/favorite"
    fans = [await make_conduit_user(client) for _ in range(20)]
    await warm_pool(engine)
    answers = await asyncio.gather(*(client.post(url, headers=f.headers) for f in fans))
    assert {a.status_code for a in answers} == {200}
    one = fans[0]
    again = await asyncio.gather(*(client.post(url, headers=one.headers) for _ in range(10)))
    assert {a.status_code for a in again} == {200}
    read = (await client.get(f"/api/articles/{article['slug']}")).json()["article"]
    assert read["favoritesCount"] == 20


async def test_concurrent_follows_are_one_follow(client: AsyncClient, engine: AsyncEngine) -> None:
    ada = await make_conduit_user(client)
    bob = await make_conduit_user(client)
    await make_article(client, ada)
    url = f"/api/profiles/{ada.username}/follow"
    await warm_pool(engine)
    answers = await asyncio.gather(*(client.post(url, headers=bob.headers) for _ in range(10)))
    assert {a.status_code for a in answers} == {200}
    feed = (await client.get("/api/articles/feed", headers=bob.headers)).json()
    assert feed["articlesCount"] == 1
    self_follow = await client.post(f"/api/profiles/{bob.username}/follow", headers=bob.headers)
    assert_conduit_error(self_follow, 409)
