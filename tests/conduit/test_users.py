"""The Conduit dialect's accounts: registration, login, the current user, its errors."""

import pytest
from httpx import AsyncClient, Response

from tests.factories import assert_conduit_error, make_account, make_conduit_user

USER_MEMBERS = {"email", "token", "username", "bio", "image"}


async def test_registration_gives_a_token_usable_at_once(client: AsyncClient) -> None:
    writer = await make_conduit_user(client, username="ada", email="Ada@Example.com")
    assert set(writer.user) == USER_MEMBERS
    assert writer.user["email"] == "ada@example.com"
    assert writer.user["bio"] is None
    assert writer.user["image"] is None
    response = await client.get("/api/user", headers=writer.headers)
    assert response.status_code == 200, response.text
    assert response.json() == {"user": writer.user}


async def test_registration_answers_with_and_without_the_trailing_slash(
    client: AsyncClient,
) -> None:
    body = {"user": {"username": "bob", "email": "bob@example.com", "password": "pass-word-1"}}
    response = await client.post("/api/users/", json=body)
    assert response.status_code == 201, response.text
    assert response.headers["cache-control"] == "no-store"


async def test_a_taken_username_or_email_is_a_422_about_that_field(client: AsyncClient) -> None:
    await make_conduit_user(client, username="ada", email="ada@example.com")
    for taken, field in (
        ({"username": "ada"}, "username"),
        ({"email": "ada@example.com"}, "email"),
    ):
        user = {"username": "other", "email": "other@example.com", "password": "pass-word-1"}
        response = await client.post("/api/users", json={"user": {**user, **taken}})
        errors = assert_conduit_error(response, 422, field)
        assert errors[field] == ["has already been taken"]


async def test_invalid_registrations_name_their_fields(client: AsyncClient) -> None:
    response = await client.post("/api/users", json={"user": {"username": "ab", "email": "x"}})
    assert_conduit_error(response, 422, "username", "email", "password")
    response = await client.post("/api/users", json={"username": "abc"})
    assert assert_conduit_error(response, 422, "user")["user"] == ["can't be blank"]
    response = await client.post(
        "/api/users", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert_conduit_error(response, 422)


async def test_login_by_email_and_password(client: AsyncClient) -> None:
    writer = await make_conduit_user(client, email="ada@example.com")
    credentials = {"email": "ada@example.com", "password": writer.password}
    response = await client.post("/api/users/login", json={"user": credentials})
    assert response.status_code == 200, response.text
    user = response.json()["user"]
    assert set(user) == USER_MEMBERS
    assert user["username"] == writer.username
    me = await client.get("/api/user", headers={"Authorization": f"Token {user['token']}"})
    assert me.json()["user"]["email"] == "ada@example.com"


async def test_a_wrong_password_is_a_401(client: AsyncClient) -> None:
    await make_conduit_user(client, email="ada@example.com")
    credentials = {"email": "ada@example.com", "password": "wrong-password"}
    response = await client.post("/api/users/login", json={"user": credentials})
    assert_conduit_error(response, 401)
    assert response.headers["www-authenticate"] == "Token"


async def test_the_current_user_needs_a_valid_token(client: AsyncClient) -> None:
    writer = await make_conduit_user(client)
    for headers in (
        {},
        {"Authorization": "Token"},
        {"Authorization": "Token not.a.jwt"},
        {"Authorization": f"Basic {writer.user['token']}"},
        {"Authorization": f"Token {writer.user['token']}x"},
    ):
        response = await client.get("/api/user", headers=headers)
        assert_conduit_error(response, 401)
        assert response.headers["www-authenticate"] == "Token"


async def test_a_bearer_token_is_accepted_too(client: AsyncClient) -> None:
    writer = await make_conduit_user(client)
    headers = {"Authorization": f"Bearer {writer.user['token']}"}
    response = await client.get("/api/user", headers=headers)
    assert response.status_code == 200


async def test_the_native_api_keeps_problem_documents(client: AsyncClient) -> None:
    response = await client.get("/users/me")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    response = await client.get("/api/nowhere")
    assert_conduit_error(response, 404)
    response = await client.get("/apix")
    assert response.headers["content-type"] == "application/problem+json"


async def test_a_settings_form_with_empty_fields_changes_nothing_else(
    client: AsyncClient,
) -> None:
    writer = await make_conduit_user(client, email="ada@example.com")
    form = {"email": "", "username": "", "password": "", "bio": "", "image": ""}
    response = await client.put("/api/user", json={"user": form}, headers=writer.headers)
    assert response.status_code == 200, response.text
    assert response.json()["user"] == writer.user
    credentials = {"email": "ada@example.com", "password": writer.password}
    login = await client.post("/api/users/login", json={"user": credentials})
    assert login.status_code == 200, "an empty password must not replace the password"
    credentials["password"] = ""
    assert_conduit_error(await client.post("/api/users/login", json={"user": credentials}), 422)


async def test_changing_the_account(client: AsyncClient) -> None:
    writer = await make_conduit_user(client)
    change = {
        "email": "new@example.com",
        "username": "renamed",
        "password": "a-new-password",
        "bio": "I write.",
        "image": "https://example.com/me.png",
    }
    response = await client.put("/api/user", json={"user": change}, headers=writer.headers)
    assert response.status_code == 200, response.text
    user = response.json()["user"]
    assert {k: user[k] for k in ("email", "username", "bio", "image")} == {
        k: change[k] for k in ("email", "username", "bio", "image")
    }
    # A new password ends the sessions of before; the answer carries a new token.
    assert user["token"] != writer.user["token"]
    assert (await client.get("/api/user", headers=writer.headers)).status_code == 401
    renewed = {"Authorization": f"Token {user['token']}"}
    assert (await client.get("/api/user", headers=renewed)).json()["user"]["username"] == "renamed"
    credentials = {"email": "new@example.com", "password": "a-new-password"}
    assert (await client.post("/api/users/login", json={"user": credentials})).status_code == 200
    profile = (await client.get("/api/profiles/renamed")).json()["profile"]
    assert (profile["bio"], profile["image"]) == ("I write.", "https://example.com/me.png")
    cleared = await client.put(
        "/api/user", json={"user": {"bio": "", "image": None}}, headers=renewed
    )
    assert (cleared.json()["user"]["bio"], cleared.json()["user"]["image"]) == (None, None)


async def test_invalid_changes_are_422s_and_change_nothing(client: AsyncClient) -> None:
    writer = await make_conduit_user(client)
    other = await make_conduit_user(client)
    for change, field in (
        ({"image": "javascript:alert(1)"}, "image"),
        ({"password": "short"}, "password"),
        ({"email": "not an address"}, "email"),
        ({"username": other.username}, "username"),
        ({"email": other.user["email"]}, "email"),
    ):
        response = await client.put("/api/user", json={"user": change}, headers=writer.headers)
        assert_conduit_error(response, 422, field)
    me = await client.get("/api/user", headers=writer.headers)
    assert me.json()["user"] == writer.user
    assert_conduit_error(await client.put("/api/user", json={"user": {}}), 401)


@pytest.mark.settings(email_change_max_per_account=3)
async def test_email_changes_are_throttled_with_the_native_ones(client: AsyncClient) -> None:
    ada, bob = await make_account(client), await make_account(client)

    async def put(email: str) -> Response:
        body = {"user": {"email": email}}
        return await client.put("/api/user", json=body, headers=ada.headers)

    # A settings form sends the address unchanged: that costs nothing.
    for _ in range(4):
        assert (await put(ada.user["email"])).status_code == 200
    assert_conduit_error(await put(bob.user["email"]), 422, "email")
    native = await client.patch(
        f"/users/{ada.id}", json={"email": "ada.new@example.com"}, headers=ada.headers
    )
    assert native.status_code == 200
    assert_conduit_error(await put(bob.user["email"]), 422, "email")
    refused = await put("ada.newer@example.com")
    assert_conduit_error(refused, 429, "body")
    assert 3590 <= int(refused.headers["retry-after"]) <= 3600
    assert_conduit_error(await put(bob.user["email"]), 429)
    current = await client.get("/api/user", headers=ada.headers)
    assert current.json()["user"]["email"] == "ada.new@example.com"
