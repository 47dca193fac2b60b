"""Request and response bodies of the transfers API."""

import re
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BeforeValidator, ConfigDict, Field, TypeAdapter, WithJsonSchema

from inkwell.core.http.routing import WrittenNumber
from inkwell.core.schemas import MAX_ID, Money, ReadSchema, Schema, UTCTimestamp

MAX_AMOUNT = Decimal("1000000")
_CENT = Decimal("0.01")
# More than 0 and at most 1,000,000, at most 2 places, no leading zeros, written in
# ASCII digits (`\d` would also take "١٢", which Decimal reads as 12). The OpenAPI
# schema shows this pattern, so a client can tell exactly what is accepted.
_PLAIN_DECIMAL = re.compile(
    r"1000000(\.0{1,2})?|[1-9][0-9]{0,5}(\.[0-9]{1,2})?|0\.(0[1-9]|[1-9][0-9]?)"
)


def _plain_amount(value: Any) -> Any:
    """Accept `"12.50"`, `12.5` or `12`; refuse exponents, NaN, booleans and 3+ places.

    JSON numbers arrive as Decimal with their written digits
    (core.http.routing.ExactNumbersRoute)."""
    if isinstance(value, bool):
        raise ValueError("must be a number or a decimal string")
    if isinstance(value, WrittenNumber):
        value = value.written
    elif isinstance(value, int | float | Decimal):
        value = repr(value) if isinstance(value, float) else str(value)
    if isinstance(value, str) and _PLAIN_DECIMAL.fullmatch(value):
        return Decimal(value).quantize(_CENT)  # "10", 10 and 10.0 are the same amount
    raise ValueError("must be a plain decimal with at most 2 places, like 12.50")


_AMOUNT_TEXT = "More than 0 and at most 1,000,000, with at most 2 decimal places"
Amount = Annotated[
    Decimal,
    BeforeValidator(_plain_amount),
    Field(gt=0, le=MAX_AMOUNT, decimal_places=2),
    # What `_plain_amount` and the bounds accept, in JSON Schema words: a JSON number
    # (written without an exponent), or a string of ASCII digits.
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "exclusiveMinimum": 0, "maximum": int(MAX_AMOUNT)},
                {"type": "string", "pattern": f"^({_PLAIN_DECIMAL.pattern})$"},
            ],
            "description": _AMOUNT_TEXT,
            "examples": ["12.50"],
        }
    ),
]


class TransferCreate(Schema):
    to_user_id: int = Field(
        ge=1, le=MAX_ID, description="The recipient's user id, written as an integer (not `2.0`)"
    )
    amount: Amount

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"to_user_id": 2, "amount": "12.50"}]}
    )


class TransferRead(ReadSchema):
    id: int
    kind: str = Field(description="`transfer`, or `grant` for credits given at registration")
    from_user_id: int | None = Field(description="The sender; null for a grant")
    to_user_id: int
    amount: Money = Field(examples=["12.50"])
    created_at: UTCTimestamp


TRANSFER = TypeAdapter(TransferRead)
TRANSFERS = TypeAdapter(list[TransferRead])
