"""Request and response bodies of the users API."""

from typing import Annotated

from pydantic import (
    AfterValidator,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    TypeAdapter,
    field_validator,
)

from inkwell.core.schemas import (
    CleanText,
    Money,
    ReadSchema,
    Schema,
    UTCTimestamp,
    reject_null,
)


def _normalise_email(value: str) -> str:
    if len(value) > 255:
        raise ValueError("must be at most 255 characters")
    return value.lower()


def _empty_to_none(value: str) -> str | None:
    return value or None


Username = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=3, max_length=50, pattern=r"^[A-Za-z0-9_.\-]+$"
    ),
    CleanText,
    Field(description="3-50 letters, digits, `_`, `.` or `-`", examples=["ada_l"]),
]
Email = Annotated[EmailStr, AfterValidator(_normalise_email), Field(examples=["ada@example.com"])]
Password = Annotated[
    str,
    StringConstraints(min_length=8, max_length=128),
    CleanText,
    Field(description="8-128 characters; stored only as an argon2 hash"),
]
FullName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=100),
    CleanText,
    AfterValidator(_empty_to_none),
    Field(examples=["Ada Lovelace"]),
]


class UserCreate(Schema):
    username: Username
    email: Email
    password: Password
    full_name: FullName | None = None

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "username": "ada_l",
                    "email": "ada@example.com",
                    "password": "correct horse battery",
                    "full_name": "Ada Lovelace",
                }
            ]
        }
    )


class UserUpdate(Schema):
    """Only the fields sent are changed; `full_name: null` clears it."""

    full_name: FullName | None = None
    email: Email | None = None
    username: Username | None = None
    is_active: bool | None = None

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"full_name": "Ada King", "is_active": True}]}
    )

    _not_null = field_validator("email", "username", "is_active", mode="before")(reject_null)


class UserRead(ReadSchema):
    id: int
    username: str
    email: str
    full_name: str | None
    is_active: bool
    credits: Money = Field(examples=["100.00"])
    created_at: UTCTimestamp


class UserBrief(ReadSchema):
    """The author of a post, as embedded in it."""

    id: int
    username: str
    full_name: str | None


USER = TypeAdapter(UserRead)
USERS = TypeAdapter(list[UserRead])
