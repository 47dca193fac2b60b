"""OWASP API3:2023 broken object property level authorization.

Mass assignment: no request can set a property the client does not own. (That
no response carries a password hash or the signing secret is checked for every
response of the whole suite by the `api_client` in tests/conftest.py.)
"""

from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient

from inkwell.core.config import Settings
from tests.conftest import api_client
from tests.factories import (
    USER_FIELDS,
    assert_problem,
    make_account,
    make_post,
    post_payload,
    user_payload,
)

FORBIDDEN_USER_FIELDS = [
    {"credits": "1000000.00"},
    {"hashed_password": "$argon2id$v=19$m=1,t=1,p=1$c2FsdA$aGFzaA"},
    {"id": 1},
    {"created_at": "2000-01-01T00:00:00Z"},
    {"updated_at": "2000-01-01T00:00:00Z"},
    {"closed_at": None},
    {"password": "new-password-1"},
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
    assert (await client.get(url)).json() == account.user


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


async def test_another_user_cannot_be_deactivated(client: AsyncClient) -> None:
    owner = await make_account(client)
    other = await make_account(client)
    response = await client.patch(
        f"/users/{owner.id}", json={"is_active": False}, headers=other.headers
    )
    assert_problem(response, 403)
    assert (await client.get(f"/users/{owner.id}")).json()["is_active"] is True


async def test_responses_expose_no_private_fields(client: AsyncClient) -> None:
    account = await make_account(client)
    post = await make_post(client, account, published=True)
    user = (await client.get(f"/users/{account.id}")).json()
    assert set(user) == USER_FIELDS
    assert set(post["author"]) == {"id", "username", "full_name"}


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

    async with api_client(leaky) as client:
        for path in ("/hash", "/secret"):
            with pytest.raises(AssertionError, match="in http://test/"):
                await client.get(path)
