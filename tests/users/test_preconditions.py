"""Conditional writes of accounts (RFC 9110 §13.1.1): `If-Match` on PATCH and DELETE
against the holder's own document, the `ETag` of each new version, 412 and 409."""

import asyncio
import dataclasses
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncEngine

from inkwell.users import documents as users_documents
from tests.factories import Account, assert_problem, login, make_account, user_payload
from tests.support import (
    BAD_ETAGS,
    assert_precondition_failed,
    current_etag,
    row_lock,
    until_the_service_waits_on_a_lock,
)


async def user_etag(engine: AsyncEngine, user_id: int, *, private: bool = True) -> str:
    """The ETag of the user's document (the holder's own by default) as the database has it now."""
    if private:
        return await current_etag(engine, users_documents.OWN, user_id, users_documents.PRIVATE)
    return await current_etag(engine, users_documents.DOCUMENT, user_id, users_documents.PUBLIC)


def _patch(client: AsyncClient, account: Account, change: dict[str, Any], tag: Any) -> Any:
    headers = {**account.headers, "If-Match": tag}
    return client.patch(f"/users/{account.id}", json=change, headers=headers)


def _delete(client: AsyncClient, account: Account, tag: Any) -> Any:
    return client.delete(f"/users/{account.id}", headers={**account.headers, "If-Match": tag})


async def _send(client: AsyncClient, sender: Account, to: Account) -> None:
    transfer = {"to_user_id": to.id, "amount": "1.00"}
    response = await client.post("/transfers/", json=transfer, headers=sender.headers)
    assert response.status_code == 201, response.text


async def test_registration_and_patch_answer_the_new_tag(
    client: AsyncClient, engine: AsyncEngine
) -> None:
    payload = user_payload()
    registered = await client.post("/users/", json=payload)
    assert registered.status_code == 201
    user_id = registered.json()["id"]
    assert registered.headers["ETag"] == await user_etag(engine, user_id)
    headers = await login(client, payload["username"], payload["password"])
    account = Account(user=registered.json(), password=payload["password"], headers=headers)
    tag = registered.headers["ETag"]
    for change in ({"full_name": "One"}, {"username": "renamed-user"}):
        response = await _patch(client, account, change, tag)
        assert response.status_code == 200, response.text
        assert response.headers["ETag"] != tag
        tag = response.headers["ETag"]
    assert tag == await user_etag(engine, user_id)
    assert (await _patch(client, account, {"full_name": "Any"}, "*")).status_code == 200


async def test_a_stale_tag_is_412_and_changes_nothing(
    client: AsyncClient, engine: AsyncEngine
) -> None:
    alice = await make_account(client, full_name="Alice")
    bob = await make_account(client)
    read = await user_etag(engine, alice.id)
    # A transfer changes Alice's balance, which her own document shows.
    await _send(client, alice, bob)
    assert_precondition_failed(await _patch(client, alice, {"full_name": "Lost"}, read))
    assert_precondition_failed(await _delete(client, alice, read))
    me = (await client.get("/users/me", headers=alice.headers)).json()
    assert me["full_name"] == "Alice"
    assert me["credits"] == "99.00"
    # The public document's tag is not the holder's: it does not match either.
    public = await user_etag(engine, alice.id, private=False)
    assert_precondition_failed(await _patch(client, alice, {"full_name": "Lost"}, public))
    fresh = await user_etag(engine, alice.id)
    assert (await _patch(client, alice, {"full_name": "Alice R."}, fresh)).status_code == 200


async def test_a_current_tag_closes_the_account(client: AsyncClient, engine: AsyncEngine) -> None:
    alice = await make_account(client)
    assert (await _delete(client, alice, await user_etag(engine, alice.id))).status_code == 204
    assert_problem(await client.get(f"/users/{alice.id}"), 404)


@pytest.mark.parametrize("bad", [*BAD_ETAGS, "W/current"], ids=range(len(BAD_ETAGS) + 1))
async def test_bad_if_match_values_are_412(
    client: AsyncClient, engine: AsyncEngine, bad: Any
) -> None:
    alice = await make_account(client, full_name="Alice")
    tag = await user_etag(engine, alice.id)
    if bad == "W/current":  # strong comparison: the weak form of the current tag fails
        bad = f"W/{tag}"
    assert_precondition_failed(await _patch(client, alice, {"full_name": "No"}, bad))
    assert_precondition_failed(await _delete(client, alice, bad))
    assert await user_etag(engine, alice.id) == tag
    assert (await client.get("/users/me", headers=alice.headers)).json()["full_name"] == "Alice"


async def test_someone_elses_account_is_403_whatever_the_tag(
    client: AsyncClient, engine: AsyncEngine
) -> None:
    alice = await make_account(client)
    mallory = await make_account(client)
    tag = await user_etag(engine, alice.id)
    intruder = Account(user=alice.user, password="", headers=mallory.headers)
    for candidate in (tag, "*", '"stale"'):
        assert_problem(await _patch(client, intruder, {"full_name": "Owned"}, candidate), 403)
        assert_problem(await _delete(client, intruder, candidate), 403)
    assert await user_etag(engine, alice.id) == tag


async def test_the_lost_update_is_refused(client: AsyncClient, engine: AsyncEngine) -> None:
    """Two of Alice's devices read the same version; the first change goes through,
    the second, based on the old version, is 412 until it reads again."""
    alice = await make_account(client)
    read = await user_etag(engine, alice.id)
    first = await _patch(client, alice, {"full_name": "From the phone"}, read)
    assert first.status_code == 200
    assert_precondition_failed(await _patch(client, alice, {"email": "laptop@example.com"}, read))
    fresh = await user_etag(engine, alice.id)
    assert fresh == first.headers["ETag"]
    second = await _patch(client, alice, {"email": "laptop@example.com"}, fresh)
    assert second.status_code == 200
    assert second.json()["full_name"] == "From the phone"
    assert second.json()["email"] == "laptop@example.com"


async def test_a_conditional_patch_that_lost_the_race_is_409(
    pg_app: FastAPI, pg_client: AsyncClient, postgres_url: str
) -> None:
    """The PATCH's check passes, then a transfer-like write commits first: the ORM's
    version check makes the PATCH a 409 and it writes nothing."""
    alice = await make_account(pg_client, full_name="Alice")
    tag = await user_etag(pg_app.state.engine, alice.id)
    # The lock a transfer takes on a balance: the PATCH reads its caller past it.
    async with row_lock(postgres_url, "users", alice.id, mode="NO KEY UPDATE") as (other, tx):
        patch = asyncio.ensure_future(_patch(pg_client, alice, {"full_name": "Late"}, tag))
        await until_the_service_waits_on_a_lock(other)
        await other.execute(
            "UPDATE users SET credits = credits + 1, version = version + 1 WHERE id = $1",
            alice.id,
        )
        await tx.commit()
        response = await asyncio.wait_for(patch, timeout=10)
    assert assert_problem(response, 409)["type"].endswith("/concurrent-update")
    me = (await pg_client.get("/users/me", headers=alice.headers)).json()
    assert me["full_name"] == "Alice"
    assert me["credits"] == "101.00"


async def test_the_public_tag_moves_with_what_it_shows_alone(
    client: AsyncClient, engine: AsyncEngine
) -> None:
    """A transfer, a new e-mail address or password change the holder's own document,
    not what anyone sees: the public ETag stays, the private one moves on."""
    alice = await make_account(client)
    bob = await make_account(client)
    public = await user_etag(engine, alice.id, private=False)
    read = (await client.get(f"/users/{alice.id}")).headers["etag"]
    assert read == public
    private = await user_etag(engine, alice.id)
    credentials = {"email": alice.user["email"], "password": alice.password}
    signed_in = await client.post("/api/users/login", json={"user": credentials})
    conduit = {"Authorization": f"Token {signed_in.json()['user']['token']}"}
    writes = [
        lambda: _send(client, alice, bob),
        lambda: _send(client, bob, alice),
        lambda: _patch(client, alice, {"email": "alice.new@example.com"}, "*"),
        lambda: client.put(
            "/api/user", json={"user": {"password": "another-password"}}, headers=conduit
        ),
    ]
    for write in writes:
        answer = await write()
        assert answer is None or answer.status_code == 200, answer.text
        assert await user_etag(engine, alice.id, private=False) == public
        again = await client.get(f"/users/{alice.id}", headers={"If-None-Match": public})
        assert again.status_code == 304
        assert await user_etag(engine, alice.id) != private
        private = await user_etag(engine, alice.id)
    # The password change ended Alice's sessions; its answer carries her new token.
    token = answer.json()["user"]["token"]
    alice = dataclasses.replace(alice, headers={"Authorization": f"Bearer {token}"})
    renamed = await _patch(client, alice, {"bio": "Now public."}, private)
    assert renamed.status_code == 200
    assert await user_etag(engine, alice.id, private=False) != public
    assert (await client.get(f"/users/{alice.id}")).headers["etag"] != public
