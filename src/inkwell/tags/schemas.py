"""Request and response bodies of the tags API."""

from typing import Annotated, Any

from pydantic import AfterValidator, Field, StringConstraints, TypeAdapter, WithJsonSchema

from inkwell.core.schemas import CleanText, ReadSchema


def _normalise(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


MAX_TAG_LENGTH = 50
_TAG_PUNCTUATION = frozenset(" _.+#-")


def _tag_name(value: str) -> str:
    """Letters and digits of any script, spaces and `_ . + # -`; trimmed, lower-cased.

    Checked in Python rather than by a regex: the schema's word-character class means
    "a letter or digit of any script" to Python (and so to property-based clients),
    which is not what the Rust regex engine behind pydantic's `pattern` means by it."""
    name = value.strip()
    if not all(c.isalnum() or c in _TAG_PUNCTUATION for c in name):
        raise ValueError("may hold only letters, digits, spaces and _ . + # -")
    name = name.lower()
    if not 1 <= len(name) <= MAX_TAG_LENGTH:
        raise ValueError(f"must be 1-{MAX_TAG_LENGTH} characters")
    return name


TagName = Annotated[
    str,
    StringConstraints(max_length=MAX_TAG_LENGTH + 20),
    CleanText,
    AfterValidator(_tag_name),
    WithJsonSchema(
        {
            "type": "string",
            "minLength": 1,
            "maxLength": MAX_TAG_LENGTH,
            "pattern": r"^[\w.+#\-]([\w .+#\-]*[\w.+#\-])?$",
            "description": "1-50 letters, digits, spaces or `_ . + # -`; trimmed and lower-cased",
            "examples": ["python"],
        }
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
