"""Conduit's bodies: `{"user": ...}`, `{"article": ...}` envelopes, camelCase names.

Requests reuse the native field types (one rule per field: a username is a username
in both dialects) and ignore unknown members, as Conduit front ends send whole forms.
Responses are built from the ORM objects, as the native documents are, and named in
camelCase when serialized.
"""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AliasGenerator,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    TypeAdapter,
)
from pydantic.alias_generators import to_camel

from inkwell.auth.schemas import Login, Secret
from inkwell.comments.schemas import CommentBody
from inkwell.core.schemas import ReadSchema, Schema
from inkwell.posts.schemas import Body, Description, TagNames, Title
from inkwell.tags.models import Tag
from inkwell.users.schemas import Bio, Email, Image, Password, Username


class Request(Schema):
    """A request body: strict JSON types; members Conduit does not define are ignored."""

    model_config = ConfigDict(extra="ignore")


# Settings forms send "" for a field left alone: for these it is not a change.
Untouched = Literal[""]


class NewUser(Request):
    username: Username
    email: Email
    password: Password


class NewUserRequest(Request):
    user: NewUser


class LoginUser(Request):
    email: Login
    password: Secret


class LoginUserRequest(Request):
    user: LoginUser


class UpdateUser(Request):
    """Only the members sent are changed; "" or null leaves `email`, `username` and
    `password` as they are, and clears `bio` and `image`."""

    email: Email | Untouched | None = None
    username: Username | Untouched | None = None
    password: Password | Untouched | None = None
    bio: Bio | None = None
    image: Image | None = None

    def changes(self) -> dict[str, Any]:
        """The members that change something: those sent, but for untouched ones."""
        sent = self.model_dump(exclude_unset=True, exclude={"password"})
        return {k: v for k, v in sent.items() if k in _CLEARABLE or v not in ("", None)}

    def new_password(self) -> str | None:
        return self.password or None


# Members of an account that null (or "") clears; the others it leaves untouched.
_CLEARABLE = frozenset({"bio", "image"})


class UpdateUserRequest(Request):
    user: UpdateUser


class NewArticle(Request):
    title: Title
    description: Description
    body: Body
    tag_list: TagNames = Field(default_factory=list, alias="tagList")


class NewArticleRequest(Request):
    article: NewArticle


class UpdateArticle(Request):
    """Only the members sent are changed."""

    title: Title | None = None
    description: Description | None = None
    body: Body | None = None
    tag_list: TagNames | None = Field(default=None, alias="tagList")


class UpdateArticleRequest(Request):
    article: UpdateArticle


class NewComment(Request):
    body: CommentBody


class NewCommentRequest(Request):
    comment: NewComment


# Responses ----------------------------------------------------------------------------


def _stamp(value: datetime) -> str:
    """ISO 8601 in UTC, always with microseconds (Conduit clients match `.\\d+`)."""
    return value.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


Timestamp = Annotated[datetime, PlainSerializer(_stamp, return_type=str)]


def _tag_names(tags: Any) -> Any:
    if isinstance(tags, Sequence) and all(isinstance(t, Tag) for t in tags):
        return sorted(t.name for t in tags)
    return tags


class Document(ReadSchema):
    """Built from ORM objects by attribute name, serialized in camelCase."""

    model_config = ConfigDict(
        alias_generator=AliasGenerator(serialization_alias=to_camel), serialize_by_alias=True
    )


class Profile(Document):
    username: str
    bio: str | None
    image: str | None
    # Per viewer: not part of a cached document (conduit/documents.py sets it).
    following: bool = False


class User(Document):
    email: str
    username: str
    bio: str | None
    image: str | None
    token: str = ""


class Article(Document):
    """The members' order is part of the design: the per-viewer members come last
    (conduit/documents.py), `body` is left out of lists."""

    slug: str
    title: str
    description: str
    body: str
    tag_list: Annotated[list[str], BeforeValidator(_tag_names)] = Field(validation_alias="tags")
    created_at: Timestamp
    updated_at: Timestamp
    favorites_count: int
    author: Profile
    favorited: bool = False


class Comment(Document):
    id: int
    created_at: Timestamp
    updated_at: Timestamp
    body: str
    author: Profile


USER = TypeAdapter(User)
PROFILE = TypeAdapter(Profile)
ARTICLE = TypeAdapter(Article)
COMMENT = TypeAdapter(Comment)
TAGS = TypeAdapter(list[str])
