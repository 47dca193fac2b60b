"""Conditional writes of posts (RFC 9110 §13.1.1): `If-Match` on PATCH and DELETE, the
`ETag` of each new version, and races that end in 412 or 409, never a lost update."""

import asyncio
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from inkwell.posts import documents as posts_documents
from tests.factories import Account, assert_problem, make_account, post_payload
from tests.support import (
    BAD_ETAGS,
    assert_precondition_failed,
    current_etag,
    row_lock,
    until_the_service_waits_on_a_lock,
)


async def post_etag(engine: AsyncEngine, post_id: int) -> str:
    """The ETag of the post's document as the database has it now (what a GET shows):
    its version and its author's."""
    return await current_etag(engine, posts_documents.DOCUMENT, post_id, posts_documents.VIEW)


async def _create(client: AsyncClient, author: Account, **over: Any) -> tuple[dict[str, Any], str]:
    response = await client.post(
        f"/users/{author.id}/posts/", json=post_payload(**over), headers=author.headers
    )
    assert response.status_code == 201, response.text
    return response.json(), response.headers["ETag"]


def _patch(
    client: AsyncClient, author: Account, post_id: int, change: dict[str, Any], tag: Any
) -> Any:
    headers = {**author.headers, "If-Match": tag}
    return client.patch(f"/posts/{post_id}", json=change, headers=headers)


async def test_answers_carry_the_tag_of_the_new_version(
    client: AsyncClient, engine: AsyncEngine
) -> None:
    author = await make_account(client)
    post, created = await _create(client, author)
    assert created == await post_etag(engine, post["id"])
    response = await client.patch(
        f"/posts/{post['id']}", json={"title": "Renamed"}, headers=author.headers
    )
    assert response.status_code == 200
    assert response.headers["ETag"] == await post_etag(engine, post["id"])
    assert response.headers["ETag"] != created


async def test_conditional_updates_chain_on_the_tags_they_answer(
    client: AsyncClient, engine: AsyncEngine
) -> None:
    author = await make_account(client)
    post, tag = await _create(client, author)
    for change in ({"title": "One"}, {"tags": ["two"]}, {"published": True}):
        response = await _patch(client, author, post["id"], change, tag)
        assert response.status_code == 200, response.text
        tag = response.headers["ETag"]
    assert tag == await post_etag(engine, post["id"])
    # Any tag of a list may match, and `*` matches the post whatever its version.
    response = await _patch(client, author, post["id"], {"title": "Four"}, f'"other", {tag}')
    assert response.status_code == 200
    assert (await _patch(client, author, post["id"], {"title": "Five"}, "*")).status_code == 200
    assert (await client.get(f"/posts/{post['id']}")).json()["title"] == "Five"


async def test_a_stale_tag_is_412_and_changes_nothing(
    client: AsyncClient, engine: AsyncEngine
) -> None:
    author = await make_account(client)
    post, stale = await _create(client, author, tags=["kept"])
    renamed = await client.patch(
        f"/posts/{post['id']}", json={"title": "Current"}, headers=author.headers
    )
    before = renamed.json()
    tag = await post_etag(engine, post["id"])
    change = {"title": "Lost", "tags": ["lost"], "published": True}
    assert_precondition_failed(await _patch(client, author, post["id"], change, stale))
    deleting = {**author.headers, "If-Match": stale}
    assert_precondition_failed(await client.delete(f"/posts/{post['id']}", headers=deleting))
    assert (await client.get(f"/posts/{post['id']}", headers=author.headers)).json() == before
    assert await post_etag(engine, post["id"]) == tag
    # No tag was made for the refused change (a draft's tags are listed nowhere).
    async with engine.connect() as conn:
        assert list(await conn.scalars(text("SELECT name FROM tags"))) == ["kept"]


async def test_a_current_tag_deletes(client: AsyncClient, engine: AsyncEngine) -> None:
    author = await make_account(client)
    post, _ = await _create(client, author)
    headers = {**author.headers, "If-Match": await post_etag(engine, post["id"])}
    assert (await client.delete(f"/posts/{post['id']}", headers=headers)).status_code == 204
    assert_problem(await client.get(f"/posts/{post['id']}", headers=author.headers), 404)
    # Gone, `*` matches nothing: the post is 404 (RFC 9110 would allow 412 too).
    starred = {**author.headers, "If-Match": "*"}
    assert_problem(await client.delete(f"/posts/{post['id']}", headers=starred), 404)


@pytest.mark.parametrize("bad", BAD_ETAGS, ids=range(len(BAD_ETAGS)))
async def test_bad_if_match_values_are_412(
    client: AsyncClient, engine: AsyncEngine, bad: Any
) -> None:
    author = await make_account(client)
    post, tag = await _create(client, author)
    assert_precondition_failed(await _patch(client, author, post["id"], {"title": "No"}, bad))
    deleting = {**author.headers, "If-Match": bad}
    assert_precondition_failed(await client.delete(f"/posts/{post['id']}", headers=deleting))
    assert await post_etag(engine, post["id"]) == tag


async def test_a_weak_tag_never_matches(client: AsyncClient, engine: AsyncEngine) -> None:
    """If-Match compares strongly (RFC 9110 §13.1.1): `W/"<current>"` is 412."""
    author = await make_account(client)
    post, tag = await _create(client, author)
    weak = f"W/{tag}"
    assert_precondition_failed(await _patch(client, author, post["id"], {"title": "No"}, weak))
    deleting = {**author.headers, "If-Match": weak}
    assert_precondition_failed(await client.delete(f"/posts/{post['id']}", headers=deleting))
    assert await post_etag(engine, post["id"]) == tag


async def test_visibility_and_ownership_come_before_the_precondition(
    client: AsyncClient, engine: AsyncEngine
) -> None:
    author = await make_account(client)
    other = await make_account(client)
    published, published_tag = await _create(client, author, published=True)
    draft, draft_tag = await _create(client, author)
    for tag in (published_tag, "*", '"stale"'):
        forbidden = _patch(client, other, published["id"], {"title": "Mine"}, tag)
        assert_problem(await forbidden, 403)
        hidden = _patch(client, other, draft["id"], {"title": "Mine"}, tag)
        assert_problem(await hidden, 404)
        headers = {**other.headers, "If-Match": tag}
        assert_problem(await client.delete(f"/posts/{published['id']}", headers=headers), 403)
        assert_problem(await client.delete(f"/posts/{draft['id']}", headers=headers), 404)
        assert_problem(await _patch(client, other, 4242, {"title": "Mine"}, tag), 404)
    assert await post_etag(engine, published["id"]) == published_tag
    assert await post_etag(engine, draft["id"]) == draft_tag


async def test_the_lost_update_is_refused(client: AsyncClient, engine: AsyncEngine) -> None:
    """A and B read the same version; A's change goes through, B's based on the old
    version is 412 until B reads again and sends the new tag."""
    author = await make_account(client)
    post, read = await _create(client, author, title="Draft title")
    url = f"/posts/{post['id']}"
    a = await _patch(client, author, post["id"], {"title": "A's title"}, read)
    assert a.status_code == 200
    assert a.headers["ETag"] != read
    b = await _patch(client, author, post["id"], {"body": "B's body, from the old title."}, read)
    assert_precondition_failed(b)
    reread = await client.get(url, headers=author.headers)
    assert reread.json()["title"] == "A's title"
    fresh = await post_etag(engine, post["id"])
    assert fresh == a.headers["ETag"]
    b = await _patch(client, author, post["id"], {"body": "B's body, after A's title."}, fresh)
    assert b.status_code == 200
    assert b.json()["title"] == "A's title"
    assert b.json()["body"] == "B's body, after A's title."


async def test_concurrent_conditional_patches_never_both_win(
    client: AsyncClient, engine: AsyncEngine
) -> None:
    """Two PATCHes sent at once with the same tag: one wins; the other is 412 (it read
    the winner's version) or 409 (it read the old one and lost at the write)."""
    author = await make_account(client)
    post, tag = await _create(client, author)
    first, second = await asyncio.gather(
        _patch(client, author, post["id"], {"title": "First"}, tag),
        _patch(client, author, post["id"], {"title": "Second"}, tag),
    )
    statuses = sorted([first.status_code, second.status_code])
    assert statuses in ([200, 409], [200, 412]), (first.text, second.text)
    winner = first if first.status_code == 200 else second
    shown = await client.get(f"/posts/{post['id']}", headers=author.headers)
    assert shown.json()["title"] == winner.json()["title"]
    assert winner.headers["ETag"] == await post_etag(engine, post["id"])


async def test_both_checks_passed_the_loser_is_409(
    pg_client: AsyncClient, postgres_url: str
) -> None:
    """A real race on PostgreSQL: two PATCHes with the current tag both pass their
    check and wait on the row lock another transaction holds; when it lets go, one
    writes and the ORM's version check turns the other into a 409, not a lost update."""
    author = await make_account(pg_client)
    post, tag = await _create(pg_client, author)
    async with row_lock(postgres_url, "posts", post["id"]) as (other, tx):
        patches = [
            asyncio.ensure_future(_patch(pg_client, author, post["id"], {"title": title}, tag))
            for title in ("First", "Second")
        ]
        await until_the_service_waits_on_a_lock(other, waiting=2)
        await tx.rollback()
        first, second = await asyncio.wait_for(asyncio.gather(*patches), timeout=10)
    assert sorted([first.status_code, second.status_code]) == [200, 409]
    winner, loser = (first, second) if first.status_code == 200 else (second, first)
    assert assert_problem(loser, 409)["type"].endswith("/concurrent-update")
    shown = await pg_client.get(f"/posts/{post['id']}", headers=author.headers)
    assert shown.json() == winner.json()


async def test_a_delete_that_read_an_older_version_is_409(
    pg_client: AsyncClient, postgres_url: str
) -> None:
    """A conditional DELETE whose check passed, then another transaction changes the
    post before the DELETE runs: the changed post is not deleted unseen."""
    author = await make_account(pg_client)
    post, tag = await _create(pg_client, author)
    async with row_lock(postgres_url, "posts", post["id"]) as (other, tx):
        headers = {**author.headers, "If-Match": tag}
        deleting = asyncio.ensure_future(pg_client.delete(f"/posts/{post['id']}", headers=headers))
        await until_the_service_waits_on_a_lock(other)
        await other.execute(
            "UPDATE posts SET title = 'Changed', version = version + 1 WHERE id = $1", post["id"]
        )
        await tx.commit()
        response = await asyncio.wait_for(deleting, timeout=10)
    assert assert_problem(response, 409)["type"].endswith("/concurrent-update")
    shown = await pg_client.get(f"/posts/{post['id']}", headers=author.headers)
    assert shown.json()["title"] == "Changed"


async def test_a_post_that_takes_a_deleted_posts_id_has_an_etag_of_its_own(
    client: AsyncClient, engine: AsyncEngine
) -> None:
    """SQLite gives a deleted last row's id to the next row, at the same versions: the
    ETag names the row's creation too, so the old post's ETag is not the new one's."""
    author = await make_account(client)
    old, created = await _create(client, author, published=True)
    read = await client.get(f"/posts/{old['id']}")
    assert read.headers["etag"] == created
    assert (await client.delete(f"/posts/{old['id']}", headers=author.headers)).status_code == 204
    new, tag = await _create(client, author, published=True)
    if engine.dialect.name == "sqlite":
        assert new["id"] == old["id"]  # the case this test is about
    assert tag != created
    url = f"/posts/{new['id']}"
    for headers in ({}, author.headers):
        revalidated = await client.get(url, headers={**headers, "If-None-Match": created})
        assert revalidated.status_code == 200
        assert revalidated.json() == new
        assert revalidated.headers["etag"] == tag
    assert_precondition_failed(await _patch(client, author, new["id"], {"title": "No"}, created))
    deleting = {**author.headers, "If-Match": created}
    assert_precondition_failed(await client.delete(url, headers=deleting))
    assert (await client.get(url)).json() == new
    assert (await _patch(client, author, new["id"], {"title": "Yes"}, tag)).status_code == 200


async def test_a_transfer_changes_no_tag_of_its_holders_posts(
    client: AsyncClient, engine: AsyncEngine
) -> None:
    """A post shows its author's name, not their balance: a tag read before a transfer
    to or from the author still matches after it, and the post is still 304."""
    author = await make_account(client)
    other = await make_account(client)
    post, tag = await _create(client, author, published=True)
    for sender, recipient in ((author, other), (other, author)):
        transfer = {"to_user_id": recipient.id, "amount": "0.01"}
        response = await client.post("/transfers/", json=transfer, headers=sender.headers)
        assert response.status_code == 201, response.text
        assert await post_etag(engine, post["id"]) == tag
        revalidated = await client.get(f"/posts/{post['id']}", headers={"If-None-Match": tag})
        assert revalidated.status_code == 304
    response = await _patch(client, author, post["id"], {"title": "Still mine"}, tag)
    assert response.status_code == 200, response.text
    deleting = {**author.headers, "If-Match": response.headers["ETag"]}
    assert (await client.delete(f"/posts/{post['id']}", headers=deleting)).status_code == 204
