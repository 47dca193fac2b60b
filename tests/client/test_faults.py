"""Exactly once under faults: connections dropped by a proxy after the server did the
work, a database outage (503), a request still in flight (409), and fifty concurrent
transfers through the faulty proxy. The money moves once per logical transfer."""

import asyncio
import random
from collections import Counter
from collections.abc import AsyncIterator
from decimal import Decimal
from urllib.parse import urlsplit

import asyncpg
import pytest
from inkwell_client import ConnectionFailed, RetryPolicy, TransferRead

from tests.client.conftest import Live, Member, MemberFactory
from tests.client.proxy import Drop, FaultProxy
from tests.servers import asyncpg_dsn
from tests.support import row_lock, terminate_service_backends, until_the_service_waits_on_a_lock

pytestmark = pytest.mark.xdist_group("client")


@pytest.fixture
async def proxy(live: Live) -> AsyncIterator[FaultProxy]:
    """A fault proxy in front of the live server; give it a plan, then start it."""
    address = urlsplit(live.url)
    faulty = FaultProxy(address.hostname or "127.0.0.1", address.port or 80)
    yield faulty
    await faulty.close()


async def transfers_between(sender: Member, recipient: Member) -> list[TransferRead]:
    """The ledger rows from `sender` to `recipient`, as the sender's history shows them."""
    return [
        t
        async for t in sender.client.transfers.iterate()
        if t.kind == "transfer" and (t.from_user_id, t.to_user_id) == (sender.id, recipient.id)
    ]


async def credits(member: Member) -> Decimal:
    return Decimal((await member.client.users.me()).credits)


async def test_a_transfer_whose_answer_is_lost_three_times_moves_once(
    member: MemberFactory, proxy: FaultProxy
) -> None:
    proxy.plan = [Drop.AFTER_RESPONSE] * 3
    ada = await member(await proxy.start())
    bob = await member()

    sent = await ada.client.transfers.create(bob.id, "7.77")

    assert sent.amount == "7.77"
    assert list(proxy.attempts.values()) == [4]  # one key, four attempts
    assert proxy.dropped == {Drop.AFTER_RESPONSE: 3}
    assert [t.id for t in await transfers_between(ada, bob)] == [sent.id]
    assert await credits(ada) == Decimal("92.23")
    assert await credits(bob) == Decimal("107.77")


async def test_out_of_retries_the_callers_key_still_pays_once(
    member: MemberFactory, proxy: FaultProxy
) -> None:
    proxy.plan = [Drop.AFTER_RESPONSE] * 3
    impatient = RetryPolicy(max_retries=1, backoff=0.01)
    ada = await member(await proxy.start(), retry=impatient)
    bob = await member()
    key = "order-17"

    with pytest.raises(ConnectionFailed):
        await ada.client.transfers.create(bob.id, "5.00", idempotency_key=key)
    # Two answers lost, and the client gave up; the server did the work the first time.
    assert await credits(bob) == Decimal("105.00")
    # Later, with the same key (one more answer lost): the first answer comes back.
    replayed = await ada.client.transfers.create(bob.id, "5.00", idempotency_key=key)

    assert proxy.attempts == {key: 4}
    assert [t.id for t in await transfers_between(ada, bob)] == [replayed.id]
    assert await credits(ada) == Decimal("95.00")
    assert await credits(bob) == Decimal("105.00")


async def test_a_read_is_retried_after_a_dropped_connection(
    member: MemberFactory, proxy: FaultProxy
) -> None:
    proxy.match, proxy.plan = b"GET /posts/", [Drop.AFTER_REQUEST, Drop.AFTER_RESPONSE]
    ada = await member(await proxy.start())
    post = await ada.client.posts.create("Read me", "Through a faulty proxy.", published=True)
    assert (await ada.client.posts.get(post.id)).id == post.id
    assert proxy.attempts == {"": 3}


async def test_a_write_without_a_key_is_not_sent_twice(
    member: MemberFactory, proxy: FaultProxy
) -> None:
    proxy.match, proxy.plan = b"PATCH /posts/", [Drop.AFTER_RESPONSE]
    ada = await member(await proxy.start())
    post = await ada.client.posts.create("Once", "A PATCH may have been applied.")
    with pytest.raises(ConnectionFailed):
        await ada.client.posts.update(post, title="Applied, unanswered")
    # The client could not know whether it was applied, so it did not guess: one attempt.
    assert proxy.attempts == {"": 1}
    assert (await ada.client.posts.get(post.id)).title == "Applied, unanswered"


async def test_fifty_concurrent_transfers_through_the_faulty_proxy(
    member: MemberFactory, proxy: FaultProxy
) -> None:
    # Every transfer's first attempt is cut once the request is sent (the server may still
    # be working on it), its second once the server has answered; the third gets through.
    proxy.plan = [Drop.AFTER_REQUEST, Drop.AFTER_RESPONSE]
    url = await proxy.start()
    accounts = list(await asyncio.gather(*(member(url) for _ in range(10))))
    rng = random.Random(20_261_201)
    plans = []
    for _ in range(50):
        sender, recipient = rng.sample(accounts, 2)
        plans.append((sender, recipient, Decimal(rng.randint(1, 300)) / 100))

    results = await asyncio.gather(
        *(sender.client.transfers.create(to.id, amount) for sender, to, amount in plans)
    )

    assert len(proxy.attempts) == 50
    assert min(proxy.attempts.values()) >= 3, proxy.attempts
    assert proxy.dropped == {Drop.AFTER_REQUEST: 50, Drop.AFTER_RESPONSE: 50}
    assert len({r.id for r in results}) == 50
    assert [Decimal(r.amount) for r in results] == [amount for _, _, amount in plans]
    # The ledger holds each logical transfer once, and the balances follow from them.
    ledger = {
        t.id: t
        for account in accounts
        async for t in account.client.transfers.iterate()
        if t.kind == "transfer"
    }
    assert sorted(ledger) == sorted(r.id for r in results)
    expected = Counter({a.id: Decimal(100) for a in accounts})
    for sender, to, amount in plans:
        expected[sender.id] -= amount
        expected[to.id] += amount
    balances = {a.id: await credits(a) for a in accounts}
    assert balances == dict(expected)
    assert sum(balances.values()) == Decimal(1000)


async def test_a_503_from_a_database_outage_is_retried_and_pays_once(
    live: Live, member: MemberFactory
) -> None:
    if live.kind != "postgres":
        pytest.skip("the outage is PostgreSQL's (its connections are terminated)")
    ada = await member()
    bob = await member()
    # The first attempt's connection is cut while it waits on bob's row (a database
    # restart mid-request): 503. Connections cut while idle would not do: the pool
    # replaces them unseen.
    async with row_lock(live.database_url, "users", bob.id, mode="NO KEY UPDATE") as (conn, tx):
        sending = asyncio.create_task(ada.client.transfers.create(bob.id, "4.44"))
        await until_the_service_waits_on_a_lock(conn)
        assert await terminate_service_backends(live.database_url) >= 1
        for _ in range(500):
            if ada.recorder.statuses:
                break
            await asyncio.sleep(0.01)
        await tx.rollback()
    sent = await asyncio.wait_for(sending, timeout=20)

    assert ada.recorder.statuses[0] == 503
    assert ada.recorder.statuses[-1] == 201
    assert [t.id for t in await transfers_between(ada, bob)] == [sent.id]
    assert await credits(ada) == Decimal("95.56")


async def test_a_request_still_in_progress_is_waited_out(live: Live, member: MemberFactory) -> None:
    if live.kind != "postgres":
        pytest.skip("SQLite serializes writes: a retry waits for the first and replays")
    ada = await member()
    bob = await member()
    key = "in-flight-1"
    # Another request with this key is "in flight": it holds the service's advisory lock.
    holder = await asyncpg.connect(asyncpg_dsn(live.database_url))
    try:
        lock = holder.transaction()
        await lock.start()
        await holder.execute("SELECT pg_advisory_xact_lock($1, hashtext($2))", ada.id, key)
        task = asyncio.create_task(ada.client.transfers.create(bob.id, "1.50", idempotency_key=key))
        for _ in range(500):
            if ada.recorder.statuses.count(409) >= 2:
                break
            await asyncio.sleep(0.02)
        assert not task.done()
        await lock.rollback()
        sent = await asyncio.wait_for(task, timeout=20)
    finally:
        await holder.close()

    assert ada.recorder.statuses.count(409) >= 2
    assert ada.recorder.statuses[-1] == 201
    assert [t.id for t in await transfers_between(ada, bob)] == [sent.id]
    assert await credits(bob) == Decimal("101.50")
