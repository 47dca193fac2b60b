"""Where reads go with read replicas configured (core.replicas): the rule itself, and an
app on PostgreSQL whose "replicas" are the primary itself (always caught up) or a port
nobody answers. Replication with real lag is tested against a streaming standby."""

import math
from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI
from httpx import AsyncClient

from inkwell.core.replicas import PRIMARY, REPLICA, Reads, Replica, format_lsn, parse_lsn
from tests.factories import make_account, make_post
from tests.servers import free_port
from tests.support import make_settings, reads_served, running_app


@pytest.mark.parametrize("text", ["0/0", "16/B374D848", "FFFFFFFF/FFFFFFFF"])
def test_wal_positions_round_trip(text: str) -> None:
    assert format_lsn(parse_lsn(text)) == text


@pytest.mark.parametrize("text", ["", "16", "/1", "1/", "x/1", "123456789/0", "1/2/3"])
def test_what_is_not_a_wal_position(text: str) -> None:
    with pytest.raises(ValueError, match=r"WAL position|invalid literal"):
        parse_lsn(text)


def _replica(name: str, *, replayed: int, lag: float, healthy: bool = True) -> Replica:
    replica = Replica(name=name, engine=None, sessions=None)  # type: ignore[arg-type]
    replica.replayed, replica.lag, replica.healthy = replayed, lag, healthy
    return replica


def test_the_rule_of_where_a_read_goes() -> None:
    fresh = _replica("fresh", replayed=100, lag=0.1)
    behind = _replica("behind", replayed=50, lag=4.0)
    lagging = _replica("lagging", replayed=90, lag=30.0)
    down = _replica("down", replayed=200, lag=0.0, healthy=False)
    reads = Reads(primary=None, replicas=[fresh, behind, lagging, down], max_lag=5.0)  # type: ignore[arg-type]
    # Anonymous: any replica in rotation and within the lag, in turn.
    served = {reads.route(at_least=None, fresh=False)[1] for _ in range(6)}
    assert served == {fresh.sessions, behind.sessions} or len(served) <= 2
    assert all(reads.route(at_least=None, fresh=False)[0] == REPLICA for _ in range(4))
    # A position to see: only a replica past it, else the primary.
    assert reads.route(at_least=80, fresh=False) == (REPLICA, fresh.sessions)
    assert reads.route(at_least=150, fresh=False) == (PRIMARY, None)
    # A signed-in caller's read: the primary, always.
    assert reads.route(at_least=None, fresh=True) == (PRIMARY, None)
    # Nothing in rotation: the primary.
    for replica in (fresh, behind):
        replica.lag = math.inf
    assert reads.route(at_least=None, fresh=False) == (PRIMARY, None)


@pytest.fixture
async def replicated(postgres_url: str) -> AsyncIterator[tuple[FastAPI, AsyncClient]]:
    """An app on PostgreSQL whose replica is the primary itself, always caught up."""
    settings = make_settings(postgres_url, database_replica_urls=[postgres_url])
    async with running_app(settings) as started:
        yield started


async def test_anonymous_reads_go_to_a_replica_and_signed_in_ones_to_the_primary(
    replicated: tuple[FastAPI, AsyncClient],
) -> None:
    _, client = replicated
    ada = await make_account(client)
    post = await make_post(client, ada, published=True)
    before = reads_served(REPLICA), reads_served(PRIMARY)
    assert (await client.get(f"/posts/{post['id']}")).status_code == 200
    assert (await client.get("/posts/")).status_code == 200
    assert (reads_served(REPLICA) - before[0], reads_served(PRIMARY) - before[1]) == (2, 0)
    assert (await client.get(f"/posts/{post['id']}", headers=ada.headers)).status_code == 200
    assert (await client.get("/users/me", headers=ada.headers)).status_code == 200
    assert (reads_served(REPLICA) - before[0], reads_served(PRIMARY) - before[1]) == (2, 2)


async def test_a_write_answers_where_to_read_it(
    replicated: tuple[FastAPI, AsyncClient],
) -> None:
    app, client = replicated
    ada = await make_account(client)
    written = await client.post(
        f"/users/{ada.id}/posts/",
        json={"title": "T", "body": "A body of ten."},
        headers=ada.headers,
    )
    token = written.headers["x-consistency-token"]
    parse_lsn(token)
    # A replica that has replayed it serves it, once a check has seen it there.
    before = reads_served(PRIMARY), reads_served(REPLICA)
    await client.get("/posts/", headers={"X-Consistency-Token": token})
    await app.state.reads.check_all()
    assert (reads_served(PRIMARY) - before[0], reads_served(REPLICA) - before[1]) == (1, 0)
    before = reads_served(REPLICA)
    fresh = await client.get(
        f"/posts/{written.json()['id']}", headers={"X-Consistency-Token": token}
    )
    assert fresh.status_code == 404  # a draft, to anyone but its author: but it was read
    assert reads_served(REPLICA) - before == 1
    beyond = format_lsn(parse_lsn(token) + (1 << 40))
    primary_before = reads_served(PRIMARY)
    await client.get("/posts/", headers={"X-Consistency-Token": beyond})
    await client.get("/posts/", headers={"X-Consistency-Token": "not a position"})
    assert reads_served(PRIMARY) - primary_before == 2
    # Reads answer no token; nor do writes without replicas (see the other tests' apps).
    assert "x-consistency-token" not in (await client.get("/posts/")).headers


async def test_a_replica_that_does_not_answer_is_out_of_rotation(postgres_url: str) -> None:
    dead = f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/inkwell"
    settings = make_settings(postgres_url, database_replica_urls=[dead], db_connect_timeout=0.5)
    async with running_app(settings) as (_app, client):
        before = reads_served(PRIMARY)
        for _ in range(3):
            assert (await client.get("/posts/")).status_code == 200
        assert reads_served(PRIMARY) - before == 3
        metrics = (await client.get("/metrics")).text
        assert 'inkwell_replica_in_rotation{replica="127.0.0.1:' in metrics
