"""Money: every malformed amount is 422 and moves nothing, as a JSON number or string."""

from decimal import Decimal

import pytest
from httpx import AsyncClient, Response
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.factories import assert_problem, make_account

# Written into the JSON body as they are: numbers, strings, and invalid JSON tokens.
BAD_AMOUNTS = [
    "-1",
    "0",
    "0.00",
    "-0.01",
    '"-5"',
    '"0"',  # not positive
    "NaN",
    "Infinity",
    "-Infinity",
    '"NaN"',
    '"Infinity"',  # not numbers
    "1e2",
    "1E2",
    "1.5e1",
    "1e-2",
    '"1e2"',
    '"1E+2"',  # exponents
    "1.234",
    "0.001",
    "1.000",
    '"1.234"',
    '"0.001"',  # three places
    "1000000.01",
    "1e400",
    "99999999999999999999",
    '"1000000.01"',  # too large
    "true",
    "null",
    '""',
    '"abc"',
    '" 5"',
    '"5 "',
    '"1,00"',
    '"0x10"',
    "[1]",
    '{"v": 1}',
]
GOOD_AMOUNTS = [("12", "12.00"), ("12.5", "12.50"), ('"12.50"', "12.50"), ("0.01", "0.01")]


async def _ledger(engine: AsyncEngine) -> tuple[int, Decimal]:
    async with engine.connect() as conn:
        count = await conn.scalar(text("SELECT count(*) FROM transfers WHERE kind = 'transfer'"))
        total = await conn.scalar(text("SELECT sum(credits) FROM users"))
    return int(count), Decimal(str(total)).quantize(Decimal("0.01"))


async def _send_raw(client: AsyncClient, amount: str) -> Response:
    """One new account sends `amount`, written into the JSON text as it is, to another."""
    alice = await make_account(client)
    bob = await make_account(client)
    return await client.post(
        "/transfers/",
        content=f'{{"to_user_id": {bob.id}, "amount": {amount}}}',
        headers={**alice.headers, "content-type": "application/json"},
    )


@pytest.mark.parametrize("amount", BAD_AMOUNTS)
async def test_bad_amount_is_422_and_moves_nothing(
    client: AsyncClient, engine: AsyncEngine, amount: str
) -> None:
    response = await _send_raw(client, amount)
    assert_problem(response, 422)
    assert await _ledger(engine) == (0, Decimal("200.00"))


@pytest.mark.parametrize(("amount", "moved"), GOOD_AMOUNTS)
async def test_plain_amounts_are_exact(
    client: AsyncClient, engine: AsyncEngine, amount: str, moved: str
) -> None:
    response = await _send_raw(client, amount)
    assert response.status_code == 201, response.text
    assert response.json()["amount"] == moved
    assert await _ledger(engine) == (1, Decimal("200.00"))
