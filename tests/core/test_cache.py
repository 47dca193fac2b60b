"""The read cache and HTTP validators: after every kind of write, the next read through
every endpoint that shows the changed thing has the new document and a new ETag, and
nothing is served from the cache that the read statement did not allow.

These tests run with the cache on (every hit verified against the ORM) and off."""

import asyncio
import itertools
import time
from collections.abc import Sequence
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient, Response

from inkwell.core.cache import MAX_DOCUMENT_BYTES, CacheMismatch, DocumentCache, Key, StaleRead
from tests.factories import Account, make_account, make_post


async def _warm(client: AsyncClient, url: str, headers: dict[str, str] | None = None) -> Response:
    """The answer at `url`, read twice so that its documents are cached (and, the second
    time, verified against the ORM)."""
    first = await client.get(url, headers=headers)
    second = await client.get(url, headers=headers)
    assert first.status_code == second.status_code == 200, second.text
    assert second.content == first.content
    assert second.headers["etag"] == first.headers["etag"]
    return second


async def _changed(
    client: AsyncClient, url: str, old: Response, headers: dict[str, str] | None = None
) -> Response:
    """The read after a write: a new ETag; the old one gets the new document (200), the
    new one a 304 with no body."""
    headers = headers or {}
    new = await client.get(url, headers=headers)
    assert new.status_code == 200, new.text
    assert new.headers["etag"] != old.headers["etag"], url
    stale = await client.get(url, headers={**headers, "If-None-Match": old.headers["etag"]})
    assert stale.status_code == 200
    assert stale.content == new.content
    current = await client.get(url, headers={**headers, "If-None-Match": new.headers["etag"]})
    assert current.status_code == 304
    assert current.content == b""
    assert current.headers["etag"] == new.headers["etag"]
    return new


def _by_id(answer: Response, row_id: int) -> dict[str, Any] | None:
    """The document of this id in a page, or the one document answered."""
    body = answer.json()
    if isinstance(body, dict):
        return body if body["id"] == row_id else None
    return next((d for d in body if d["id"] == row_id), None)


async def _author_and_post(client: AsyncClient) -> tuple[Account, dict[str, Any]]:
    author = await make_account(client)
    post = await make_post(client, author, published=True, tags=["first"])
    return author, post


# The posts of the tag of _author_and_post's post.
_TAGGED = "/tags/first/posts"


def _post_urls(author: Account, post: dict[str, Any]) -> list[str]:
    """Every anonymous read that shows this post."""
    return [
        f"/posts/{post['id']}",
        "/posts/",
        f"/posts/?author={author.user['username']}",
        "/posts/?published=true",
        _TAGGED,
    ]


@pytest.mark.parametrize(
    "change",
    [{"title": "A new title"}, {"body": "A whole new body."}, {"tags": ["first", "second"]}],
    ids=["title", "body", "tags"],
)
async def test_post_edits_are_seen_by_every_read(
    client: AsyncClient, change: dict[str, Any]
) -> None:
    author, post = await _author_and_post(client)
    urls = _post_urls(author, post)
    before = {url: await _warm(client, url) for url in urls}
    response = await client.patch(f"/posts/{post['id']}", json=change, headers=author.headers)
    assert response.status_code == 200
    edited = response.json()
    for url in urls:
        after = await _changed(client, url, before[url])
        assert _by_id(after, post["id"]) == edited, url


async def test_a_post_made_a_draft_is_its_authors_alone(client: AsyncClient) -> None:
    author, post = await _author_and_post(client)
    other = await make_account(client)
    urls = _post_urls(author, post)
    before = {url: await _warm(client, url) for url in urls}
    mine = await _warm(client, "/posts/", author.headers)
    response = await client.patch(
        f"/posts/{post['id']}", json={"published": False}, headers=author.headers
    )
    assert response.status_code == 200
    draft = response.json()
    # The author reads it (so it is cached) before anyone else asks.
    own = await _changed(client, f"/posts/{post['id']}", mine, author.headers)
    assert own.json() == draft
    assert own.headers["cache-control"] == "private, no-cache"
    assert _by_id(await _changed(client, "/posts/", mine, author.headers), post["id"]) == draft
    for headers in ({}, other.headers):
        response = await client.get(f"/posts/{post['id']}", headers=headers)
        assert response.status_code == 404
        for url in urls[1:]:
            page = await client.get(url, headers=headers)
            if url == _TAGGED:  # a draft's tag is nobody's
                assert page.status_code == 404
                continue
            assert _by_id(page, post["id"]) is None, url
            assert page.headers["etag"] != before[url].headers["etag"]


async def test_a_deleted_post_is_gone_from_every_read(client: AsyncClient) -> None:
    author, post = await _author_and_post(client)
    urls = _post_urls(author, post)
    before = {url: await _warm(client, url) for url in urls}
    assert (await client.delete(f"/posts/{post['id']}", headers=author.headers)).status_code == 204
    old = before[urls[0]].headers["etag"]
    assert (await client.get(urls[0], headers={"If-None-Match": old})).status_code == 404
    for url in urls[1:]:
        if url == _TAGGED:  # its only post gone, the tag is nobody's
            assert (await client.get(url)).status_code == 404
            continue
        assert _by_id(await _changed(client, url, before[url]), post["id"]) is None


async def test_a_new_post_that_takes_a_deleted_posts_id_is_not_the_old_one(
    client: AsyncClient,
) -> None:
    """SQLite gives the id of a deleted last row to the next row, at the same versions."""
    author, post = await _author_and_post(client)
    await _warm(client, f"/posts/{post['id']}")
    assert (await client.delete(f"/posts/{post['id']}", headers=author.headers)).status_code == 204
    again = await make_post(client, author, published=True, tags=["first"])
    response = await client.get(f"/posts/{again['id']}")
    assert response.json() == again
    assert (await client.get("/posts/")).json() == [again]


async def test_an_authors_new_name_is_seen_in_their_posts_and_documents(
    client: AsyncClient,
) -> None:
    author, post = await _author_and_post(client)
    user_urls = [f"/users/{author.id}", "/users/"]
    own_urls = ["/users/me", f"/users/{author.id}"]
    before = {url: await _warm(client, url) for url in [*_post_urls(author, post), *user_urls]}
    own_before = {url: await _warm(client, url, author.headers) for url in own_urls}
    change = {"full_name": "Renamed Author", "username": "renamed_author"}
    response = await client.patch(f"/users/{author.id}", json=change, headers=author.headers)
    assert response.status_code == 200
    for url in [*_post_urls(author, post)[:2], *_post_urls(author, post)[3:]]:
        after = await _changed(client, url, before[url])
        document = _by_id(after, post["id"])
        assert document is not None
        assert document["author"]["full_name"] == "Renamed Author", url
        assert document["author"]["username"] == "renamed_author", url
    # The old name finds nothing now; the new one finds the post.
    assert (await client.get(f"/posts/?author={author.user['username']}")).json() == []
    assert _by_id(await client.get("/posts/?author=renamed_author"), post["id"])
    for url in user_urls:
        after = await _changed(client, url, before[url])
        document = _by_id(after, author.id)
        assert document is not None
        assert document["full_name"] == "Renamed Author"
        assert "email" not in document
    for url in own_urls:
        after = await _changed(client, url, own_before[url], author.headers)
        assert after.json()["username"] == "renamed_author"
        assert after.json()["email"] == author.user["email"]


async def test_a_closed_account_and_its_posts_are_gone(client: AsyncClient) -> None:
    author, post = await _author_and_post(client)
    urls = ["/posts/", "/users/"]
    before = {url: await _warm(client, url) for url in [*urls, _TAGGED]}
    for url in (f"/posts/{post['id']}", f"/users/{author.id}"):
        await _warm(client, url)
    assert (await client.delete(f"/users/{author.id}", headers=author.headers)).status_code == 204
    for url in (f"/posts/{post['id']}", f"/users/{author.id}"):
        assert (await client.get(url)).status_code == 404
    for url in urls:
        page = await _changed(client, url, before[url])
        assert not [d for d in page.json() if d["id"] in (post["id"], author.id)]
    assert (await client.get(_TAGGED)).status_code == 404  # its only post gone


async def _unchanged(
    client: AsyncClient, url: str, old: Response, headers: dict[str, str] | None = None
) -> None:
    """The read after a write that changed nothing it shows: the old ETag still gets 304,
    and the document is the same bytes."""
    headers = headers or {}
    current = await client.get(url, headers={**headers, "If-None-Match": old.headers["etag"]})
    assert current.status_code == 304, url
    again = await client.get(url, headers=headers)
    assert again.headers["etag"] == old.headers["etag"], url
    assert again.content == old.content, url


async def test_a_transfer_changes_the_holders_own_documents_alone(client: AsyncClient) -> None:
    """A balance is its holder's: a transfer changes their own documents, and no public
    one (their user document, their posts), whose ETags would tell anyone when it moved."""
    alice = await make_account(client)
    bob = await make_account(client)
    post = await make_post(client, alice, published=True, tags=["first"])
    urls = {account.id: ["/users/me", f"/users/{account.id}"] for account in (alice, bob)}
    before = {
        (account.id, url): await _warm(client, url, account.headers)
        for account in (alice, bob)
        for url in urls[account.id]
    }
    public_urls = [
        f"/users/{alice.id}",
        f"/users/{bob.id}",
        "/users/",
        *_post_urls(alice, post),
    ]
    public = {url: await _warm(client, url) for url in public_urls}
    seen_by_bob = await _warm(client, f"/users/{alice.id}", bob.headers)
    response = await client.post(
        "/transfers/", json={"to_user_id": bob.id, "amount": "0.01"}, headers=alice.headers
    )
    assert response.status_code == 201
    for account, credits in ((alice, "99.99"), (bob, "100.01")):
        for url in urls[account.id]:
            old = before[account.id, url]
            after = await _changed(client, url, old, account.headers)
            assert after.json()["credits"] == credits
            assert after.headers["cache-control"] == "private, no-cache"
    for url in public_urls:
        await _unchanged(client, url, public[url])
    await _unchanged(client, f"/users/{alice.id}", seen_by_bob, bob.headers)
    assert "credits" not in seen_by_bob.json()


async def test_validators_on_every_cached_read(client: AsyncClient) -> None:
    author, post = await _author_and_post(client)
    public = [
        *_post_urls(author, post),
        f"/posts/{post['id']}/comments/",
        "/users/",
        f"/users/{author.id}",
        f"/users/{author.id}/following/",
        f"/users/{author.id}/followers/",
    ]
    for url in public:
        response = await client.get(url)
        assert response.headers["etag"].startswith('"')
        assert response.headers["cache-control"] == "no-cache"
        weak = await client.get(url, headers={"If-None-Match": f"W/{response.headers['etag']}"})
        assert weak.status_code == 304
        listed = await client.get(
            url, headers={"If-None-Match": f'"x", {response.headers["etag"]}'}
        )
        assert listed.status_code == 304
        assert (await client.get(url, headers={"If-None-Match": '"x"'})).status_code == 200
    for url in ("/users/me", f"/users/{author.id}", "/posts/", f"/posts/{post['id']}"):
        response = await client.get(url, headers=author.headers)
        assert response.headers["cache-control"] == "private, no-cache"
        assert response.headers["vary"] == "Authorization"


async def test_the_openapi_documents_the_validators(client: AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    for path in (
        "/posts/",
        "/posts/{post_id}",
        "/tags/{name}/posts",
        "/users/",
        "/users/me",
        "/users/{user_id}",
        "/users/{user_id}/following/",
        "/users/{user_id}/followers/",
        "/posts/{post_id}/comments/",
        "/api/articles/",
        "/api/articles/feed",
        "/api/articles/{slug}",
        "/api/articles/{slug}/comments/",
        "/api/profiles/{username}",
    ):
        responses = paths[path]["get"]["responses"]
        assert "ETag" in responses["200"]["headers"], path
        assert "ETag" in responses["304"]["headers"], path
        assert "content" not in responses["304"], path


@pytest.mark.cached
async def test_verification_fails_loudly_on_a_wrong_cached_document(
    app: FastAPI, client: AsyncClient
) -> None:
    """A document kept under a key whose versions did not move with its change is a 500
    with verification on; with it off, that document would be served."""
    _, post = await _author_and_post(client)
    await _warm(client, f"/posts/{post['id']}")
    cache: DocumentCache = app.state.read_cache
    key = next(k for k in cache._lru or {} if k[:2] == ("post", post["id"]))
    assert cache.get(key) is not None
    cache.put(key, b'{"id": 0}')
    response = await client.get(f"/posts/{post['id']}")
    assert response.status_code == 500
    cache.verify = False
    assert (await client.get(f"/posts/{post['id']}")).content == b'{"id": 0}'


async def test_concurrent_writers_and_readers_agree_with_the_orm(client: AsyncClient) -> None:
    """For a few seconds, authors edit and rename while readers page and fetch: every read
    is a 200 (or 304) whose cached documents equal what the ORM builds (verification)."""
    authors = [await make_account(client) for _ in range(3)]
    posts = [await make_post(client, a, published=True, tags=["busy"]) for a in authors]
    deadline = time.monotonic() + 3
    counter = itertools.count()

    async def write(author: Account, post: dict[str, Any]) -> None:
        while time.monotonic() < deadline:
            n = next(counter)
            edit = await client.patch(
                f"/posts/{post['id']}", json={"title": f"Edit {n}"}, headers=author.headers
            )
            rename = await client.patch(
                f"/users/{author.id}", json={"full_name": f"Name {n}"}, headers=author.headers
            )
            assert (edit.status_code, rename.status_code) == (200, 200)

    async def read(urls: list[str]) -> int:
        reads = 0
        etags: dict[str, str] = {}
        while time.monotonic() < deadline:
            for url in urls:
                headers = {"If-None-Match": etags[url]} if url in etags else {}
                response = await client.get(url, headers=headers)
                assert response.status_code in (200, 304), response.text
                etags[url] = response.headers["etag"]
                reads += 1
        return reads

    pages = ["/posts/", "/tags/busy/posts", "/users/"]
    singles = [f"/posts/{p['id']}" for p in posts] + [f"/users/{a.id}" for a in authors]
    results = await asyncio.gather(
        *(write(a, p) for a, p in zip(authors, posts, strict=True)),
        read(pages),
        read(singles),
        read([*pages, *singles]),
    )
    # Reads did happen beside the writes (how many depends on the machine's load).
    assert sum(r for r in results if r) > 10


# The cache itself.


def test_entries_bound_the_cache_in_kib() -> None:
    cache = DocumentCache(4)
    for n in range(6):
        cache.put(("post", n, 1, 1), b"x" * 100)
    assert len(cache) == 4
    assert cache.get(("post", 0, 1, 1)) is None  # the least recently used went first
    cache.put(("post", 9, 1, 1), b"x" * 3000)  # three slots
    assert len(cache) == 2
    cache.put(("post", 10, 1, 1), b"x" * 5000)  # more than the whole cache: not kept
    assert cache.get(("post", 10, 1, 1)) is None


def test_large_documents_and_a_cache_of_size_0_keep_nothing() -> None:
    cache = DocumentCache(10_000)
    cache.put(("post", 1, 1, 1), b"x" * (MAX_DOCUMENT_BYTES + 1))
    assert cache.get(("post", 1, 1, 1)) is None
    cache.put(("post", 2, 1, 1), b"x" * MAX_DOCUMENT_BYTES)
    assert cache.get(("post", 2, 1, 1)) is not None
    off = DocumentCache(0)
    off.put(("post", 1, 1, 1), b"{}")
    assert off.get(("post", 1, 1, 1)) is None
    assert len(off) == 0


async def test_documents_loaded_at_other_versions_make_the_read_run_again() -> None:
    cache = DocumentCache(100)

    async def moved_on(keys: Sequence[Key]) -> dict[Key, bytes]:
        return {("post", key[1], 2, 1): b"{}" for key in keys}

    with pytest.raises(StaleRead):
        await cache.fetch([("post", 1, 1, 1)], moved_on)
    assert cache.get(("post", 1, 1, 1)) is None
    cache.put(("post", 1, 1, 1), b"{}")
    cache.verify = True

    async def differs(keys: Sequence[Key]) -> dict[Key, bytes]:
        return dict.fromkeys(keys, b"[]")

    with pytest.raises(CacheMismatch):
        await cache.fetch([("post", 1, 1, 1)], differs)
