"""Request and response bodies of the users API."""

from typing import Annotated

from email_validator import EmailNotValidError, validate_email
from pydantic import (
    AfterValidator,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    WithJsonSchema,
    field_validator,
)
from pydantic.json_schema import SkipJsonSchema

from inkwell.core.schemas import (
    CleanText,
    Money,
    ReadSchema,
    Schema,
    UTCTimestamp,
    reject_null,
)


def _email(value: str) -> str:
    """A syntactically valid address, lower-cased. Reserved domains such as `.test` are
    accepted (staging systems use them); deliverability is not checked."""
    try:
        address = validate_email(
            value, check_deliverability=False, globally_deliverable=False, test_environment=True
        )
    except EmailNotValidError as exc:
        raise ValueError(f"not a valid e-mail address: {exc}") from None
    if len(address.normalized) > 255:
        raise ValueError("must be at most 255 characters")
    return address.normalized.lower()


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
# Looking a user up by name accepts any text: a name nobody has simply finds nothing.
UsernameLookup = Annotated[
    str, StringConstraints(min_length=1, max_length=255), CleanText, Field(examples=["ada_l"])
]
Email = Annotated[
    str,
    StringConstraints(max_length=320),
    CleanText,
    AfterValidator(_email),
    WithJsonSchema({"type": "string", "format": "email", "maxLength": 255}),
    Field(examples=["ada@example.com"]),
]
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

Bio = Annotated[
    str,
    StringConstraints(max_length=5_000),
    CleanText,
    AfterValidator(_empty_to_none),
    Field(description="At most 5,000 characters; empty clears it", examples=["Poet of science"]),
]
Image = Annotated[
    str,
    # An absolute http(s) URL with a host, no space or control character: the pattern is
    # the whole rule, as the schema states it. Empty clears it. (Control characters and
    # the space by code point: what `\s` means differs between regex engines.)
    StringConstraints(max_length=500, pattern=r"^(https?://[^\x00-\x20/?#]+[^\x00-\x20]*)?$"),
    CleanText,
    AfterValidator(_empty_to_none),
    Field(
        description="An http(s) URL of a picture, at most 500 characters; empty clears it",
        examples=["https://example.com/ada.png"],
    ),
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
    """Only the fields sent are changed; `full_name`, `bio` and `image` are cleared by
    null or an empty string."""

    full_name: FullName | None = None
    bio: Bio | None = None
    image: Image | None = None
    # Omittable but not nullable: the schema shows no null, null is refused.
    email: Email | SkipJsonSchema[None] = None
    username: Username | SkipJsonSchema[None] = None

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"full_name": "Ada King", "username": "ada_k"}]}
    )

    _not_null = field_validator("email", "username", mode="before")(reject_null)


class UserRead(ReadSchema):
    """A user as anyone sees them: lists, other users, anonymous callers."""

    id: int
    username: str
    full_name: str | None
    bio: str | None
    image: str | None
    created_at: UTCTimestamp


class UserPrivate(UserRead):
    """Your own account: the public document plus what only its holder may see."""

    email: str
    credits: Money = Field(examples=["100.00"])
    is_active: bool


class UserBrief(ReadSchema):
    """The author of a post, as embedded in it."""

    id: int
    username: str
    full_name: str | None


USER = TypeAdapter(UserRead)
USER_PRIVATE = TypeAdapter(UserPrivate)
