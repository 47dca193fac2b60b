"""Login throttling per account and per client address, counted in the database."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from fastapi import FastAPI
from httpx import AsyncClient, Response
from sqlalchemy import update

from inkwell.main import create_app
from inkwell.models import LoginFailure
from tests.conftest import api_client, make_settings
from tests.factories import assert_problem, make_user


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


async def _login(client: AsyncClient, username: str, password: str) -> Response:
    return await client.post("/auth/token", data={"username": username, "password": password})


async def test_account_is_throttled_after_failures(
    strict: tuple[FastAPI, AsyncClient],
) -> None:
    _, client = strict
    user = await make_user(client, password="right-password")
    for _ in range(3):
        assert_problem(await _login(client, user["username"], "wrong-password"), 401)
    blocked = await _login(client, user["username"], "right-password")
    body = assert_problem(blocked, 429)
    assert 1 <= int(blocked.headers["retry-after"]) <= 900
    assert "Too many" in body["detail"]
    # The same account by another spelling is the same bucket.
    assert_problem(await _login(client, user["username"].upper(), "x"), 429)
    other = await make_user(client, password="right-password")
    assert (await _login(client, other["username"], "right-password")).status_code == 200


async def test_success_clears_the_account_count(strict: tuple[FastAPI, AsyncClient]) -> None:
    _, client = strict
    user = await make_user(client, password="right-password")
    for _ in range(2):
        await _login(client, user["username"], "wrong-password")
    assert (await _login(client, user["username"], "right-password")).status_code == 200
    for _ in range(2):
        assert_problem(await _login(client, user["username"], "wrong-password"), 401)
    assert (await _login(client, user["username"], "right-password")).status_code == 200


async def test_address_is_throttled_across_accounts(
    strict: tuple[FastAPI, AsyncClient],
) -> None:
    _, client = strict
    for i in range(6):
        assert_problem(await _login(client, f"nobody{i}", "guess"), 401)
    user = await make_user(client, password="right-password")
    assert_problem(await _login(client, user["username"], "right-password"), 429)


async def test_failures_expire_with_the_window(strict: tuple[FastAPI, AsyncClient]) -> None:
    app, client = strict
    user = await make_user(client, password="right-password")
    for _ in range(3):
        await _login(client, user["username"], "wrong-password")
    assert_problem(await _login(client, user["username"], "right-password"), 429)
    async with app.state.engine.begin() as conn:
        old = datetime(2000, 1, 1, tzinfo=UTC)
        await conn.execute(update(LoginFailure).values(created_at=old))
    assert (await _login(client, user["username"], "right-password")).status_code == 200
