"""Request and response bodies of the comments API."""

from typing import Annotated

from pydantic import ConfigDict, Field, StringConstraints, TypeAdapter

from inkwell.core.schemas import NOT_BLANK, CleanText, ReadSchema, Schema, UTCTimestamp
from inkwell.users.schemas import UserBrief

CommentBody = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000),
    CleanText,
    Field(
        description="1-10,000 characters once trimmed: not only white space",
        examples=["A fine engine."],
        json_schema_extra=NOT_BLANK,
    ),
]


class CommentCreate(Schema):
    body: CommentBody

    model_config = ConfigDict(json_schema_extra={"examples": [{"body": "A fine engine."}]})


class CommentRead(ReadSchema):
    id: int
    post_id: int
    body: str
    created_at: UTCTimestamp
    updated_at: UTCTimestamp
    author: UserBrief


COMMENT = TypeAdapter(CommentRead)
COMMENTS = TypeAdapter(list[CommentRead])
