"""Login throttling per account and per client address, counted in the database, exact
under concurrency."""

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient, Response
from sqlalchemy import func, insert, select, update

from inkwell.auth import throttle
from inkwell.main import create_app
from inkwell.models import ThrottleHit
from tests.factories import assert_problem, make_user, request_token
from tests.support import api_client, make_settings


@pytest.fixture
async def strict(app: FastAPI, db_url: str) -> AsyncIterator[tuple[FastAPI, AsyncClient]]:
    """An app with low limits, on the database the `app` fixture has emptied."""
    settings = make_settings(
        db_url, login_max_failures_per_account=3, login_max_failures_per_address=6
    )
    strict_app = create_app(settings)
    async with (
        strict_app.router.lifespan_context(strict_app),
        api_client(strict_app) as client,
    ):
        yield strict_app, client


async def test_account_is_throttled_after_failures(
    strict: tuple[FastAPI, AsyncClient],
) -> None:
    _, client = strict
    user = await make_user(client, password="right-password")
    for _ in range(3):
        assert_problem(await request_token(client, user["username"], "wrong-password"), 401)
    blocked = await request_token(client, user["username"], "right-password")
    body = assert_problem(blocked, 429)
    assert 1 <= int(blocked.headers["retry-after"]) <= 900
    assert "Too many" in body["detail"]
    # The same account by another spelling is the same bucket.
    assert_problem(await request_token(client, user["username"].upper(), "x"), 429)
    other = await make_user(client, password="right-password")
    assert (await request_token(client, other["username"], "right-password")).status_code == 200


async def test_success_clears_the_account_count(strict: tuple[FastAPI, AsyncClient]) -> None:
    _, client = strict
    user = await make_user(client, password="right-password")
    for _ in range(2):
        await request_token(client, user["username"], "wrong-password")
    assert (await request_token(client, user["username"], "right-password")).status_code == 200
    for _ in range(2):
        assert_problem(await request_token(client, user["username"], "wrong-password"), 401)
    assert (await request_token(client, user["username"], "right-password")).status_code == 200


async def test_address_is_throttled_across_accounts(
    strict: tuple[FastAPI, AsyncClient],
) -> None:
    _, client = strict
    for i in range(6):
        assert_problem(await request_token(client, f"nobody{i}", "guess"), 401)
    user = await make_user(client, password="right-password")
    assert_problem(await request_token(client, user["username"], "right-password"), 429)


async def test_failures_from_one_ipv6_network_share_its_budget(
    strict: tuple[FastAPI, AsyncClient],
) -> None:
    app, _ = strict

    async def attempt(address: str, login: str) -> Response:
        transport = ASGITransport(app=app, client=(address, 40000))
        async with AsyncClient(transport=transport, base_url="http://test") as client:
            return await request_token(client, login, "guess")

    for i in range(6):  # six addresses of one /64, one failure each
        assert_problem(await attempt(f"2001:db8:7:7::{i + 1}", f"nobody{i}"), 401)
    assert_problem(await attempt("2001:db8:7:7:ffff::1", "nobody9"), 429)
    assert_problem(await attempt("2001:db8:7:8::1", "nobody9"), 401)


@pytest.mark.parametrize(
    ("address", "prefix", "key"),
    [
        ("192.0.2.7", 64, "192.0.2.7"),
        ("2001:db8:1:2:3:4:5:6", 64, "2001:db8:1:2::/64"),
        ("2001:db8:1:2:3:4:5:6", 48, "2001:db8:1::/48"),
        ("2001:db8:1:2:3:4:5:6", 128, "2001:db8:1:2:3:4:5:6/128"),
        ("2001:DB8:1:2::1", 64, "2001:db8:1:2::/64"),
        ("::ffff:192.0.2.7", 64, "192.0.2.7"),
        ("fe80::1%eth0", 64, "fe80::/64"),
        ("unknown", 64, "unknown"),
        ("testclient", 64, "testclient"),
    ],
)
def test_client_key(address: str, prefix: int, key: str) -> None:
    assert throttle.client_key(address, ipv6_prefix=prefix) == key


async def test_failures_expire_with_the_window(strict: tuple[FastAPI, AsyncClient]) -> None:
    app, client = strict
    user = await make_user(client, password="right-password")
    for _ in range(3):
        await request_token(client, user["username"], "wrong-password")
    assert_problem(await request_token(client, user["username"], "right-password"), 429)
    async with app.state.engine.begin() as conn:
        old = datetime(2000, 1, 1, tzinfo=UTC)
        await conn.execute(update(ThrottleHit).values(counts_until=old))
    assert (await request_token(client, user["username"], "right-password")).status_code == 200


def _statuses(responses: list[Response]) -> dict[int, int]:
    counted: dict[int, int] = {}
    for response in responses:
        counted[response.status_code] = counted.get(response.status_code, 0) + 1
        if response.status_code == 429:
            assert 1 <= int(response.headers["retry-after"]) <= 900
    return counted


async def test_parallel_wrong_passwords_get_exactly_the_account_limit(client: AsyncClient) -> None:
    # Each attempt is counted before its password is verified, under a lock on the
    # account: at most LOGIN_MAX_FAILURES_PER_ACCOUNT (5) guesses are ever tried.
    user = await make_user(client, password="right-password")
    attempts = [request_token(client, user["username"], f"wrong-{i}") for i in range(30)]
    assert _statuses(await asyncio.gather(*attempts)) == {401: 5, 429: 25}


async def test_parallel_failures_get_exactly_the_address_limit(
    strict: tuple[FastAPI, AsyncClient],
) -> None:
    _, client = strict
    attempts = [request_token(client, f"nobody{i}", "guess") for i in range(30)]
    assert _statuses(await asyncio.gather(*attempts)) == {401: 6, 429: 24}


async def test_parallel_correct_logins_all_succeed(strict: tuple[FastAPI, AsyncClient]) -> None:
    # Attempts in flight fill the account's limit of 3 many times over: the others
    # wait for them instead of being refused, and each success leaves nothing behind.
    app, client = strict
    user = await make_user(client, password="right-password")
    attempts = [request_token(client, user["username"], "right-password") for _ in range(40)]
    assert _statuses(await asyncio.gather(*attempts)) == {200: 40}
    async with app.state.engine.connect() as conn:
        logins = select(func.count()).where(ThrottleHit.key.startswith("login-"))
        assert await conn.scalar(logins) == 0


async def test_attempts_of_dead_requests_stop_counting(
    strict: tuple[FastAPI, AsyncClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    app, client = strict
    monkeypatch.setattr(throttle, "WAIT_SECONDS", 0.3)
    user = await make_user(client, password="right-password")
    # Three attempts whose requests died before they were settled.
    soon = datetime.now(UTC) + timedelta(seconds=throttle.PENDING_SECONDS)
    key = f"login-account:{user['id']}"
    async with app.state.engine.begin() as conn:
        await conn.execute(
            insert(ThrottleHit), [{"key": key, "pending": True, "counts_until": soon}] * 3
        )
    refused = await request_token(client, user["username"], "right-password")
    assert_problem(refused, 429)
    assert refused.headers["retry-after"] == "1"
    async with app.state.engine.begin() as conn:
        await conn.execute(
            update(ThrottleHit).values(counts_until=datetime(2000, 1, 1, tzinfo=UTC))
        )
    assert (await request_token(client, user["username"], "right-password")).status_code == 200
