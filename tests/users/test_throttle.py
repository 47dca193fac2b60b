"""The users domain's throttles, counted in the database, exact under concurrency:
registrations per client address (each account is granted STARTING_CREDITS, so
unlimited registrations would mint money), and e-mail changes per account (each answer
says whether another account holds the address)."""

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

from inkwell.main import create_app
from tests.factories import assert_problem, login, make_account, user_payload
from tests.support import api_client, make_settings


@pytest.fixture
async def limited(app: FastAPI, db_url: str) -> AsyncIterator[FastAPI]:
    """Three registrations per address and hour, on the database `app` has emptied."""
    limited_app = create_app(make_settings(db_url, register_max_per_address=3))
    async with limited_app.router.lifespan_context(limited_app):
        yield limited_app


def _from(app: FastAPI, address: str) -> AsyncClient:
    transport = ASGITransport(app=app, client=(address, 40000))
    return AsyncClient(transport=transport, base_url="http://test")


async def test_registrations_beyond_the_limit_get_429(limited: FastAPI) -> None:
    async with api_client(limited) as client, _from(limited, "198.51.100.7") as elsewhere:
        for _ in range(3):
            assert (await client.post("/users/", json=user_payload())).status_code == 201
        refused = await client.post("/users/", json=user_payload())
        body = assert_problem(refused, 429)
        assert body["type"].endswith("/too-many-registrations")
        assert 3590 <= int(refused.headers["retry-after"]) <= 3600
        # Another address has its own count.
        assert (await elsewhere.post("/users/", json=user_payload())).status_code == 201


async def _register(app: FastAPI, address: str) -> int:
    async with _from(app, address) as client:
        return (await client.post("/users/", json=user_payload())).status_code


async def test_an_ipv6_network_is_one_client(limited: FastAPI) -> None:
    # One host holds a whole /64: a fresh address of it for every registration is
    # still the same client, with one budget.
    same = ["2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2:ffff:ffff:ffff:fffe"]
    assert [await _register(limited, address) for address in same] == [201] * 3
    async with _from(limited, "2001:db8:1:2:abcd::9") as client:
        refused = await client.post("/users/", json=user_payload())
    assert_problem(refused, 429)
    assert "retry-after" in refused.headers
    # Another /64, even of the same /48, is another client.
    assert await _register(limited, "2001:db8:1:3::1") == 201


async def test_an_ipv4_mapped_address_is_its_ipv4_address(limited: FastAPI) -> None:
    assert await _register(limited, "198.51.100.7") == 201
    assert await _register(limited, "::ffff:198.51.100.7") == 201
    assert await _register(limited, "::ffff:c633:6407") == 201  # the same, in hex
    assert await _register(limited, "198.51.100.7") == 429
    assert await _register(limited, "198.51.100.8") == 201


async def test_the_ipv6_prefix_is_a_setting(app: FastAPI, db_url: str) -> None:
    settings = make_settings(db_url, register_max_per_address=1, throttle_ipv6_prefix=128)
    each = create_app(settings)
    async with each.router.lifespan_context(each):
        assert await _register(each, "2001:db8::1") == 201
        assert await _register(each, "2001:db8::2") == 201
        assert await _register(each, "2001:db8::1") == 429


async def test_parallel_registrations_get_exactly_the_limit(limited: FastAPI) -> None:
    async with api_client(limited) as client:
        answers = await asyncio.gather(
            *(client.post("/users/", json=user_payload()) for _ in range(30))
        )
    statuses = sorted(r.status_code for r in answers)
    assert statuses == [201] * 3 + [429] * 27
    assert all("retry-after" in r.headers for r in answers if r.status_code == 429)


async def test_starting_credits_zero_grants_nothing(app: FastAPI, db_url: str) -> None:
    free = create_app(make_settings(db_url, starting_credits=0))
    async with free.router.lifespan_context(free), api_client(free) as client:
        payload = user_payload()
        user = (await client.post("/users/", json=payload)).json()
        assert user["credits"] == "0.00"
        headers = await login(client, user["username"], payload["password"])
        ledger = await client.get("/transfers/", headers=headers)
        assert ledger.status_code == 200
        assert ledger.json() == []


@pytest.mark.settings(email_change_max_per_account=3)
async def test_email_changes_are_throttled_taken_or_not(client: AsyncClient) -> None:
    ada, bob = await make_account(client), await make_account(client)
    taken = {"email": bob.user["email"]}

    async def change(body: dict[str, str], account: Any = ada) -> Any:
        return await client.patch(f"/users/{account.id}", json=body, headers=account.headers)

    # One's own address (in any case) changes nothing and costs nothing.
    for _ in range(4):
        assert (await change({"email": ada.user["email"].upper()})).status_code == 200
    # A taken address costs what a free one does.
    assert_problem(await change(taken), 409)
    assert (await change({"email": "ada.new@example.com"})).status_code == 200
    assert_problem(await change(taken), 409)
    refused = await change({"email": "ada.newer@example.com"})
    body = assert_problem(refused, 429)
    assert body["type"].endswith("/too-many-email-changes")
    assert 3590 <= int(refused.headers["retry-after"]) <= 3600
    assert_problem(await change(taken), 429)  # the oracle is closed too
    # Nothing half-written; other changes go on; Bob's budget is his own.
    me = await client.get("/users/me", headers=ada.headers)
    assert me.json()["email"] == "ada.new@example.com"
    assert (await change({"full_name": "Ada K"})).status_code == 200
    assert (await change({"email": "bob.new@example.com"}, bob)).status_code == 200


@pytest.mark.settings(email_change_max_per_account=3)
async def test_parallel_email_changes_get_exactly_the_limit(client: AsyncClient) -> None:
    ada, bob = await make_account(client), await make_account(client)
    answers = await asyncio.gather(
        *(
            client.patch(f"/users/{ada.id}", json={"email": bob.user["email"]}, headers=ada.headers)
            for _ in range(12)
        )
    )
    assert sorted(r.status_code for r in answers) == [409] * 3 + [429] * 9
