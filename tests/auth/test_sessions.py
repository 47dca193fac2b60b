"""What a token is bound to: the account's token generation, raised by every change that
must end the sessions opened before (a password change in either dialect, closing,
switching the account off and on); and the native password change itself."""

import asyncio
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from inkwell.auth.hashing import PasswordHasher
from inkwell.users import service as users_service
from inkwell.users.models import User
from tests.factories import (
    Account,
    assert_conduit_error,
    assert_problem,
    make_account,
    make_conduit_user,
    request_token,
)


async def change_password(
    client: AsyncClient, account: Account, current: str, new: str, **headers: str
) -> Any:
    return await client.post(
        "/auth/password",
        json={"current_password": current, "new_password": new},
        headers=headers or account.headers,
    )


async def test_a_password_change_ends_every_earlier_session(client: AsyncClient) -> None:
    account = await make_account(client)
    second = await request_token(client, account.user["username"], account.password)
    other_session = {"Authorization": f"Bearer {second.json()['access_token']}"}
    conduit_session = {"Authorization": f"Token {second.json()['access_token']}"}
    assert (await client.get("/api/user", headers=conduit_session)).status_code == 200

    changed = await change_password(client, account, account.password, "a-brand-new-secret")
    assert changed.status_code == 200, changed.text
    assert changed.headers["cache-control"] == "no-store"
    renewed = {"Authorization": f"Bearer {changed.json()['access_token']}"}

    for headers in (account.headers, other_session):
        assert_problem(await client.get("/users/me", headers=headers), 401)
        assert_problem(
            await client.patch(f"/users/{account.id}", json={"bio": "x"}, headers=headers), 401
        )
    assert_conduit_error(await client.get("/api/user", headers=conduit_session), 401)
    assert (await client.get("/users/me", headers=renewed)).status_code == 200
    assert_problem(await request_token(client, account.user["username"], account.password), 401)
    assert (
        await request_token(client, account.user["username"], "a-brand-new-secret")
    ).status_code == 200


async def test_a_conduit_password_change_ends_native_sessions_too(client: AsyncClient) -> None:
    writer = await make_conduit_user(client)
    native = {"Authorization": f"Bearer {writer.user['token']}"}
    assert (await client.get("/users/me", headers=native)).status_code == 200
    changed = await client.put(
        "/api/user", json={"user": {"password": "another-secret-1"}}, headers=writer.headers
    )
    assert changed.status_code == 200, changed.text
    assert_problem(await client.get("/users/me", headers=native), 401)
    assert_conduit_error(await client.get("/api/user", headers=writer.headers), 401)
    renewed = {"Authorization": f"Token {changed.json()['user']['token']}"}
    assert (await client.get("/api/user", headers=renewed)).status_code == 200


async def test_changes_without_a_password_keep_the_session(client: AsyncClient) -> None:
    writer = await make_conduit_user(client)
    changed = await client.put(
        "/api/user", json={"user": {"bio": "still me", "password": ""}}, headers=writer.headers
    )
    assert changed.json()["user"]["token"] == writer.user["token"]
    assert (await client.get("/api/user", headers=writer.headers)).status_code == 200


async def test_a_wrong_current_password_is_refused_and_counts_as_a_failed_login(
    client: AsyncClient,
) -> None:
    account = await make_account(client)
    for _ in range(5):  # LOGIN_MAX_FAILURES_PER_ACCOUNT
        refused = await change_password(client, account, "not-the-password", "whatever-new-1")
        assert_problem(refused, 403)
    # The account's failed logins are spent: even the right password waits now.
    assert_problem(await request_token(client, account.user["username"], account.password), 429)
    assert (await client.get("/users/me", headers=account.headers)).status_code == 200


async def test_a_password_change_needs_a_valid_token_and_a_valid_new_password(
    client: AsyncClient,
) -> None:
    account = await make_account(client)
    body = {"current_password": account.password, "new_password": "a-brand-new-secret"}
    assert_problem(await client.post("/auth/password", json=body), 401)
    forged = {"Authorization": "Bearer not-a-token"}
    assert_problem(await client.post("/auth/password", json=body, headers=forged), 401)
    short = {"current_password": account.password, "new_password": "short"}
    assert_problem(await client.post("/auth/password", json=short, headers=account.headers), 422)
    # Nothing changed.
    assert (await client.get("/users/me", headers=account.headers)).status_code == 200
    assert (
        await request_token(client, account.user["username"], account.password)
    ).status_code == 200


@pytest.mark.settings(password_change_max_per_account=2)
async def test_password_changes_are_throttled_per_account_in_both_dialects(
    client: AsyncClient,
) -> None:
    account = await make_account(client)
    first = await change_password(client, account, account.password, "second-secret-1")
    headers = {"Authorization": f"Token {first.json()['access_token']}"}
    second = await client.put(
        "/api/user", json={"user": {"password": "third-secret-1"}}, headers=headers
    )
    assert second.status_code == 200, second.text
    headers = {"Authorization": f"Bearer {second.json()['user']['token']}"}
    refused = await change_password(client, account, "third-secret-1", "fourth-secret-1", **headers)
    assert_problem(refused, 429)
    assert int(refused.headers["retry-after"]) > 0
    conduit = {"Authorization": f"Token {second.json()['user']['token']}"}
    again = await client.put(
        "/api/user", json={"user": {"password": "fifth-secret-1"}}, headers=conduit
    )
    assert_conduit_error(again, 429)
    assert int(again.headers["retry-after"]) > 0
    # The refused changes changed nothing; the other account is not affected.
    assert (
        await request_token(client, account.user["username"], "third-secret-1")
    ).status_code == 200
    other = await make_account(client)
    assert (
        await change_password(client, other, other.password, "x-new-secret-1")
    ).status_code == 200


@pytest.mark.settings(password_change_max_per_account=2)
async def test_a_stale_token_spends_no_password_change(client: AsyncClient) -> None:
    account = await make_account(client)
    changed = await change_password(client, account, account.password, "second-secret-1")
    for _ in range(3):  # the old token: refused before it is counted
        assert_problem(
            await change_password(client, account, "second-secret-1", "x-secret-12"), 401
        )
    renewed = {"Authorization": f"Bearer {changed.json()['access_token']}"}
    again = await change_password(client, account, "second-secret-1", "third-secret-1", **renewed)
    assert again.status_code == 200, again.text


async def test_closing_and_switching_an_account_end_its_sessions(
    client: AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    switched = await make_account(client)
    async with sessions.begin() as session:
        await users_service.set_active(session, ref=switched.user["username"], active=False)
    async with sessions.begin() as session:
        await users_service.set_active(session, ref=switched.user["username"], active=True)
    # Back on: its tokens of before stay ended, a new login works.
    assert_problem(await client.get("/users/me", headers=switched.headers), 401)
    assert (
        await request_token(client, switched.user["username"], switched.password)
    ).status_code == 200

    closed = await make_account(client)
    assert (await client.delete(f"/users/{closed.id}", headers=closed.headers)).status_code == 204
    async with sessions() as session:
        generation = await session.scalar(select(User.token_generation).where(User.id == closed.id))
    assert generation == 1


class _ChangedWhileVerifying(PasswordHasher):
    """Verifies as usual, then, before the login writes its upgraded hash, the password
    is changed elsewhere (another request of the holder's)."""

    def __init__(self, base: PasswordHasher, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.__dict__.update(base.__dict__)
        self.sessions = sessions
        self.changed_to = ""

    async def verify_and_update(self, password: str, hashed: str) -> tuple[bool, str | None]:
        valid, _ = await super().verify_and_update(password, hashed)
        self.changed_to = await self.hash("changed-meanwhile-1")
        async with self.sessions.begin() as session:
            await session.execute(update(User).values(hashed_password=self.changed_to))
        return valid, await self.hash(password)  # "the parameters changed: upgrade"


async def test_the_hash_upgrade_at_login_never_undoes_a_password_change(
    app: FastAPI, client: AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    account = await make_account(client)
    racing = _ChangedWhileVerifying(app.state.hasher, sessions)
    app.state.hasher = racing
    assert (
        await request_token(client, account.user["username"], account.password)
    ).status_code == 200
    async with sessions() as session:
        stored = await session.scalar(select(User.hashed_password).where(User.id == account.id))
    assert stored == racing.changed_to


@pytest.mark.settings(password_hash_concurrency=1, password_hash_queue=1)
async def test_past_the_hashing_queue_the_answer_is_503_at_once(
    app: FastAPI, client: AsyncClient
) -> None:
    account = await make_account(client)
    hasher: PasswordHasher = app.state.hasher
    started, release = asyncio.Event(), asyncio.Event()

    async def held() -> None:
        async with hasher._admission():
            started.set()
            await release.wait()

    holder = asyncio.create_task(held())
    await started.wait()
    queued = asyncio.create_task(request_token(client, account.user["username"], account.password))
    await asyncio.sleep(0.05)
    refused = await request_token(client, account.user["username"], account.password)
    assert_problem(refused, 503)
    assert refused.headers["retry-after"] == "1"
    registration = await client.post(
        "/users/",
        json={"username": "late1", "email": "late1@example.com", "password": "pw-12345678"},
    )
    assert_problem(registration, 503)
    release.set()
    await holder
    assert (await queued).status_code == 200
    # The refused attempts were never tried: they spent none of the account's failures.
    for _ in range(4):
        assert_problem(await request_token(client, account.user["username"], "wrong-one"), 401)
    assert (
        await request_token(client, account.user["username"], account.password)
    ).status_code == 200


@pytest.mark.settings(email_change_max_per_account=1)
async def test_a_stale_token_spends_no_email_change(client: AsyncClient) -> None:
    account = await make_account(client)
    changed = await change_password(client, account, account.password, "second-secret-1")
    stale = {"email": "stale@example.com"}
    for _ in range(2):
        refused = await client.patch(f"/users/{account.id}", json=stale, headers=account.headers)
        assert_problem(refused, 401)
    renewed = {"Authorization": f"Bearer {changed.json()['access_token']}"}
    fresh = {"email": "fresh@example.com"}
    answer = await client.patch(f"/users/{account.id}", json=fresh, headers=renewed)
    assert answer.status_code == 200, answer.text
