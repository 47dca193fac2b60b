"""A real PostgreSQL outage and a slow query: 503 problems, then recovery by itself."""

import asyncio

import asyncpg
import pytest
from httpx import AsyncClient
from sqlalchemy.engine import make_url

from tests.factories import assert_problem, make_account, make_user


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _terminate_service_backends(url: str) -> int:
    """Kill every connection the service holds, as a database restart would."""
    conn = await asyncpg.connect(_dsn(url))
    try:
        killed = await conn.fetch(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = 'inkwell' AND datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
    finally:
        await conn.close()
    return len(killed)


@pytest.mark.parametrize("pg_app", [{"db_pool_pre_ping": True}], indirect=True)
async def test_pre_ping_hides_a_restart(pg_client: AsyncClient, postgres_url: str) -> None:
    user = await make_user(pg_client)
    assert await _terminate_service_backends(postgres_url) >= 1
    response = await pg_client.get(f"/users/{user['id']}")
    assert response.status_code == 200


@pytest.mark.parametrize("pg_app", [{"db_pool_pre_ping": False}], indirect=True)
async def test_outage_is_503_then_recovers(pg_client: AsyncClient, postgres_url: str) -> None:
    user = await make_user(pg_client)
    assert await _terminate_service_backends(postgres_url) >= 1
    statuses = [(await pg_client.get(f"/users/{user['id']}")).status_code for _ in range(3)]
    # The request that meets the dead connection is a 503; the pool then reconnects.
    assert statuses == [503, 200, 200]


@pytest.mark.parametrize("pg_app", [{"db_statement_timeout_ms": 300}], indirect=True)
async def test_slow_query_is_503_not_a_stuck_worker(
    pg_client: AsyncClient, postgres_url: str
) -> None:
    account = await make_account(pg_client)
    blocker = await asyncpg.connect(_dsn(postgres_url))
    try:
        # Another transaction holds the row: the PATCH waits on its lock until the
        # statement timeout cancels it.
        tx = blocker.transaction()
        await tx.start()
        await blocker.execute("SELECT * FROM users WHERE id = $1 FOR UPDATE", account.id)
        response = await asyncio.wait_for(
            pg_client.patch(
                f"/users/{account.id}", json={"full_name": "Slow"}, headers=account.headers
            ),
            timeout=10,
        )
        await tx.rollback()
    finally:
        await blocker.close()
    body = assert_problem(response, 503)
    assert response.headers["retry-after"]
    assert "statement" not in body["detail"].lower()
    after = await pg_client.get(f"/users/{account.id}")
    assert after.json()["full_name"] == account.user["full_name"]
