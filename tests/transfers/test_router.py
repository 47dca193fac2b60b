"""Credit transfers and their ledger, on both databases."""

import asyncio
import random
from decimal import Decimal
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from inkwell.core.errors import sqlstate
from inkwell.core.http.routing import ATTEMPTS
from inkwell.transfers import service as transfers_service
from tests.factories import Account, assert_problem, deactivate, make_account
from tests.support import balance


async def _send(client: AsyncClient, sender: Account, to: int, amount: Any, **kw: Any) -> Any:
    return await client.post(
        "/transfers/", json={"to_user_id": to, "amount": amount}, headers=sender.headers, **kw
    )


async def _totals(engine: AsyncEngine) -> tuple[Decimal, Decimal]:
    """(sum of all balances, sum of all grants): money is never created or lost."""
    async with engine.connect() as conn:
        balances = await conn.scalar(text("SELECT coalesce(sum(credits), 0) FROM users"))
        grants = await conn.scalar(
            text("SELECT coalesce(sum(amount), 0) FROM transfers WHERE kind = 'grant'")
        )
    return Decimal(str(balances)).quantize(Decimal("0.01")), Decimal(str(grants))


async def test_transfer_moves_credits(client: AsyncClient, engine: AsyncEngine) -> None:
    alice = await make_account(client)
    bob = await make_account(client)
    response = await _send(client, alice, bob.id, "12.50")
    assert response.status_code == 201
    body = response.json()
    assert body["from_user_id"] == alice.id
    assert body["to_user_id"] == bob.id
    assert body["amount"] == "12.50"
    assert body["kind"] == "transfer"
    assert body["created_at"].endswith("Z")
    assert await balance(client, alice) == "87.50"
    assert await balance(client, bob) == "112.50"
    balances, grants = await _totals(engine)
    assert balances == grants == Decimal("200.00")


@pytest.mark.parametrize(
    ("amount", "moved"),
    [("0.01", "0.01"), (12, "12.00"), (12.5, "12.50"), ("100", "100.00"), ("99.9", "99.90")],
)
async def test_accepted_amounts(client: AsyncClient, amount: Any, moved: str) -> None:
    alice = await make_account(client)
    bob = await make_account(client)
    response = await _send(client, alice, bob.id, amount)
    assert response.status_code == 201, response.text
    assert response.json()["amount"] == moved


@pytest.mark.parametrize(
    "amount",
    [
        0,
        "0",
        "0.00",
        -1,
        "-5",
        "abc",
        "",
        None,
        True,
        "1e2",
        "1E1",
        "NaN",
        "Infinity",
        "-Infinity",
        1.234,
        "1.234",
        "1,00",
        " 5",
        "1000000.01",
        1e7,
        "99999999999999",
        "0x10",
        [],
        {},
    ],
)
async def test_rejected_amounts_move_nothing(
    client: AsyncClient, engine: AsyncEngine, amount: Any
) -> None:
    alice = await make_account(client)
    bob = await make_account(client)
    body = assert_problem(await _send(client, alice, bob.id, amount), 422)
    assert any("amount" in e["loc"] for e in body["errors"])
    assert await balance(client, alice) == await balance(client, bob) == "100.00"
    async with engine.connect() as conn:
        assert await conn.scalar(text("SELECT count(*) FROM transfers WHERE kind='transfer'")) == 0


async def test_max_amount_passes_validation_then_needs_credits(client: AsyncClient) -> None:
    alice = await make_account(client)
    bob = await make_account(client)
    body = assert_problem(await _send(client, alice, bob.id, "1000000"), 409)
    assert "insufficient" in body["detail"].lower()


async def test_rule_violations_change_nothing(client: AsyncClient, engine: AsyncEngine) -> None:
    alice = await make_account(client)
    bob = await make_account(client)
    closed = await make_account(client)
    inactive = await make_account(client)
    await client.delete(f"/users/{closed.id}", headers=closed.headers)
    await deactivate(engine, inactive.id)

    assert_problem(await _send(client, alice, alice.id, "1"), 422)
    assert_problem(await _send(client, alice, 999_999, "1"), 404)
    assert_problem(await _send(client, alice, closed.id, "1"), 404)
    assert_problem(await _send(client, alice, inactive.id, "1"), 422)
    assert_problem(await _send(client, alice, bob.id, "100.01"), 409)
    anonymous = await client.post("/transfers/", json={"to_user_id": bob.id, "amount": "1"})
    assert_problem(anonymous, 401)
    for bad in ({"to_user_id": 0, "amount": "1"}, {"amount": "1"}, {"to_user_id": bob.id}):
        assert_problem(await client.post("/transfers/", json=bad, headers=alice.headers), 422)
    extra = {"to_user_id": bob.id, "amount": "1", "from_user_id": bob.id}
    assert_problem(await client.post("/transfers/", json=extra, headers=alice.headers), 422)
    assert await balance(client, alice) == await balance(client, bob) == "100.00"


async def test_whole_balance_can_be_sent(client: AsyncClient) -> None:
    alice = await make_account(client)
    bob = await make_account(client)
    assert (await _send(client, alice, bob.id, "100.00")).status_code == 201
    assert await balance(client, alice) == "0.00"
    assert_problem(await _send(client, alice, bob.id, "0.01"), 409)


async def test_list_shows_my_transfers_newest_first(client: AsyncClient) -> None:
    alice = await make_account(client)
    bob = await make_account(client)
    carol = await make_account(client)
    t1 = (await _send(client, alice, bob.id, "1")).json()
    t2 = (await _send(client, bob, alice.id, "2")).json()
    await _send(client, bob, carol.id, "3")
    response = await client.get("/transfers/", headers=alice.headers)
    assert response.status_code == 200
    rows = response.json()
    assert [r["id"] for r in rows[:2]] == [t2["id"], t1["id"]]
    assert rows[2]["kind"] == "grant"
    assert rows[2]["from_user_id"] is None
    assert rows[2]["amount"] == "100.00"
    assert len(rows) == 3
    page = await client.get("/transfers/?skip=1&limit=1", headers=alice.headers)
    assert [r["id"] for r in page.json()] == [t1["id"]]
    assert_problem(await client.get("/transfers/"), 401)
    assert (await client.get("/transfers", headers=alice.headers)).status_code == 200


async def test_closing_an_account_keeps_its_money(client: AsyncClient, engine: AsyncEngine) -> None:
    alice = await make_account(client)
    bob = await make_account(client)
    await _send(client, alice, bob.id, "40")
    assert (await client.delete(f"/users/{bob.id}", headers=bob.headers)).status_code == 204
    balances, grants = await _totals(engine)
    assert balances == grants == Decimal("200.00")


async def test_concurrent_transfers_conserve_money(
    client: AsyncClient, engine: AsyncEngine
) -> None:
    accounts = [await make_account(client) for _ in range(10)]
    rng = random.Random(20261125)

    async def one() -> Any:
        sender, recipient = rng.sample(accounts, 2)
        amount = f"{rng.randint(1, 4000) / 100:.2f}"
        return await _send(client, sender, recipient.id, amount)

    responses = await asyncio.gather(*(one() for _ in range(200)))
    statuses = [r.status_code for r in responses]
    assert all(s in (201, 409) for s in statuses), sorted(set(statuses))
    assert statuses.count(201) > 100
    balances, grants = await _totals(engine)
    assert balances == grants == Decimal("1000.00")
    created_ids = sorted(r.json()["id"] for r in responses if r.status_code == 201)
    async with engine.connect() as conn:
        ledger = await conn.scalars(text("SELECT id FROM transfers WHERE kind = 'transfer'"))
        ledger_ids = sorted(ledger)
        lowest = await conn.scalar(text("SELECT min(credits) FROM users"))
    assert ledger_ids == created_ids
    assert lowest >= 0


async def test_a_balance_spent_concurrently_is_spent_once(
    client: AsyncClient, engine: AsyncEngine
) -> None:
    """Thirty transfers of 10.00 at once from an account holding 100.00: each waits for
    the one before it to commit and checks the balance that one left (PostgreSQL's lock
    answers the row as last committed, not as the transfer's snapshot saw it), so exactly
    ten go through, the other twenty are 409, and every balance is what the ledger says."""
    alice = await make_account(client)
    others = [await make_account(client) for _ in range(3)]
    sends = [_send(client, alice, others[i % 3].id, "10.00") for i in range(30)]
    statuses = sorted(r.status_code for r in await asyncio.gather(*sends))
    assert statuses == [201] * 10 + [409] * 20
    assert await balance(client, alice) == "0.00"
    async with engine.connect() as conn:
        disagreeing = (
            await conn.execute(
                text(
                    "SELECT u.id, u.credits,"
                    " (SELECT coalesce(sum(amount), 0) FROM transfers WHERE to_user_id = u.id)"
                    " - (SELECT coalesce(sum(amount), 0) FROM transfers WHERE from_user_id = u.id)"
                    " AS ledger FROM users u"
                )
            )
        ).all()
    assert [row for row in disagreeing if row.credits != row.ledger] == []
    balances, grants = await _totals(engine)
    assert balances == grants == Decimal("400.00")


async def _wait_for_a_lock_wait(engine: AsyncEngine) -> None:
    """Until some session of this database waits for a lock (within 10 s)."""
    query = text(
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    async with engine.connect() as conn:
        for _ in range(500):
            if await conn.scalar(query):
                return
            await conn.rollback()  # a transaction sees one snapshot of pg_stat_activity
            await asyncio.sleep(0.02)
    raise AssertionError("the transfer never waited for the row lock")


async def test_deadlock_is_retried_not_a_5xx(
    pg_app: FastAPI, pg_client: AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real deadlock: another transaction locks Bob's row, the transfer from Alice to
    Bob locks Alice's and waits for Bob's, then the other asks for Alice's. PostgreSQL
    aborts one of the two with SQLSTATE 40P01; the other transaction waits 10 s before
    looking for deadlocks, so it is the transfer (1 s, the server's default). The request
    rolls its transaction back, which frees Alice's row, and runs again from the start
    (core.http.routing.Route): 201, not a 5xx."""
    engine: AsyncEngine = pg_app.state.engine
    alice = await make_account(pg_client)
    bob = await make_account(pg_client)
    real_move = transfers_service._move
    attempts: list[str | None] = []

    async def recorded_move(*args: Any) -> Any:
        try:
            result = await real_move(*args)
        except DBAPIError as exc:
            attempts.append(sqlstate(exc))
            raise
        attempts.append(None)
        return result

    monkeypatch.setattr(transfers_service, "_move", recorded_move)
    # The lock transfers take on balances. (FOR UPDATE would also wait for the hold
    # every writing request has on its own caller's row.)
    lock = text("SELECT id FROM users WHERE id = :id FOR NO KEY UPDATE")
    async with engine.connect() as other, other.begin():
        await other.execute(text("SET LOCAL deadlock_timeout = '10s'"))
        await other.execute(lock, {"id": bob.id})
        sending = asyncio.create_task(_send(pg_client, alice, bob.id, "5"))
        await _wait_for_a_lock_wait(engine)
        # Blocks until the transfer's attempt is aborted and its lock on Alice released.
        await other.execute(lock, {"id": alice.id})
        assert not sending.done(), "the transfer ended while Bob's row was locked"
    response = await sending
    assert response.status_code == 201, response.text
    # Deadlocked once, or again if the retry met the other transaction before its
    # commit (scheduling decides), then through: never more than the service tries.
    assert attempts[-1] is None
    assert set(attempts[:-1]) == {"40P01"}  # at least one deadlock, nothing else
    assert len(attempts) <= ATTEMPTS
    assert await balance(pg_client, alice) == "95.00"
    assert await balance(pg_client, bob) == "105.00"
    balances, grants = await _totals(engine)
    assert balances == grants == Decimal("200.00")


async def test_a_payer_switched_off_while_its_transfer_waits_moves_nothing(
    pg_app: FastAPI, pg_client: AsyncClient
) -> None:
    """The payer's row is not held from the start (the transfer locks it with the
    balances): an operator switches the account off after its token was read, while the
    transfer waits for the row; once the switch commits, the transfer finds the account
    off: 401, nothing moved."""
    engine: AsyncEngine = pg_app.state.engine
    alice = await make_account(pg_client)
    bob = await make_account(pg_client)
    async with engine.connect() as other, other.begin():
        await other.execute(
            text("UPDATE users SET is_active = false WHERE id = :id"), {"id": alice.id}
        )
        sending = asyncio.create_task(_send(pg_client, alice, bob.id, "5"))
        await _wait_for_a_lock_wait(engine)
        assert not sending.done()
    assert_problem(await sending, 401)
    balances, grants = await _totals(engine)
    assert balances == grants == Decimal("200.00")
    assert await balance(pg_client, bob) == "100.00"
