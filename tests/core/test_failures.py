"""A real PostgreSQL outage and a slow query: 503 problems, then recovery by itself."""

import asyncio

import asyncpg
import pytest
from httpx import AsyncClient, Response

from inkwell.core.http import routing
from tests.factories import assert_problem, make_account, make_user
from tests.servers import asyncpg_dsn
from tests.support import (
    row_lock,
    terminate_service_backends,
    until_the_service_waits_on_a_lock,
)


@pytest.mark.parametrize("pg_app", [{"db_pool_pre_ping": True}], indirect=True)
async def test_pre_ping_hides_a_restart(pg_client: AsyncClient, postgres_url: str) -> None:
    user = await make_user(pg_client)
    assert await terminate_service_backends(postgres_url) >= 1
    response = await pg_client.get(f"/users/{user['id']}")
    assert response.status_code == 200


@pytest.mark.parametrize("pg_app", [{"db_pool_pre_ping": False}], indirect=True)
async def test_a_restart_between_requests_is_absorbed_and_a_cut_request_is_503(
    pg_client: AsyncClient, postgres_url: str
) -> None:
    """Connections the server closed while they sat in the pool are replaced when they
    are checked out (asyncpg knows them closed: no pre-ping round trip), so nobody sees
    the restart. A request whose connection is cut while it runs is a 503 with
    Retry-After that changed nothing, and the next one succeeds."""
    ada = await make_account(pg_client)
    bob = await make_account(pg_client)
    assert await terminate_service_backends(postgres_url) >= 1
    await asyncio.sleep(0.05)  # the restart was a moment ago: the event loop has heard of it
    statuses = [(await pg_client.get(f"/users/{ada.id}")).status_code for _ in range(3)]
    assert statuses == [200, 200, 200]

    async with row_lock(postgres_url, "users", bob.id, mode="NO KEY UPDATE") as (conn, tx):
        sending = asyncio.create_task(
            pg_client.post(
                "/transfers/", json={"to_user_id": bob.id, "amount": "1.00"}, headers=ada.headers
            )
        )
        await until_the_service_waits_on_a_lock(conn)
        assert await terminate_service_backends(postgres_url) >= 1
        cut = await asyncio.wait_for(sending, timeout=10)
        await tx.rollback()
    assert_problem(cut, 503)
    assert cut.headers["retry-after"]
    me = await pg_client.get("/users/me", headers=ada.headers)
    assert me.json()["credits"] == "100.00"
    again = await pg_client.post(
        "/transfers/", json={"to_user_id": bob.id, "amount": "1.00"}, headers=ada.headers
    )
    assert again.status_code == 201, again.text


@pytest.mark.parametrize("pg_app", [{"db_statement_timeout_ms": 300}], indirect=True)
async def test_slow_query_is_503_not_a_stuck_worker(
    pg_client: AsyncClient, postgres_url: str
) -> None:
    account = await make_account(pg_client)
    # Another transaction holds the row: the PATCH waits on its lock until the
    # statement timeout cancels it.
    async with row_lock(postgres_url, "users", account.id) as (_, tx):
        response = await asyncio.wait_for(
            pg_client.patch(
                f"/users/{account.id}", json={"full_name": "Slow"}, headers=account.headers
            ),
            timeout=10,
        )
        await tx.rollback()
    body = assert_problem(response, 503)
    assert response.headers["retry-after"]
    assert "statement" not in body["detail"].lower()
    after = await pg_client.get(f"/users/{account.id}")
    assert after.json()["full_name"] == account.user["full_name"]


async def _tag_race(
    client: AsyncClient, url: str, request_tags: list[str], external_tags: tuple[str, str]
) -> Response:
    """A post with `request_tags` while another transaction inserts `external_tags`, the
    first before the request starts and the second once the request waits on a lock.

    The other transaction waits 30 s before it looks for deadlocks, the request's the
    default 1 s: in a cycle, the request is the one PostgreSQL aborts."""
    account = await make_account(client)
    other = await asyncpg.connect(asyncpg_dsn(url))
    try:
        tx = other.transaction()
        await tx.start()
        await other.execute("SET LOCAL deadlock_timeout = '30s'")
        await other.execute("INSERT INTO tags (name) VALUES ($1)", external_tags[0])
        post = asyncio.create_task(
            client.post(
                f"/users/{account.id}/posts/",
                json={"title": "Race", "body": "Tags created concurrently.", "tags": request_tags},
                headers=account.headers,
            )
        )
        await until_the_service_waits_on_a_lock(other)
        await other.execute(
            "INSERT INTO tags (name) VALUES ($1) ON CONFLICT DO NOTHING", external_tags[1]
        )
        await tx.commit()
        return await asyncio.wait_for(post, timeout=10)
    finally:
        await other.close()


async def test_new_tags_are_inserted_in_one_order(
    pg_client: AsyncClient, postgres_url: str
) -> None:
    """Another request creating tags b and a inserts them in name order, as every request
    does: one whose tags are listed b, a waits behind it instead of deadlocking."""
    response = await _tag_race(pg_client, postgres_url, ["b", "a"], ("a", "b"))
    assert response.status_code == 201, response.text
    assert [t["name"] for t in response.json()["tags"]] == ["a", "b"]


async def test_a_deadlock_is_run_again(pg_client: AsyncClient, postgres_url: str) -> None:
    """A real deadlock (a transaction that takes the same locks in the other order)
    aborts the request's transaction: the request runs again from the start, once the
    other transaction is through, and succeeds."""
    response = await _tag_race(pg_client, postgres_url, ["a", "b"], ("b", "a"))
    assert response.status_code == 201, response.text
    assert [t["name"] for t in response.json()["tags"]] == ["a", "b"]


async def test_a_deadlock_on_the_last_attempt_is_a_503_to_retry(
    pg_client: AsyncClient, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the last attempt is the one deadlocked (here the only one), the client gets a
    problem to retry, with nothing written, never a 500."""
    monkeypatch.setattr(routing, "ATTEMPTS", 1)
    response = await _tag_race(pg_client, postgres_url, ["a", "b"], ("b", "a"))
    body = assert_problem(response, 503)
    assert body["type"].endswith("/transaction-conflict")
    assert response.headers["retry-after"] == "1"
    conn = await asyncpg.connect(asyncpg_dsn(postgres_url))
    try:
        assert await conn.fetchval("SELECT count(*) FROM posts") == 0
    finally:
        await conn.close()
