"""The users API, on both databases."""

import asyncio

import pytest
from httpx import AsyncClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.factories import (
    PRIVATE_USER_FIELDS,
    USER_FIELDS,
    assert_problem,
    deactivate,
    make_account,
    make_post,
    make_user,
    public,
    user_payload,
)


async def test_register_returns_the_user_without_secrets(client: AsyncClient) -> None:
    payload = user_payload(email="Ada@Example.COM", full_name="Ada Lovelace")
    response = await client.post("/users/", json=payload)
    assert response.status_code == 201
    body = response.json()
    assert set(body) == PRIVATE_USER_FIELDS  # the holder's own document
    assert body["email"] == "ada@example.com"
    assert body["credits"] == "100.00"
    assert body["is_active"] is True
    assert body["created_at"].endswith("Z")
    assert payload["password"] not in response.text


async def test_password_is_stored_as_argon2_hash(client: AsyncClient, engine: AsyncEngine) -> None:
    user = await make_user(client, password="p4ssword-here")
    async with engine.connect() as conn:
        stored = await conn.scalar(
            text("SELECT hashed_password FROM users WHERE id = :id"), {"id": user["id"]}
        )
    assert stored.startswith("$argon2id$")
    assert "p4ssword-here" not in stored


@pytest.mark.parametrize("field", ["email", "username"])
async def test_duplicate_is_409(client: AsyncClient, field: str) -> None:
    first = await make_user(client)
    clash = first[field].upper() if field == "email" else first[field]
    response = await client.post("/users/", json=user_payload(**{field: clash}))
    body = assert_problem(response, 409)
    assert field in body["detail"]


@pytest.mark.parametrize("field", ["email", "username"])
async def test_duplicate_names_the_field_whatever_the_text(client: AsyncClient, field: str) -> None:
    # The violated index decides, not the message: PostgreSQL's names the key's value.
    first = await make_user(client, username="email_fan", email="username@example.com")
    response = await client.post("/users/", json=user_payload(**{field: first[field]}))
    assert assert_problem(response, 409)["detail"] == f"A user with this {field} already exists."


async def test_racing_registrations_one_wins(client: AsyncClient) -> None:
    payload = user_payload()
    responses = await asyncio.gather(*(client.post("/users/", json=payload) for _ in range(6)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201, 409, 409, 409, 409, 409]
    listing = await client.get("/users/")
    assert [u["username"] for u in listing.json()] == [payload["username"]]


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"password": "short"}, "password"),
        ({"password": "x" * 129}, "password"),
        ({"email": "not-an-email"}, "email"),
        ({"email": f"{'a' * 250}@example.com"}, "email"),
        ({"username": "ab"}, "username"),
        ({"username": "a" * 51}, "username"),
        ({"username": "bad name!"}, "username"),
        ({"full_name": "x" * 101}, "full_name"),
        ({"credits": "1000.00"}, "credits"),
        ({"is_active": False, "id": 7}, "id"),
        ({"username": 12345}, "username"),
        ({"full_name": "nul\u0000byte"}, "full_name"),
    ],
)
async def test_invalid_registration_is_422_and_stores_nothing(
    client: AsyncClient, over: dict[str, object], field: str
) -> None:
    response = await client.post("/users/", json=user_payload(**over))
    body = assert_problem(response, 422)
    assert any(field in err["loc"] for err in body["errors"])
    assert (await client.get("/users/")).json() == []


async def test_malformed_json_is_a_problem(client: AsyncClient) -> None:
    response = await client.post(
        "/users/", content=b'{"username": ', headers={"content-type": "application/json"}
    )
    assert_problem(response, 422)


async def test_list_newest_first_with_paging(client: AsyncClient) -> None:
    users = [await make_user(client) for _ in range(5)]
    newest_first = [u["id"] for u in reversed(users)]
    response = await client.get("/users/", params={"skip": 1, "limit": 3})
    assert response.status_code == 200
    assert [u["id"] for u in response.json()] == newest_first[1:4]


async def test_list_active_only(client: AsyncClient, engine: AsyncEngine) -> None:
    active = await make_user(client)
    inactive = await make_account(client)
    await deactivate(engine, inactive.id)
    default = [u["id"] for u in (await client.get("/users/")).json()]
    everyone = [u["id"] for u in (await client.get("/users/?active_only=false")).json()]
    assert default == [active["id"]]
    assert everyone == [inactive.id, active["id"]]


@pytest.mark.parametrize(
    "query", ["limit=0", "limit=101", "limit=-1", "skip=-1", "limit=abc", "active_only=maybe"]
)
async def test_list_bad_paging_is_422(client: AsyncClient, query: str) -> None:
    assert_problem(await client.get(f"/users/?{query}"), 422)


@pytest.mark.parametrize("path", ["/users", "/users/"])
async def test_collection_answers_with_and_without_slash(client: AsyncClient, path: str) -> None:
    created = await client.post(path, json=user_payload())
    assert created.status_code == 201
    listing = await client.get(path)
    assert listing.status_code == 200
    assert len(listing.json()) == 1


async def test_get_user(client: AsyncClient) -> None:
    user = await make_user(client)
    response = await client.get(f"/users/{user['id']}")
    assert response.status_code == 200
    assert response.json() == public(user)


async def test_private_fields_are_the_holders_alone(client: AsyncClient) -> None:
    """E-mail, balance and status: to the holder on every route, to nobody else."""
    owner = await make_account(client)
    other = await make_account(client)
    url = f"/users/{owner.id}"
    assert set(owner.user) == PRIVATE_USER_FIELDS  # the answer to the registration
    assert (await client.get(url, headers=owner.headers)).json() == owner.user
    assert (await client.get("/users/me", headers=owner.headers)).json() == owner.user
    patched = await client.patch(url, json={"full_name": "New"}, headers=owner.headers)
    assert patched.json() == {**owner.user, "full_name": "New"}
    for headers in (other.headers, {}):
        seen = (await client.get(url, headers=headers)).json()
        assert seen == public({**owner.user, "full_name": "New"})
        listed = (await client.get("/users/", headers=headers)).json()
        assert [set(u) for u in listed] == [USER_FIELDS, USER_FIELDS]


async def test_get_user_with_a_bad_token_is_401(client: AsyncClient) -> None:
    user = await make_user(client)
    bad = {"Authorization": "Bearer not-a-token"}
    assert_problem(await client.get(f"/users/{user['id']}", headers=bad), 401)


@pytest.mark.parametrize("user_id", ["abc", "0", "-5", "99999999999999999999", "1.5"])
async def test_get_bad_id_is_422(client: AsyncClient, user_id: str) -> None:
    assert_problem(await client.get(f"/users/{user_id}"), 422)


async def test_get_unknown_is_404(client: AsyncClient) -> None:
    body = assert_problem(await client.get("/users/12345"), 404)
    assert "12345" in body["detail"]


async def test_me_returns_the_caller(client: AsyncClient) -> None:
    account = await make_account(client)
    await make_account(client)
    response = await client.get("/users/me", headers=account.headers)
    assert response.status_code == 200
    assert response.json() == account.user


async def test_me_without_token_is_401(client: AsyncClient) -> None:
    response = await client.get("/users/me")
    assert_problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"


async def test_patch_changes_only_sent_fields(client: AsyncClient) -> None:
    account = await make_account(client, full_name="Old Name")
    url = f"/users/{account.id}"
    response = await client.patch(url, json={"username": "renamed"}, headers=account.headers)
    assert response.status_code == 200
    assert response.json() == {**account.user, "username": "renamed"}
    cleared = await client.patch(url, json={"full_name": None}, headers=account.headers)
    assert cleared.json()["full_name"] is None


@pytest.mark.parametrize(
    "patch",
    [
        {"credits": "999.00"},
        {"password": "new-password"},
        {"hashed_password": "x"},
        {"email": None},
        {"username": None},
        {"is_active": None},
        {"is_active": False},
        {"is_active": True},
        {"username": "x"},
        {"email": "nope"},
        {"id": 99},
        {"created_at": "2020-01-01T00:00:00Z"},
    ],
)
async def test_patch_refuses_bad_fields(client: AsyncClient, patch: dict[str, object]) -> None:
    account = await make_account(client)
    url = f"/users/{account.id}"
    assert_problem(await client.patch(url, json=patch, headers=account.headers), 422)
    assert (await client.get(url, headers=account.headers)).json() == account.user


async def test_patch_conflict_changes_nothing(client: AsyncClient) -> None:
    taken = await make_user(client)
    account = await make_account(client, full_name="Unchanged")
    response = await client.patch(
        f"/users/{account.id}",
        json={"full_name": "Changed", "email": taken["email"]},
        headers=account.headers,
    )
    assert_problem(response, 409)
    assert (await client.get(f"/users/{account.id}")).json()["full_name"] == "Unchanged"


@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
async def test_only_the_account_holder_may_change_it(client: AsyncClient, method: str) -> None:
    owner = await make_account(client)
    other = await make_account(client)
    url = f"/users/{owner.id}"
    body = {"json": {"full_name": "Hijacked"}} if method == "PATCH" else {}
    assert_problem(await client.request(method, url, headers=other.headers, **body), 403)
    anonymous = await client.request(method, url, **body)
    assert_problem(anonymous, 401)
    assert anonymous.headers["www-authenticate"] == "Bearer"
    assert (await client.get(url, headers=owner.headers)).json() == owner.user


async def test_delete_closes_the_account(client: AsyncClient, engine: AsyncEngine) -> None:
    account = await make_account(client)
    other = await make_account(client)
    post = await make_post(client, account, tags=["gone"], published=True)
    kept = await make_post(client, other, tags=["gone"], published=True)
    response = await client.delete(f"/users/{account.id}", headers=account.headers)
    assert response.status_code == 204
    assert response.content == b""
    assert_problem(await client.get(f"/users/{account.id}"), 404)
    assert_problem(await client.get(f"/posts/{post['id']}"), 404)
    assert (await client.get(f"/posts/{kept['id']}")).status_code == 200
    assert account.id not in [u["id"] for u in (await client.get("/users/")).json()]
    async with engine.connect() as conn:
        links = await conn.scalar(
            text("SELECT count(*) FROM post_tags WHERE post_id = :id"), {"id": post["id"]}
        )
        balance = await conn.scalar(
            text("SELECT credits FROM users WHERE id = :id"), {"id": account.id}
        )
    assert links == 0
    assert balance == 100  # the money stays in the closed account
    # The old token and the password no longer work; the names are free again.
    assert_problem(await client.get("/users/me", headers=account.headers), 401)
    login = await client.post(
        "/auth/token",
        data={"username": account.user["username"], "password": account.password},
    )
    assert_problem(login, 401)
    again = await make_user(client, username=account.user["username"], email=account.user["email"])
    assert again["id"] != account.id
