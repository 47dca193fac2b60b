"""Inkwell over a real streaming standby (tests/cluster.py), 2 s behind its primary on
purpose: read-your-writes, bounded staleness, a standby stopped or paused."""

import asyncio
from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from prometheus_client import REGISTRY

from inkwell.main import create_app
from tests.cluster import PgCluster
from tests.factories import make_account, make_post
from tests.support import api_client, empty_postgres_tables, make_settings

pytestmark = pytest.mark.xdist_group("cluster")


def reads_served(target: str) -> float:
    return REGISTRY.get_sample_value("inkwell_db_reads_total", {"target": target}) or 0.0


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
    settings = make_settings(
        pg_cluster.primary_url,
        database_replica_urls=[pg_cluster.standby_url],
        replica_max_lag_seconds=5,
        replica_check_seconds=0.1,
        db_connect_timeout=1,
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app), api_client(app) as client:
        await empty_postgres_tables(app.state.engine)
        await pg_cluster.wait_until_replayed()
        yield app, client


async def test_a_writer_reads_its_writes_at_once_anonymous_readers_within_the_lag(
    replicated: tuple[FastAPI, AsyncClient],
) -> None:
    _, client = replicated
    ada = await make_account(client)
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
    assert (await client.get(f"/posts/{post_id}")).status_code == 404
    assert reads_served("replica") - before == 1
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
