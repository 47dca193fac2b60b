"""Request and response bodies of the posts API."""

from typing import Annotated

from pydantic import (
    AfterValidator,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    field_validator,
)
from pydantic.json_schema import SkipJsonSchema

from inkwell.core.schemas import NOT_BLANK, CleanText, ReadSchema, Schema, UTCTimestamp, reject_null
from inkwell.tags.schemas import TagName, TagRead
from inkwell.users.schemas import UserBrief

MAX_TAGS = 10


def _dedupe(names: list[str]) -> list[str]:
    return list(dict.fromkeys(names))


def _by_name(tags: list[TagRead]) -> list[TagRead]:
    return sorted(tags, key=lambda t: t.name)


Title = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    CleanText,
    Field(
        examples=["Notes on the Analytical Engine"],
        description="1-200 characters once trimmed: not only white space",
        json_schema_extra=NOT_BLANK,
    ),
]
Description = Annotated[
    str,
    StringConstraints(max_length=2_000),
    CleanText,
    Field(description="At most 2,000 characters: what the post is about", examples=["On Babbage"]),
]
Body = Annotated[
    str,
    StringConstraints(min_length=10, max_length=100_000),
    CleanText,
    Field(description="10-100,000 characters", examples=["The engine weaves algebraic patterns."]),
]
TagNames = Annotated[
    list[TagName],
    Field(
        max_length=MAX_TAGS, description=f"At most {MAX_TAGS} tag names; unknown ones are created"
    ),
    AfterValidator(_dedupe),
]


class PostCreate(Schema):
    title: Title
    description: Description = ""
    body: Body
    published: bool = False
    tags: TagNames = Field(default_factory=list)

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "title": "Notes on the Analytical Engine",
                    "description": "On Babbage's engine",
                    "body": "The engine weaves algebraic patterns.",
                    "published": True,
                    "tags": ["math", "history"],
                }
            ]
        }
    )


class PostUpdate(Schema):
    """Only the fields sent are changed; `tags` replaces the whole set."""

    # Omittable but not nullable: the schema shows no null, null is refused.
    title: Title | SkipJsonSchema[None] = None
    description: Description | SkipJsonSchema[None] = None
    body: Body | SkipJsonSchema[None] = None
    published: bool | SkipJsonSchema[None] = None
    tags: TagNames | SkipJsonSchema[None] = None

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"published": True, "tags": ["math"]}]}
    )

    _not_null = field_validator("title", "description", "body", "published", "tags", mode="before")(
        reject_null
    )


class PostRead(ReadSchema):
    id: int
    slug: str = Field(description="Unique, URL-safe, made from the title (changes with it)")
    title: str
    description: str
    body: str
    published: bool
    favorites_count: int = Field(description="How many users favorited the post")
    created_at: UTCTimestamp
    updated_at: UTCTimestamp
    author: UserBrief
    tags: Annotated[list[TagRead], AfterValidator(_by_name)]


POST = TypeAdapter(PostRead)
POSTS = TypeAdapter(list[PostRead])
