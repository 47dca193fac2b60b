"""Traffic for a running server, and the books it must keep balanced."""

import asyncio
import random
from dataclasses import dataclass
from decimal import Decimal

import asyncpg
import httpx

from tests.factories import Account
from tests.servers import asyncpg_dsn


@dataclass(frozen=True)
class Sent:
    """One transfer request and its answer."""

    sender: int
    to: int
    amount: str
    status: int


async def random_transfers(
    client: httpx.AsyncClient, accounts: list[Account], count: int, seed: int
) -> list[Sent]:
    """`count` transfers at once, each between two random accounts, of a random amount
    (up to 40.00, so that some senders run out of credits)."""
    rng = random.Random(seed)
    plans = []
    for _ in range(count):
        sender, recipient = rng.sample(accounts, 2)
        plans.append((sender, recipient.id, f"{rng.randint(1, 4000) / 100:.2f}"))

    async def send(sender: Account, to: int, amount: str) -> Sent:
        response = await client.post(
            "/transfers/", json={"to_user_id": to, "amount": amount}, headers=sender.headers
        )
        return Sent(sender.id, to, amount, response.status_code)

    return list(await asyncio.gather(*(send(*plan) for plan in plans)))


@dataclass(frozen=True)
class Books:
    balances: Decimal  # sum of every user's credits
    grants: Decimal  # sum of the 'grant' ledger rows
    lowest_balance: Decimal
    transfers: int  # 'transfer' ledger rows


async def read_books(database_url: str) -> Books:
    """The ledger's totals, read straight from PostgreSQL (not through the app)."""
    conn = await asyncpg.connect(asyncpg_dsn(database_url), timeout=5)
    try:
        row = await conn.fetchrow(
            """
            SELECT (SELECT coalesce(sum(credits), 0) FROM users) AS balances,
                   (SELECT coalesce(min(credits), 0) FROM users) AS lowest_balance,
                   (SELECT coalesce(sum(amount), 0) FROM transfers WHERE kind = 'grant')
                       AS grants,
                   (SELECT count(*) FROM transfers WHERE kind = 'transfer') AS transfers
            """
        )
    finally:
        await conn.close()
    assert row is not None
    return Books(row["balances"], row["grants"], row["lowest_balance"], row["transfers"])


async def count_ledger_rows(database_url: str, sender: int, to: int, amount: str) -> int:
    conn = await asyncpg.connect(asyncpg_dsn(database_url), timeout=5)
    try:
        count: int = await conn.fetchval(
            "SELECT count(*) FROM transfers WHERE kind = 'transfer' "
            "AND from_user_id = $1 AND to_user_id = $2 AND amount = $3",
            sender,
            to,
            Decimal(amount),
        )
    finally:
        await conn.close()
    return count


async def balances(database_url: str) -> dict[int, Decimal]:
    conn = await asyncpg.connect(asyncpg_dsn(database_url), timeout=5)
    try:
        rows = await conn.fetch("SELECT id, credits FROM users")
    finally:
        await conn.close()
    return {row["id"]: row["credits"] for row in rows}
