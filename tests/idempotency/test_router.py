"""Idempotent retries of POST /transfers/ and POST /users/{id}/posts/, on both databases."""

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import insert, text, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from inkwell.idempotency import service as idempotency_service
from inkwell.idempotency.service import Answer
from inkwell.models import IdempotencyKey
from tests.factories import Account, assert_problem, make_account, post_payload
from tests.support import balance


async def _send(client: AsyncClient, sender: Account, body: dict[str, Any], key: str | None) -> Any:
    headers = {**sender.headers, **({"Idempotency-Key": key} if key else {})}
    return await client.post("/transfers/", json=body, headers=headers)


async def _count(engine: AsyncEngine, sql: str) -> int:
    async with engine.connect() as conn:
        value = await conn.scalar(text(sql))
    return int(value)


async def test_retry_replays_the_first_response(client: AsyncClient, engine: AsyncEngine) -> None:
    alice = await make_account(client)
    bob = await make_account(client)
    body = {"to_user_id": bob.id, "amount": "10"}
    first = await _send(client, alice, body, "key-1")
    again = await _send(client, alice, {"amount": 10.0, "to_user_id": bob.id}, "key-1")
    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert await balance(client, alice) == "90.00"
    assert await _count(engine, "SELECT count(*) FROM transfers WHERE kind='transfer'") == 1


async def test_same_key_other_body_is_422(client: AsyncClient) -> None:
    alice = await make_account(client)
    bob = await make_account(client)
    await _send(client, alice, {"to_user_id": bob.id, "amount": "10"}, "key-2")
    other = await _send(client, alice, {"to_user_id": bob.id, "amount": "11"}, "key-2")
    body = assert_problem(other, 422)
    assert "Idempotency-Key" in body["detail"]
    assert await balance(client, alice) == "90.00"


async def test_keys_belong_to_their_user(client: AsyncClient) -> None:
    alice = await make_account(client)
    bob = await make_account(client)
    assert (
        await _send(client, alice, {"to_user_id": bob.id, "amount": "5"}, "k")
    ).status_code == 201
    assert (
        await _send(client, bob, {"to_user_id": alice.id, "amount": "7"}, "k")
    ).status_code == 201
    assert await balance(client, alice) == "102.00"


async def test_without_a_key_each_request_runs(client: AsyncClient) -> None:
    alice = await make_account(client)
    bob = await make_account(client)
    for _ in range(2):
        assert (
            await _send(client, alice, {"to_user_id": bob.id, "amount": "5"}, None)
        ).status_code == 201
    assert await balance(client, alice) == "90.00"


async def test_rejected_requests_store_nothing(client: AsyncClient, engine: AsyncEngine) -> None:
    alice = await make_account(client)
    bob = await make_account(client)
    invalid = await _send(client, alice, {"to_user_id": bob.id, "amount": "-1"}, "key-3")
    assert_problem(invalid, 422)
    broke = await _send(client, alice, {"to_user_id": bob.id, "amount": "500"}, "key-3")
    assert_problem(broke, 409)
    assert await _count(engine, "SELECT count(*) FROM idempotency_keys") == 0
    ok = await _send(client, alice, {"to_user_id": bob.id, "amount": "5"}, "key-3")
    assert ok.status_code == 201
    assert await _count(engine, "SELECT count(*) FROM idempotency_keys") == 1


async def test_bad_keys_are_422(client: AsyncClient) -> None:
    alice = await make_account(client)
    bob = await make_account(client)
    for key in ("x" * 256, "bad\u0000key"):
        headers = {**alice.headers, "Idempotency-Key": key}
        body = {"to_user_id": bob.id, "amount": "1"}
        response = await client.post("/transfers/", json=body, headers=headers)
        assert_problem(response, 422)
    empty = await client.post(
        "/transfers/",
        json={"to_user_id": bob.id, "amount": "1"},
        headers={**alice.headers, "Idempotency-Key": ""},
    )
    assert_problem(empty, 422)
    assert await balance(client, alice) == "100.00"


async def test_expired_key_runs_again(client: AsyncClient, engine: AsyncEngine) -> None:
    alice = await make_account(client)
    bob = await make_account(client)
    await _send(client, alice, {"to_user_id": bob.id, "amount": "1"}, "old")
    async with engine.begin() as conn:
        past = datetime(2000, 1, 1, tzinfo=UTC)
        await conn.execute(update(IdempotencyKey).values(expires_at=past))
    fresh = await _send(client, alice, {"to_user_id": bob.id, "amount": "2"}, "old")
    assert fresh.status_code == 201
    assert "idempotent-replayed" not in fresh.headers
    assert await balance(client, alice) == "97.00"


async def test_twenty_concurrent_retries_move_money_once(
    client: AsyncClient, engine: AsyncEngine
) -> None:
    alice = await make_account(client)
    bob = await make_account(client)
    body = {"to_user_id": bob.id, "amount": "25"}
    responses = await asyncio.gather(*(_send(client, alice, body, "burst") for _ in range(20)))
    statuses = [r.status_code for r in responses]
    assert set(statuses) <= {201, 409}, statuses
    created = [r for r in responses if r.status_code == 201]
    assert len({r.content for r in created}) == 1
    for conflict in (r for r in responses if r.status_code == 409):
        assert "in progress" in conflict.json()["detail"]
    assert await balance(client, alice) == "75.00"
    assert await _count(engine, "SELECT count(*) FROM transfers WHERE kind='transfer'") == 1
    replay = await _send(client, alice, body, "burst")
    assert replay.status_code == 201
    assert replay.content == created[0].content


async def test_post_creation_is_idempotent(client: AsyncClient, engine: AsyncEngine) -> None:
    author = await make_account(client)
    headers = {**author.headers, "Idempotency-Key": "post-1"}
    payload = post_payload(tags=["once"])
    url = f"/users/{author.id}/posts/"
    first = await client.post(url, json=payload, headers=headers)
    second = await client.post(url, json=payload, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert await _count(engine, "SELECT count(*) FROM posts") == 1
    # The same key on another operation is a different request.
    other = await client.post(
        "/transfers/", json={"to_user_id": author.id, "amount": "1"}, headers=headers
    )
    assert other.status_code == 422


async def test_a_key_recorded_meanwhile_by_another_request_is_replayed(
    pg_app: FastAPI, pg_client: AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL looks the key up in the statement that takes its lock, so the lookup's
    snapshot may predate the commit of the request that held the lock just before. That
    request's record is then in the way of this one's: this one starts again, rolled
    back, and replays the other's answer (money moved once). The other request's commit
    is made to fall right after the lookup."""
    engine: AsyncEngine = pg_app.state.engine
    alice = await make_account(pg_client)
    bob = await make_account(pg_client)
    lookups: list[Answer | None] = []

    async def raced(session: AsyncSession, **keyed: Any) -> Answer | None:
        answer = await real_replay(session, **keyed)
        lookups.append(answer)
        if len(lookups) == 1:
            async with engine.begin() as other:
                await other.execute(
                    insert(IdempotencyKey).values(
                        user_id=alice.id,
                        key="raced",
                        fingerprint=keyed["fingerprint"],
                        status_code=201,
                        body='{"answered": "by the other request"}',
                        expires_at=datetime(2999, 1, 1, tzinfo=UTC),
                    )
                )
        return answer

    real_replay = idempotency_service.replay
    monkeypatch.setattr(idempotency_service, "replay", raced)
    sent = await _send(pg_client, alice, {"to_user_id": bob.id, "amount": "10"}, "raced")
    assert sent.status_code == 201, sent.text
    assert sent.json() == {"answered": "by the other request"}
    assert sent.headers["idempotent-replayed"] == "true"
    assert lookups == [None, Answer(201, b'{"answered": "by the other request"}')]
    assert await balance(pg_client, alice) == "100.00"
    assert await _count(engine, "SELECT count(*) FROM transfers WHERE kind='transfer'") == 0
