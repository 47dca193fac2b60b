"""The client's whole surface against a live `inkwell serve`, on SQLite and PostgreSQL."""

import asyncio
import time
from decimal import Decimal

import pytest
from inkwell_client import (
    AsyncInkwell,
    Conflict,
    Forbidden,
    InkwellError,
    NotFound,
    PostRead,
    PreconditionFailed,
    RateLimited,
    Unauthorized,
    UserPrivate,
    UserRead,
    ValidationFailed,
)

from tests.client.conftest import PASSWORD, Live, MemberFactory, unique

pytestmark = pytest.mark.xdist_group("client")


async def test_sign_up_log_in_and_read_accounts(live: Live, member: MemberFactory) -> None:
    ada = await member(full_name="Ada Lovelace")
    bob = await member()
    assert ada.user.full_name == "Ada Lovelace"
    assert ada.user.credits == "100.00"
    assert ada.user.etag is not None

    me = await ada.client.users.me()
    assert (me.id, me.email, me.is_active) == (ada.id, ada.user.email, True)
    assert me.etag

    own = await ada.client.users.get(ada.id)
    assert isinstance(own, UserPrivate)
    other = await ada.client.users.get(bob.id)
    assert isinstance(other, UserRead)
    assert not isinstance(other, UserPrivate)
    assert other.username == bob.user.username

    async with AsyncInkwell(live.url) as anonymous:
        token = await anonymous.login(ada.user.email, PASSWORD)  # by e-mail, too
        assert token.expires_in > 0
        assert anonymous.token == token.access_token
        assert (await anonymous.users.me()).id == ada.id
        listed = [u.id async for u in anonymous.users.iterate(page_size=2)]
        assert {ada.id, bob.id} <= set(listed)
        assert len(listed) == len(set(listed))


async def test_posts_with_tags_and_every_page_of_a_filtered_list(member: MemberFactory) -> None:
    ada = await member()
    bob = await member()
    tag = unique("t").lower()
    mine = []
    for n in range(23):
        published = n % 4 != 3  # every fourth is a draft
        post = await ada.client.posts.create(
            f"Post {n}", f"Body of post {n}.", published=published, tags=[tag, "misc"]
        )
        mine.append(post)
        if n % 5 == 0:  # someone else's posts in between
            await bob.client.posts.create("Noise", "Not in the list.", published=True, tags=[tag])
    assert {t.name for t in mine[0].tags} == {tag, "misc"}
    assert mine[0].author.id == ada.id

    # Every page of ada's posts with the tag, by cursor, 5 at a time: no duplicates, no
    # gaps, in the server's order (newest first), drafts included for their author.
    pages = [
        post.id
        async for post in ada.client.posts.iterate(author=ada.user.username, tag=tag, page_size=5)
    ]
    assert pages == [p.id for p in reversed(mine)]
    # The same list in one page is the server's order.
    whole = await ada.client.posts.list(author=ada.user.username, tag=tag, limit=100)
    assert [p.id for p in whole] == pages
    assert whole.next_url is None

    # Others see only the published ones; one page at a time by cursor.
    first = await bob.client.posts.list(author=ada.user.username, tag=tag, limit=10)
    assert len(first) == 10
    assert first.next_cursor
    second = await bob.client.posts.list(
        author=ada.user.username, tag=tag, limit=10, cursor=first.next_cursor
    )
    published_ids = [p.id for p in reversed(mine) if p.published]
    assert [p.id for p in (*first, *second)] == published_ids
    drafts = await ada.client.posts.list(author=ada.user.username, published=False)
    assert {p.id for p in drafts} == {p.id for p in mine if not p.published}

    tagged = [p.id async for p in bob.client.tags.iterate_posts(tag, page_size=4)]
    assert len(tagged) == len(set(tagged)) == len(published_ids) + 5
    page = await bob.client.tags.posts(tag, limit=3)
    assert [p.id for p in page] == tagged[:3]
    counts = {t.name: t.post_count async for t in bob.client.tags.iterate(page_size=2)}
    assert counts[tag] == len(tagged)


async def test_conditional_updates_keep_and_send_the_etag(member: MemberFactory) -> None:
    ada = await member()
    post = await ada.client.posts.create(
        "Draft", "Conditional updates.", description="About ETags", tags=["x"]
    )
    assert (post.description, post.favorites_count) == ("About ETags", 0)
    assert post.slug
    read = await ada.client.posts.get(post.id)
    assert read.etag
    assert read.etag.startswith('"')

    changed = await ada.client.posts.update(
        read, title="Changed", description="Still ETags", if_match=True
    )
    assert (changed.title, changed.description) == ("Changed", "Still ETags")
    assert changed.etag
    assert changed.etag != read.etag

    # `read` is stale now: 412, and nothing changes.
    with pytest.raises(PreconditionFailed) as stale:
        await ada.client.posts.update(read, title="Lost update", if_match=True)
    assert stale.value.status == 412
    assert stale.value.slug == "precondition-failed"
    assert (await ada.client.posts.get(post.id)).title == "Changed"
    with pytest.raises(ValueError, match="ETag"):
        await ada.client.posts.update(post.id, title="No tag", if_match=True)

    again = await ada.client.posts.update(changed, tags=["y", "z"], published=True, if_match=True)
    assert {t.name for t in again.tags} == {"y", "z"}
    with pytest.raises(PreconditionFailed):
        await ada.client.posts.delete(changed, if_match=True)
    await ada.client.posts.delete(again, if_match=True)
    with pytest.raises(NotFound):
        await ada.client.posts.get(post.id)

    me = await ada.client.users.me()
    renamed = await ada.client.users.update(
        me, full_name="Ada King", bio="Analyst", image="https://example.com/ada.png", if_match=True
    )
    assert (renamed.full_name, renamed.bio) == ("Ada King", "Analyst")
    assert renamed.image == "https://example.com/ada.png"
    with pytest.raises(PreconditionFailed):
        await ada.client.users.update(me, full_name="Stale", if_match=True)
    cleared = await ada.client.users.update(renamed, full_name=None, if_match=renamed.etag or "")
    assert cleared.full_name is None


async def test_transfers_move_credits_and_are_listed(member: MemberFactory) -> None:
    ada = await member()
    bob = await member()
    sent = await ada.client.transfers.create(bob.id, Decimal("12.50"))
    assert (sent.kind, sent.from_user_id, sent.to_user_id, sent.amount) == (
        "transfer",
        ada.id,
        bob.id,
        "12.50",
    )
    await ada.client.transfers.create(bob.id, "0.25")
    await bob.client.transfers.create(ada.id, 3)
    assert (await ada.client.users.me()).credits == "90.25"
    assert (await bob.client.users.me()).credits == "109.75"

    history = [t async for t in ada.client.transfers.iterate(page_size=2)]
    assert [(t.kind, t.amount) for t in history] == [
        ("transfer", "3.00"),
        ("transfer", "0.25"),
        ("transfer", "12.50"),
        ("grant", "100.00"),
    ]
    page = await ada.client.transfers.list(limit=3)
    assert [t.id for t in page] == [t.id for t in history[:3]]
    assert page.next_cursor is not None
    rest = await ada.client.transfers.list(limit=3, cursor=page.next_cursor)
    assert [t.id for t in rest] == [history[3].id]


async def test_errors_are_raised_as_their_class(live: Live, member: MemberFactory) -> None:
    ada = await member()
    bob = await member()
    bobs_post = await bob.client.posts.create("Bob's", "Not for Ada to change.", published=True)

    cases: list[tuple[type[InkwellError], int, str]] = []

    async def expect(kind: type[InkwellError], status: int, call: object) -> InkwellError:
        assert asyncio.iscoroutine(call)
        with pytest.raises(kind) as raised:
            await call
        error = raised.value
        assert error.status == status
        assert error.type.startswith("https://")
        assert error.title
        assert error.detail
        assert error.instance
        assert error.instance.startswith("/")
        cases.append((kind, status, error.slug))
        return error

    await expect(NotFound, 404, ada.client.posts.get(2_000_000_000))
    await expect(Forbidden, 403, ada.client.posts.update(bobs_post, title="Mine now"))
    await expect(Forbidden, 403, ada.client.users.delete(bob.id))
    duplicate = ada.client.users.create(bob.user.username, "other@example.com", PASSWORD)
    assert (await expect(Conflict, 409, duplicate)).slug == "duplicate-user"
    poor = await expect(Conflict, 409, ada.client.transfers.create(bob.id, "100.01"))
    assert isinstance(poor, Conflict)
    assert not poor.in_progress
    assert poor.slug == "insufficient-credits"
    invalid = await expect(ValidationFailed, 422, ada.client.transfers.create(bob.id, "1.234"))
    assert isinstance(invalid, ValidationFailed)
    assert [e["loc"] for e in invalid.errors] == [["body", "amount"]]
    to_self = await expect(ValidationFailed, 422, ada.client.transfers.create(ada.id, "1"))
    assert to_self.slug == "self-transfer"
    async with AsyncInkwell(live.url) as anonymous:
        await expect(Unauthorized, 401, anonymous.users.me())
        await expect(Unauthorized, 401, anonymous.login(ada.user.username, "wrong password"))
    assert (await ada.client.users.me()).credits == "100.00"  # nothing moved

    # Five wrong passwords lock the account's logins: 429 with a Retry-After far beyond
    # what the client waits for, so it is raised at once with the time to wait.
    victim = await member()
    async with AsyncInkwell(live.url) as guesser:
        for _ in range(5):
            with pytest.raises(Unauthorized):
                await guesser.login(victim.user.username, "not the password")
        started = time.monotonic()
        limited = await expect(RateLimited, 429, guesser.login(victim.user.username, PASSWORD))
        assert time.monotonic() - started < 10  # not the 15 minutes it asks for
        assert isinstance(limited, RateLimited)
        assert limited.retry_after is not None
        assert limited.retry_after > guesser.retry.max_retry_after

    kinds = {kind for kind, _, _ in cases}
    assert kinds == {NotFound, Forbidden, Conflict, ValidationFailed, Unauthorized, RateLimited}


async def test_an_invalid_token_is_renewed_by_logging_in_again(member: MemberFactory) -> None:
    ada = await member()
    ada.client.token = "not-a-token"
    post = await ada.client.posts.create("Renewed", "After a fresh login.")
    assert isinstance(post, PostRead)
    assert ada.recorder.statuses[0] == 401
    assert ada.client.token != "not-a-token"


async def test_closing_an_account(member: MemberFactory) -> None:
    ada = await member()
    await ada.client.posts.create("Soon gone", "Deleted with the account.", published=True)
    await ada.client.users.delete(await ada.client.users.me(), if_match=True)
    with pytest.raises(Unauthorized):
        await ada.client.users.me()
    other = await member()
    with pytest.raises(NotFound):
        await other.client.users.get(ada.id)


async def test_a_password_change_ends_other_sessions_and_keeps_this_one(
    live: Live, member: MemberFactory
) -> None:
    ada = await member()
    async with AsyncInkwell(live.url) as elsewhere:
        await elsewhere.login(ada.user.username, PASSWORD)
        with pytest.raises(Forbidden):
            await ada.client.change_password("not it", "a-new-secret-1")
        token = await ada.client.change_password(PASSWORD, "a-new-secret-1")
        assert ada.client.token == token.access_token
        assert (await ada.client.users.me()).id == ada.id
        # The other session's token ended; renewing it with the old password fails.
        with pytest.raises(Unauthorized):
            await elsewhere.users.me()
        await elsewhere.login(ada.user.username, "a-new-secret-1")
        assert (await elsewhere.users.me()).id == ada.id
