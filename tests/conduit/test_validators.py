"""Conduit's reads carry ETags, as native reads do: 304 while nothing the viewer sees
changed, a new ETag once anything did (the article, its author, a comment, or the
viewer's own follow or favorite), and never another viewer's."""

from httpx import AsyncClient, Response

from tests.factories import ConduitUser, make_article, make_conduit_user


async def _current(client: AsyncClient, url: str, headers: dict[str, str]) -> Response:
    """The answer at `url`, checked to be revalidated with its ETag: 304, no body."""
    first = await client.get(url, headers=headers)
    assert first.status_code == 200, first.text
    assert first.headers["cache-control"] == "private, no-cache"
    assert first.headers["vary"] == "Authorization"
    etag = first.headers["etag"]
    again = await client.get(url, headers={**headers, "If-None-Match": etag})
    assert again.status_code == 304, url
    assert again.content == b""
    assert again.headers["etag"] == etag
    return first


async def _changed(client: AsyncClient, url: str, old: Response, headers: dict[str, str]) -> None:
    """The old ETag is stale: the new document, under a new ETag."""
    new = await client.get(url, headers={**headers, "If-None-Match": old.headers["etag"]})
    assert new.status_code == 200, url
    assert new.headers["etag"] != old.headers["etag"], url
    assert new.content != old.content, url


async def _unchanged(client: AsyncClient, url: str, old: Response, headers: dict[str, str]) -> None:
    again = await client.get(url, headers={**headers, "If-None-Match": old.headers["etag"]})
    assert again.status_code == 304, url


async def _scene(client: AsyncClient) -> tuple[ConduitUser, ConduitUser, dict[str, str]]:
    """An author with an article and a comment on it, a reader, and their URLs."""
    author = await make_conduit_user(client)
    reader = await make_conduit_user(client)
    slug = (await make_article(client, author, tagList=["etags"]))["slug"]
    comment = {"comment": {"body": "First."}}
    created = await client.post(
        f"/api/articles/{slug}/comments", json=comment, headers=author.headers
    )
    assert created.status_code == 200, created.text
    urls = {
        "article": f"/api/articles/{slug}",
        "list": f"/api/articles?author={author.username}",
        "tagged": "/api/articles?tag=etags",
        "comments": f"/api/articles/{slug}/comments",
        "profile": f"/api/profiles/{author.username}",
        "slug": slug,
    }
    return author, reader, urls


async def test_every_conduit_read_answers_304_while_unchanged(client: AsyncClient) -> None:
    _, reader, urls = await _scene(client)
    for name in ("article", "list", "tagged", "comments", "profile"):
        anonymous = await _current(client, urls[name], {})
        signed_in = await _current(client, urls[name], reader.headers)
        # Nothing the reader sees differs from what anyone sees yet: the same document
        # (and the same view of it) under the same ETag.
        assert signed_in.content == anonymous.content
    feed = await _current(client, "/api/articles/feed", reader.headers)
    assert feed.json() == {"articles": [], "articlesCount": 0}


async def test_a_favorite_changes_every_copy_of_the_article(client: AsyncClient) -> None:
    _, reader, urls = await _scene(client)
    seen = {n: await _current(client, urls[n], reader.headers) for n in ("article", "list")}
    anonymous = {n: await _current(client, urls[n], {}) for n in ("article", "list")}
    favorited = await client.post(f"{urls['article']}/favorite", headers=reader.headers)
    assert favorited.status_code == 200
    for name in ("article", "list"):
        await _changed(client, urls[name], seen[name], reader.headers)
        # The count changed for everyone too: anyone's copy is stale.
        await _changed(client, urls[name], anonymous[name], {})


async def test_following_changes_the_followers_etags_only(client: AsyncClient) -> None:
    author, reader, urls = await _scene(client)
    names = ("article", "list", "comments", "profile")
    seen = {n: await _current(client, urls[n], reader.headers) for n in names}
    anonymous = {n: await _current(client, urls[n], {}) for n in names}
    followed = await client.post(f"/api/profiles/{author.username}/follow", headers=reader.headers)
    assert followed.status_code == 200
    for name in names:
        await _changed(client, urls[name], seen[name], reader.headers)
        await _unchanged(client, urls[name], anonymous[name], {})
    feed = await client.get("/api/articles/feed", headers=reader.headers)
    assert feed.json()["articlesCount"] == 1


async def test_the_authors_changes_change_every_etag(client: AsyncClient) -> None:
    author, _, urls = await _scene(client)
    names = ("article", "list", "tagged", "comments", "profile")
    seen = {n: await _current(client, urls[n], {}) for n in names}
    renamed = await client.put("/api/user", json={"user": {"bio": "New."}}, headers=author.headers)
    assert renamed.status_code == 200
    for name in names:
        await _changed(client, urls[name], seen[name], {})


async def test_an_edit_and_a_new_comment_change_what_show_them(client: AsyncClient) -> None:
    author, reader, urls = await _scene(client)
    article = await _current(client, urls["article"], {})
    comments = await _current(client, urls["comments"], {})
    profile = await _current(client, urls["profile"], {})
    edit = {"article": {"body": "A new body."}}
    edited = await client.put(urls["article"], json=edit, headers=author.headers)
    assert edited.status_code == 200
    await _changed(client, urls["article"], article, {})
    await _unchanged(client, urls["profile"], profile, {})
    comment = {"comment": {"body": "Second."}}
    added = await client.post(urls["comments"], json=comment, headers=reader.headers)
    assert added.status_code == 200
    await _changed(client, urls["comments"], comments, {})


async def test_a_full_page_of_articles_names_no_cursor_page(client: AsyncClient) -> None:
    """Conduit pages by `offset` and `limit` only: no `Link` to a cursor it would ignore."""
    author = await make_conduit_user(client)
    for _ in range(2):
        await make_article(client, author)
    for url in ("/api/articles?limit=1", f"/api/articles?limit=1&author={author.username}"):
        page = await client.get(url)
        assert page.status_code == 200
        assert len(page.json()["articles"]) == 1
        assert "link" not in page.headers


async def test_an_article_that_takes_a_deleted_ones_id_and_slug_has_a_new_etag(
    client: AsyncClient,
) -> None:
    """On SQLite the new article has the deleted one's id, versions and slug too."""
    author = await make_conduit_user(client)
    old = await make_article(client, author, title="Same title")
    url = f"/api/articles/{old['slug']}"
    before = await _current(client, url, {})
    assert (await client.delete(url, headers=author.headers)).status_code == 204
    new = await make_article(client, author, title="Same title")
    assert new["slug"] == old["slug"]
    await _changed(client, url, before, {})


def _bearer(user: ConduitUser) -> dict[str, str]:
    """The native API's header of a Conduit user's token (transfers are native only)."""
    return {"Authorization": f"Bearer {user.user['token']}"}


async def test_a_transfer_changes_no_etag_of_what_others_see(client: AsyncClient) -> None:
    """The author's balance shows in none of Conduit's reads: a transfer from them
    leaves every ETag of their profile, articles and comments as it was."""
    author, reader, urls = await _scene(client)
    names = ("article", "list", "tagged", "comments", "profile")
    before = {name: await _current(client, urls[name], reader.headers) for name in names}
    anonymous = {name: await _current(client, urls[name], {}) for name in names}
    reader_id = (await client.get("/users/me", headers=_bearer(reader))).json()["id"]
    transfer = {"to_user_id": reader_id, "amount": "0.01"}
    response = await client.post("/transfers/", json=transfer, headers=_bearer(author))
    assert response.status_code == 201, response.text
    for name in names:
        await _unchanged(client, urls[name], before[name], reader.headers)
        await _unchanged(client, urls[name], anonymous[name], {})
