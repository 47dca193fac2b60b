"""Pydantic building blocks shared by every domain's schemas."""

from decimal import Decimal
from typing import Annotated, Any, TypeVar

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    PlainSerializer,
    TypeAdapter,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

# Ids are 32-bit integers in both databases: larger values cannot exist, and
# sending them to PostgreSQL would fail as a driver error instead of a 404.
MAX_ID = 2**31 - 1


def _clean_text(value: str) -> str:
    """Refuse characters no database can store faithfully (NUL, lone surrogates)."""
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode (no lone surrogates)") from None
    return value


class _CleanText:
    """Validates with `_clean_text` and says so in the JSON schema (no NUL)."""

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(_clean_text, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        json_schema.setdefault("pattern", r"^[^\u0000]*$")
        return json_schema


# Put it after any StringConstraints, which must see the raw string first.
CleanText = _CleanText()
Text = Annotated[str, CleanText]

# The characters `strip_whitespace` trims (Unicode's White_Space), spelled out for the
# JSON schema: its `\s` (ECMA-262) is another set, with U+FEFF and without U+0085.
_SPACE = r"\t\n\u000b\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"


# The JSON schema of text that `StringConstraints(strip_whitespace=True, min_length=1)`
# and CleanText accept: no NUL, and something besides white space.
NOT_BLANK: dict[str, Any] = {"pattern": rf"^[^\u0000]*[^{_SPACE}\u0000][^\u0000]*$"}


# Timestamps leave the data layer as aware UTC datetimes (`UTCDateTime`), which
# pydantic-core writes as ISO 8601 with `Z`, without a Python call per value.
UTCTimestamp = Annotated[AwareDatetime, Field(examples=["2026-11-25T06:00:00.123456Z"])]


def _two_places(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01")))


Money = Annotated[Decimal, PlainSerializer(_two_places, return_type=str)]


class Schema(BaseModel):
    """Base of request bodies: unknown fields are refused, and JSON types are taken
    strictly, as the schema states them (`0` is not `false`, `"2"` is not `2`).

    Query and path parameters are not Schemas: HTTP sends them as text to parse."""

    model_config = ConfigDict(extra="forbid", strict=True)

    @model_validator(mode="before")
    @classmethod
    def _object_only(cls, data: Any) -> Any:
        # FastAPI validates bodies with from_attributes=True, under which a JSON
        # number (a Decimal here) would pass as an object with every default.
        if not isinstance(data, dict | cls):
            raise PydanticCustomError("model_type", "Input should be a JSON object")
        return data


class ReadSchema(BaseModel):
    """Base of response schemas, built from ORM objects."""

    model_config = ConfigDict(from_attributes=True)


class Problem(BaseModel):
    """An RFC 9457 problem document."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[dict[str, Any]] | None = None


def reject_null(value: Any) -> Any:
    """For PATCH bodies: a field may be left out, but not set to null."""
    if value is None:
        raise ValueError("may be omitted but not null")
    return value


T = TypeVar("T")


def render(adapter: TypeAdapter[T], data: Any, **dump: Any) -> bytes:
    """The JSON document of `data` (an ORM object or a list of them) as `adapter` shows it
    (`dump`: pydantic's options, e.g. `exclude`)."""
    return adapter.dump_json(adapter.validate_python(data, from_attributes=True), **dump)
