"""OWASP API3:2023 broken object property level authorization.

Mass assignment: no request can set a property the client does not own. (That
no response carries a password hash or the signing secret is checked for every
response of the whole suite by the `api_client` in tests/conftest.py.)
"""

import base64
import json
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient

from inkwell.core.config import Settings
from tests.factories import (
    PRIVATE_USER_FIELDS,
    USER_FIELDS,
    assert_problem,
    make_account,
    make_post,
    post_payload,
    user_payload,
)
from tests.support import api_client

FORBIDDEN_USER_FIELDS = [
    {"credits": "1000000.00"},
    {"hashed_password": "$argon2id$v=19$m=1,t=1,p=1$c2FsdA$aGFzaA"},
    {"id": 1},
    {"created_at": "2000-01-01T00:00:00Z"},
    {"updated_at": "2000-01-01T00:00:00Z"},
    {"closed_at": None},
    {"password": "new-password-1"},
    {"is_active": False},
]


@pytest.mark.parametrize("extra", FORBIDDEN_USER_FIELDS)
async def test_registration_refuses_privileged_fields(
    client: AsyncClient, extra: dict[str, Any]
) -> None:
    body = user_payload(**extra) if "password" not in extra else {**user_payload(), **extra}
    response = await client.post("/users/", json=body)
    if "password" in extra:
        assert response.status_code == 201  # the password is the caller's own to set
        assert response.json()["credits"] == "100.00"
        return
    assert_problem(response, 422)
    assert (await client.get("/users/")).json() == []


@pytest.mark.parametrize("extra", FORBIDDEN_USER_FIELDS)
async def test_profile_update_refuses_privileged_fields(
    client: AsyncClient, extra: dict[str, Any]
) -> None:
    account = await make_account(client)
    url = f"/users/{account.id}"
    assert_problem(await client.patch(url, json=extra, headers=account.headers), 422)
    assert (await client.get(url, headers=account.headers)).json() == account.user


@pytest.mark.parametrize(
    "extra",
    [{"author_id": 1}, {"id": 99}, {"created_at": "2000-01-01T00:00:00Z"}, {"author": {"id": 2}}],
)
async def test_posts_refuse_privileged_fields(client: AsyncClient, extra: dict[str, Any]) -> None:
    author = await make_account(client)
    other = await make_account(client)
    extra = {k: (other.id if k == "author_id" else v) for k, v in extra.items()}
    created = await client.post(
        f"/users/{author.id}/posts/", json=post_payload(**extra), headers=author.headers
    )
    assert_problem(created, 422)
    post = await make_post(client, author, published=True)
    patched = await client.patch(f"/posts/{post['id']}", json=extra, headers=author.headers)
    assert_problem(patched, 422)
    assert (await client.get(f"/posts/{post['id']}")).json() == post


@pytest.mark.parametrize("caller", ["self", "other"])
async def test_nobody_can_deactivate_an_account_over_the_api(
    client: AsyncClient, caller: str
) -> None:
    """Deactivation is an operator's switch; the holder leaves by closing the account."""
    owner = await make_account(client)
    other = await make_account(client)
    headers = owner.headers if caller == "self" else other.headers
    response = await client.patch(f"/users/{owner.id}", json={"is_active": False}, headers=headers)
    body = assert_problem(response, 422)  # not a field of the body, whoever sends it
    assert body["errors"][0]["loc"] == ["body", "is_active"]
    me = await client.get("/users/me", headers=owner.headers)
    assert me.json()["is_active"] is True


async def test_responses_expose_no_private_fields(client: AsyncClient) -> None:
    account = await make_account(client)
    other = await make_account(client)
    post = await make_post(client, account, published=True)
    for headers in ({}, other.headers):
        user = (await client.get(f"/users/{account.id}", headers=headers)).json()
        assert set(user) == USER_FIELDS
        listing = (await client.get("/users/", headers=headers)).json()
        assert all(set(u) == USER_FIELDS for u in listing)
    assert set(post["author"]) == {"id", "username", "full_name"}
    await client.post(
        "/transfers/", json={"to_user_id": other.id, "amount": "1"}, headers=account.headers
    )
    for row in (await client.get("/transfers/", headers=other.headers)).json():
        assert set(row) == {"id", "kind", "from_user_id", "to_user_id", "amount", "created_at"}


def test_openapi_has_a_public_and_a_private_user_document(app: FastAPI) -> None:
    schemas = app.openapi()["components"]["schemas"]
    assert set(schemas["UserRead"]["properties"]) == USER_FIELDS
    assert set(schemas["UserPrivate"]["properties"]) == PRIVATE_USER_FIELDS


async def test_the_suite_wide_scan_catches_a_leak(settings: Settings) -> None:
    """The response scan every test client runs would fail a leaking response."""
    leaky = FastAPI()
    leaky.state.settings = settings
    secret = settings.jwt_secret.get_secret_value()

    @leaky.get("/hash")
    async def hash_() -> dict[str, str]:
        return {"hashed_password": "$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$aGFzaA"}

    @leaky.get("/secret")
    async def secret_() -> dict[str, str]:
        return {"oops": secret}

    @leaky.get("/users/{user_id}")
    async def user_(user_id: int) -> list[dict[str, Any]]:
        return [{"id": user_id, "username": "x", "email": "x@example.com", "credits": "1.00"}]

    holder = {"Authorization": f"Bearer {_unsigned_token(sub='2')}"}
    someone = {"Authorization": f"Bearer {_unsigned_token(sub='3')}"}
    async with api_client(leaky) as client:
        leaks = [("/hash", {}), ("/secret", {}), ("/users/2", {}), ("/users/2", someone)]
        for path, headers in leaks:
            with pytest.raises(AssertionError, match="in http://test/"):
                await client.get(path, headers=headers)
        assert (await client.get("/users/2", headers=holder)).status_code == 200


def _unsigned_token(**claims: str) -> str:
    """A JWT-shaped token: the scan reads its `sub` and never checks the signature."""
    parts = [{"alg": "none"}, claims]
    encoded = (base64.urlsafe_b64encode(json.dumps(p).encode()).decode() for p in parts)
    return ".".join(encoded) + ".x"
