"""Inkwell over a real streaming standby (tests/cluster.py), 2 s behind its primary on
purpose: read-your-writes, bounded staleness, a standby stopped or paused."""

import asyncio
import random
import re
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import text

from inkwell.core.config import Settings
from tests.cluster import PgCluster
from tests.factories import make_account, make_post
from tests.servers import Server
from tests.support import make_settings, reads_served, running_app

pytestmark = pytest.mark.xdist_group("cluster")


def _settings(primary_url: str, standby_url: str | None = None, **overrides: Any) -> Settings:
    """An app of the cluster: `standby_url` its read replica, checked every 0.1 s, and a
    database that does not answer given up on after a second (`overrides` win)."""
    replicas = [standby_url] if standby_url else []
    given: dict[str, Any] = {"replica_check_seconds": 0.1, "db_connect_timeout": 1, **overrides}
    return make_settings(primary_url, database_replica_urls=replicas, **given)


def _in_rotation(app: FastAPI) -> bool:
    return any(replica.healthy for replica in app.state.reads.replicas)


async def _until_rotation_is(app: FastAPI, serving: bool) -> None:
    """Until the instance's checks have taken the standby in (or out of) rotation."""
    for _ in range(200):
        if _in_rotation(app) is serving:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"the standby never {'came back' if serving else 'left'} in 10 s")


@pytest.fixture
async def replicated(pg_cluster: PgCluster) -> AsyncIterator[tuple[FastAPI, AsyncClient]]:
    settings = _settings(pg_cluster.primary_url, pg_cluster.standby_url, replica_max_lag_seconds=5)
    async with running_app(settings) as (app, client):
        await pg_cluster.wait_until_replayed()
        yield app, client


async def test_a_writer_reads_its_writes_at_once_anonymous_readers_within_the_lag(
    replicated: tuple[FastAPI, AsyncClient], pg_cluster: PgCluster
) -> None:
    _, client = replicated
    ada = await make_account(client)
    # An anonymous read answered less than the standby's delay after the write was sent
    # ran before the standby could apply it. A machine that stalls past the delay proves
    # nothing either way: then the scenario is played again with a new post.
    for _ in range(3):
        sent = time.monotonic()
        made = await client.post(
            f"/users/{ada.id}/posts/",
            json={"title": "Fresh", "body": "Just written.", "published": True},
            headers=ada.headers,
        )
        assert made.status_code == 201
        post_id, token = made.json()["id"], made.headers["x-consistency-token"]
        # The writer, signed in: at once, whichever instance answers (the primary).
        assert (await client.get(f"/posts/{post_id}", headers=ada.headers)).status_code == 200
        # Anyone who sends the write's position back: at once too (the primary, or a
        # replica that has replayed it).
        sent_back = {"X-Consistency-Token": token}
        assert (await client.get(f"/posts/{post_id}", headers=sent_back)).status_code == 200
        # An anonymous reader without it is served by the standby, 2 s behind: not yet...
        before = reads_served("replica")
        anonymous = await client.get(f"/posts/{post_id}")
        if time.monotonic() - sent < pg_cluster.apply_delay - 0.25:
            assert anonymous.status_code == 404
            assert reads_served("replica") - before == 1
            break
    else:
        raise AssertionError("three tries, each slower than the standby's delay")
    # ... and within the lag, yes.
    for _ in range(50):
        if (await client.get(f"/posts/{post_id}")).status_code == 200:
            break
        await asyncio.sleep(0.1)
    else:
        raise AssertionError("the standby never served the post within 5 s")


async def test_a_standby_stopped_or_paused_is_skipped_and_comes_back(
    replicated: tuple[FastAPI, AsyncClient], pg_cluster: PgCluster
) -> None:
    app, client = replicated
    ada = await make_account(client)
    await make_post(client, ada, published=True)
    await pg_cluster.stop_standby(mode="immediate")
    for _ in range(100):
        assert (await client.get("/posts/")).status_code == 200  # never a 5xx meanwhile
        if not _in_rotation(app):
            break
        await asyncio.sleep(0.05)
    assert not _in_rotation(app)
    before = reads_served("primary")
    assert (await client.get("/posts/")).status_code == 200
    assert reads_served("primary") - before == 1
    await pg_cluster.start_standby()
    await _until_rotation_is(app, True)
    await pg_cluster.pause_replay()
    await _until_rotation_is(app, False)
    before = reads_served("primary")
    assert (await client.get("/posts/")).status_code == 200
    assert reads_served("primary") - before == 1
    await pg_cluster.resume_replay()
    await _until_rotation_is(app, True)
    metrics = (await client.get("/metrics")).text
    assert "inkwell_replica_lag_seconds{" in metrics


async def test_reads_that_find_their_standby_gone_are_served_by_the_primary(
    pg_cluster: PgCluster,
) -> None:
    """No check runs between the standby going down and the reads (a check a minute):
    each read that meets the dead standby, on a pooled connection or a new one, goes on on
    the primary, and the first takes the standby out of rotation."""
    settings = _settings(pg_cluster.primary_url, pg_cluster.standby_url, replica_check_seconds=60)
    async with running_app(settings) as (app, client):
        ada = await make_account(client)
        post = await make_post(client, ada, published=True)
        await pg_cluster.wait_until_replayed()
        before = reads_served("replica")
        for path in ("/posts/", f"/posts/{post['id']}", f"/users/{ada.id}"):
            assert (await client.get(path)).status_code == 200
        assert reads_served("replica") - before == 3  # and the pool holds its connections
        await pg_cluster.stop_standby(mode="immediate")
        assert _in_rotation(app)
        before = reads_served("primary")
        for path in ("/posts/", f"/posts/{post['id']}", f"/users/{ada.id}", "/posts/"):
            answer = await client.get(path)
            assert answer.status_code == 200, answer.text
        assert reads_served("primary") - before == 4
        assert not _in_rotation(app)


async def test_with_the_primary_down_replicas_serve_reads_and_writes_are_503(
    replicated: tuple[FastAPI, AsyncClient], pg_cluster: PgCluster
) -> None:
    _, client = replicated
    ada = await make_account(client)
    post = await make_post(client, ada, published=True)
    await pg_cluster.wait_until_replayed()
    ready = (await client.get("/health/ready")).json()
    assert ready["primary"] == "reachable"
    assert list(ready["replicas"].values()) == ["in rotation"]
    await pg_cluster.stop_primary(mode="immediate")
    degraded = await client.get("/health/ready")
    assert degraded.status_code == 200, degraded.text
    assert degraded.json()["status"] == "degraded"
    assert degraded.json()["primary"] == "unreachable"
    assert (await client.get(f"/posts/{post['id']}")).status_code == 200
    assert (await client.get("/posts/")).status_code == 200
    refused = await client.post(
        f"/users/{ada.id}/posts/",
        json={"title": "T", "body": "Not now, sorry."},
        headers=ada.headers,
    )
    assert refused.status_code == 503, refused.text
    assert int(refused.headers["retry-after"]) >= 1
    assert refused.headers["content-type"].startswith("application/problem+json")


async def test_after_a_promotion_writes_succeed_again_without_a_restart(
    fresh_pg_cluster: Callable[..., PgCluster],
) -> None:
    cluster = fresh_pg_cluster(apply_delay=0, synchronous=True)
    settings = _settings(cluster.failover_url, cluster.standby_url)
    async with running_app(settings) as (_app, client):
        ada = await make_account(client)
        bob = await make_account(client)
        sent = await client.post(
            "/transfers/",
            json={"to_user_id": bob.id, "amount": "7.00"},
            headers={**ada.headers, "Idempotency-Key": "before-the-failover"},
        )
        assert sent.status_code == 201
        await cluster.stop_primary(mode="immediate")
        await cluster.promote()
        loop = asyncio.get_running_loop()
        promoted_at = loop.time()
        for _ in range(100):
            again = await client.post(
                f"/users/{ada.id}/posts/",
                json={"title": "After", "body": "Written on the promoted standby."},
                headers=ada.headers,
            )
            if again.status_code == 201:
                break
            assert again.status_code == 503, again.text  # never a 500
            await asyncio.sleep(0.1)
        else:
            raise AssertionError("no write succeeded within 10 s of the promotion")
        assert loop.time() - promoted_at < 10
        # The acknowledged transfer is there (synchronous replication), and its retry
        # replays instead of moving money twice.
        replayed = await client.post(
            "/transfers/",
            json={"to_user_id": bob.id, "amount": "7.00"},
            headers={**ada.headers, "Idempotency-Key": "before-the-failover"},
        )
        assert replayed.status_code == 201
        assert replayed.json()["id"] == sent.json()["id"]
        me = (await client.get("/users/me", headers=ada.headers)).json()
        assert me["credits"] == "93.00"


async def test_a_promotion_during_transfers_loses_nothing_acknowledged(
    fresh_pg_cluster: Callable[..., PgCluster],
) -> None:
    """Synchronous replication; transfers run while the primary is killed and the standby
    promoted. Each is retried with its own Idempotency-Key, as the client does, until it
    is answered: every transfer answered 201 is in the promoted standby's ledger once,
    and money is conserved."""
    cluster = fresh_pg_cluster(apply_delay=0, synchronous=True)
    settings = _settings(cluster.failover_url)
    async with running_app(settings) as (app, client):
        accounts = [await make_account(client) for _ in range(4)]
        rng = random.Random(20261207)
        acknowledged: dict[str, int] = {}
        running = True

        async def transfer(n: int) -> None:
            sender, recipient = rng.sample(accounts, 2)
            key = f"failover-{n}"
            body = {"to_user_id": recipient.id, "amount": "1.00"}
            for _ in range(200):
                answer = await client.post(
                    "/transfers/", json=body, headers={**sender.headers, "Idempotency-Key": key}
                )
                assert answer.status_code in (201, 409, 503), answer.text  # never a 500
                if answer.status_code == 201:
                    acknowledged[key] = answer.json()["id"]
                    return
                if answer.status_code == 409:
                    return
                await asyncio.sleep(0.05)
            raise AssertionError(f"{key} was never answered")

        async def traffic() -> None:
            n = 0
            while running:
                await asyncio.gather(*(transfer(n + i) for i in range(4)))
                n += 4

        flowing = asyncio.create_task(traffic())
        await asyncio.sleep(0.5)
        await cluster.stop_primary(mode="immediate")
        await cluster.promote()
        await asyncio.sleep(2)
        running = False
        await asyncio.wait_for(flowing, timeout=30)
        assert len(acknowledged) > 8
        async with app.state.engine.connect() as conn:
            ledger = list(
                await conn.scalars(text("SELECT id FROM transfers WHERE kind = 'transfer'"))
            )
            balances = await conn.scalar(text("SELECT sum(credits) FROM users"))
            grants = await conn.scalar(
                text("SELECT sum(amount) FROM transfers WHERE kind = 'grant'")
            )
        assert sorted(ledger) == sorted(acknowledged.values())
        assert balances == grants


async def test_anonymous_reads_are_never_staler_than_the_lag_allowed(
    replicated: tuple[FastAPI, AsyncClient], pg_cluster: PgCluster
) -> None:
    """The standby now applies commits 8 s late, more than REPLICA_MAX_LAG_SECONDS (5):
    once a check sees it further behind than that, it is out of rotation, so a post is
    seen by anonymous readers within the allowed lag (and a check's interval), not 8 s
    after it was written."""
    app, client = replicated
    ada = await make_account(client)
    await pg_cluster.wait_until_replayed()
    await pg_cluster.set_apply_delay(8)
    made = await make_post(client, ada, published=True)
    loop = asyncio.get_running_loop()
    written = loop.time()
    for _ in range(100):
        if (await client.get(f"/posts/{made['id']}")).status_code == 200:
            break
        await asyncio.sleep(0.05)
    assert loop.time() - written < 5 + 0.5
    # Once it has caught up, it is back in rotation.
    await pg_cluster.set_apply_delay(0)
    await _until_rotation_is(app, True)


async def test_read_your_writes_across_the_workers_of_a_real_server(
    pg_cluster: PgCluster, serve: Callable[..., Server]
) -> None:
    """`inkwell serve --workers 2`, the standby 2 s behind as its replica, each request on
    a new connection (so the workers share them): a writer signed in sees each write at
    once, in the post and in the list, and renames it; so does an anonymous client that
    sends the consistency token back; one that does not is served the standby's past."""
    server = serve(
        pg_cluster.primary_url,
        workers=2,
        ready="/health/ready",
        DATABASE_REPLICA_URLS=pg_cluster.standby_url,
        REPLICA_CHECK_SECONDS="0.2",
    )
    fresh = httpx.Limits(max_keepalive_connections=0)
    async with AsyncClient(base_url=server.url, limits=fresh, timeout=10) as client:
        ada = await make_account(client)  # registered, then logged in at once
        for n in range(2):
            made = await client.post(
                f"/users/{ada.id}/posts/",
                json={"title": f"Fresh {n}", "body": "Just written.", "published": True},
                headers=ada.headers,
            )
            assert made.status_code == 201, made.text
            post, token = made.json(), {"X-Consistency-Token": made.headers["x-consistency-token"]}
            mine = await client.get(f"/posts/{post['id']}", headers=ada.headers)
            assert mine.status_code == 200, mine.text
            listed = await client.get("/posts/", headers=ada.headers)
            assert post["id"] in [p["id"] for p in listed.json()]
            assert (await client.get(f"/posts/{post['id']}", headers=token)).status_code == 200
            page = await client.get("/posts/", headers=token)
            assert post["id"] in [p["id"] for p in page.json()]
            renamed = await client.patch(
                f"/posts/{post['id']}", json={"title": f"Renamed {n}"}, headers=ada.headers
            )
            assert renamed.status_code == 200, renamed.text
            again = await client.get(f"/posts/{post['id']}", headers=ada.headers)
            assert again.json()["title"] == f"Renamed {n}"
        # Once the standby has caught up (after a pause in writes, the age of its last
        # replayed commit overstates its lag for the apply delay), anonymous reads
        # without a token go to it.
        await pg_cluster.wait_until_replayed()
        await asyncio.sleep(0.5)  # both workers' checks have seen it
        for _ in range(4):
            assert (await client.get("/posts/")).status_code == 200
        metrics = (await client.get("/metrics")).text
    served = re.search(r'inkwell_db_reads_total\{target="replica"\} ([0-9.e+]+)', metrics)
    assert served is not None, metrics
    assert float(served.group(1)) >= 1, metrics
