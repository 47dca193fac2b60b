"""Usernames are one name without regard to case: unique so, found so, and a login's
failures count against the account whichever of its names the login gives."""

import pytest
from httpx import AsyncClient

from tests.factories import (
    assert_conduit_error,
    assert_problem,
    make_account,
    make_conduit_user,
    make_user,
    request_token,
    user_payload,
)


@pytest.mark.parametrize("taken", ["Ada_Lovelace", "ADA_LOVELACE", "ada_lovelace"])
async def test_a_username_in_other_case_is_taken(client: AsyncClient, taken: str) -> None:
    await make_user(client, username="ada_Lovelace")
    response = await client.post("/users/", json=user_payload(username=taken))
    assert assert_problem(response, 409)["detail"] == "A user with this username already exists."
    renamed = await make_account(client)
    change = await client.patch(
        f"/users/{renamed.id}", json={"username": taken}, headers=renamed.headers
    )
    assert_problem(change, 409)
    conduit = await client.post(
        "/api/users",
        json={
            "user": {"username": taken, "email": "another@example.com", "password": "pw-1234567"}
        },
    )
    assert_conduit_error(conduit, 422, "username")


async def test_logins_and_profiles_find_a_username_in_any_case(client: AsyncClient) -> None:
    writer = await make_conduit_user(client, username="Grace_Hopper")
    assert (await request_token(client, "grace_hopper", writer.password)).status_code == 200
    credentials = {"email": writer.user["email"], "password": writer.password}
    assert (await client.post("/api/users/login", json={"user": credentials})).status_code == 200
    profile = await client.get("/api/profiles/GRACE_HOPPER")
    assert profile.status_code == 200
    assert profile.json()["profile"]["username"] == "Grace_Hopper"


async def test_a_login_counts_failures_per_account_whatever_name_it_gives(
    client: AsyncClient,
) -> None:
    account = await make_account(client, username="Alan_Turing")
    email = (await client.get("/users/me", headers=account.headers)).json()["email"]
    # LOGIN_MAX_FAILURES_PER_ACCOUNT = 5, under five names of one account.
    for name in ["Alan_Turing", "alan_turing", "ALAN_TURING", email, email.upper()]:
        assert_problem(await request_token(client, name, "wrong-password"), 401)
    assert_problem(await request_token(client, email, account.password), 429)
    assert_problem(await request_token(client, "alan_TURING", account.password), 429)
