"""Login and bearer tokens, on both databases."""

import time
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import jwt
import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from pydantic import ValidationError
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from inkwell.auth import service as auth_service
from inkwell.auth.hashing import PasswordHasher
from inkwell.core.config import DEFAULT_JWT_SECRET, Settings
from inkwell.main import create_app
from tests.factories import assert_problem, deactivate, make_account, make_user, request_token
from tests.support import api_client, make_settings


@pytest.mark.parametrize("by", ["username", "email"])
async def test_login_returns_a_bearer_token(client: AsyncClient, by: str) -> None:
    user = await make_user(client, email="Login@Example.com", password="right-password")
    login = user[by].upper() if by == "email" else user[by]
    response = await request_token(client, login, "right-password")
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 30 * 60
    me = await client.get("/users/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.json()["id"] == user["id"]


async def test_failed_logins_all_look_the_same(client: AsyncClient, engine: AsyncEngine) -> None:
    user = await make_user(client, password="right-password")
    inactive = await make_account(client, password="right-password")
    await deactivate(engine, inactive.id)
    attempts = [
        await request_token(client, user["username"], "wrong-password"),
        await request_token(client, "no-such-user", "right-password"),
        await request_token(client, inactive.user["username"], "right-password"),
    ]
    bodies = []
    for response in attempts:
        body = assert_problem(response, 401)
        assert response.headers["www-authenticate"] == "Bearer"
        bodies.append({k: v for k, v in body.items() if k != "instance"})
    assert bodies[0] == bodies[1] == bodies[2]


async def test_unknown_account_costs_a_hash_verification(app: FastAPI, client: AsyncClient) -> None:
    hasher: PasswordHasher = app.state.hasher
    calls: list[str] = []
    original = hasher.verify_and_update

    async def spy(password: str, hashed: str) -> tuple[bool, str | None]:
        calls.append(hashed)
        return await original(password, hashed)

    hasher.verify_and_update = spy  # type: ignore[method-assign]
    await request_token(client, "ghost", "whatever-password")
    assert calls == [hasher.dummy_hash]


@pytest.mark.parametrize(
    ("form", "status"),
    [
        ({"username": "x"}, 422),
        ({"password": "x"}, 422),
        ({"username": "a\u0000b", "password": "pw"}, 422),
        ({"username": "u" * 256, "password": "pw"}, 422),
        ({"username": "u", "password": "pw", "grant_type": "client_credentials"}, 422),
    ],
)
async def test_malformed_login_form(client: AsyncClient, form: dict[str, str], status: int) -> None:
    assert_problem(await client.post("/auth/token", data=form), status)


async def test_password_is_rehashed_when_parameters_change(
    client: AsyncClient, engine: AsyncEngine, settings: Settings
) -> None:
    user = await make_user(client, password="right-password")
    stronger = create_app(make_settings(settings.database_url, argon2_time_cost=2))
    async with (
        stronger.router.lifespan_context(stronger),
        api_client(stronger) as c,
    ):
        assert (await request_token(c, user["username"], "right-password")).status_code == 200
    async with engine.connect() as conn:
        stored = await conn.scalar(
            text("SELECT hashed_password FROM users WHERE id = :id"), {"id": user["id"]}
        )
    assert ",t=2," in stored
    assert (await request_token(client, user["username"], "right-password")).status_code == 200


def _token(settings: Settings, **claims: Any) -> str:
    now = datetime.now(UTC)
    payload = {"sub": "1", "iat": now, "exp": now + timedelta(minutes=5), **claims}
    return jwt.encode(payload, settings.jwt_secret.get_secret_value(), algorithm="HS256")


def _bad_tokens(settings: Settings, good: str) -> dict[str, str]:
    header, payload, signature = good.split(".")
    past = datetime.now(UTC) - timedelta(hours=1)
    unsigned = jwt.encode({"sub": "1", "iat": past, "exp": past + timedelta(days=9)}, None, "none")
    return {
        "expired": _token(settings, exp=past),
        "tampered": f"{header}.{payload[:-4]}AAAA.{signature}",
        "alg none": unsigned,
        "wrong secret": jwt.encode(
            {"sub": "1", "iat": past, "exp": past + timedelta(days=1)}, "x" * 40, "HS256"
        ),
        "malformed": "not-a-jwt",
        "no subject": jwt.encode(
            {"iat": past, "exp": past + timedelta(days=1)},
            settings.jwt_secret.get_secret_value(),
            "HS256",
        ),
        "subject not an id": _token(settings, sub="admin"),
        "subject out of range": _token(settings, sub=str(2**40)),
        "unknown user": _token(settings, sub="999999"),
    }


async def test_bad_tokens_are_401(client: AsyncClient, settings: Settings) -> None:
    account = await make_account(client)
    good = account.headers["Authorization"].removeprefix("Bearer ")
    for name, token in _bad_tokens(settings, good).items():
        response = await client.get("/users/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, name
        assert response.headers["www-authenticate"] == "Bearer", name
        assert response.headers["content-type"].startswith("application/problem+json")
    basic = await client.get("/users/me", headers={"Authorization": "Basic dXNlcjpwdw=="})
    assert_problem(basic, 401)


async def test_optional_auth_still_rejects_a_bad_token(client: AsyncClient) -> None:
    response = await client.get("/posts/", headers={"Authorization": "Bearer not-a-jwt"})
    assert_problem(response, 401)


def test_production_refuses_the_default_secret() -> None:
    with pytest.raises(ValidationError, match="JWT_SECRET"):
        Settings(_env_file=None, environment="production")  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="JWT_SECRET"):
        Settings(_env_file=None, environment="production", jwt_secret="short")  # type: ignore[call-arg]
    ok = Settings(_env_file=None, environment="production", jwt_secret="s" * 32)  # type: ignore[call-arg]
    assert ok.jwt_secret.get_secret_value() != DEFAULT_JWT_SECRET


@pytest.mark.parametrize(
    ("password", "status"), [("right-password", 200), ("wrong-password", 401), ("", 422)]
)
async def test_token_responses_are_never_cached(
    client: AsyncClient, password: str, status: int
) -> None:
    # RFC 6749 5.1: a token (or an answer about one) must not be kept by any cache.
    user = await make_user(client, password="right-password")
    response = await request_token(client, user["username"], password)
    assert response.status_code == status
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["pragma"] == "no-cache"
    me = await client.get("/users/me")
    assert "cache-control" not in me.headers


async def test_a_token_accepted_before_expires_all_the_same(
    client: AsyncClient, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A token's signature is checked once and what it says kept: its expiry is checked
    on every use all the same."""
    account = await make_account(client)
    assert (await client.get("/users/me", headers=account.headers)).status_code == 200
    expired = time.time() + settings.access_token_minutes * 60 + 1
    monkeypatch.setattr(auth_service, "time", SimpleNamespace(time=lambda: expired))
    assert_problem(await client.get("/users/me", headers=account.headers), 401)
