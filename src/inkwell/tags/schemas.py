"""Request and response bodies of the tags API."""

from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints, TypeAdapter

from inkwell.core.schemas import CleanText, ReadSchema


def _normalise(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


TagName = Annotated[
    str,
    BeforeValidator(_normalise),
    StringConstraints(min_length=1, max_length=50, pattern=r"^[\w .+#\-]+$"),
    CleanText,
    Field(
        description="1-50 letters, digits, spaces or `_ . + # -`; trimmed and lower-cased",
        examples=["python"],
    ),
]


# Looking a tag up accepts any text: a name no tag has simply finds nothing.
TagLookup = Annotated[
    str,
    StringConstraints(min_length=1, max_length=200),
    CleanText,
    AfterValidator(_normalise),
    Field(description="A tag name (trimmed and lower-cased)", examples=["python"]),
]


class TagRead(ReadSchema):
    id: int
    name: str


class TagWithCount(ReadSchema):
    id: int
    name: str
    post_count: int = Field(description="Number of published posts with this tag")


TAGS_WITH_COUNTS = TypeAdapter(list[TagWithCount])
