"""Inkwell's API documents, generated from its OpenAPI description: do not edit.

Refresh with `make client` whenever the API changes (a test fails until you do).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, ConfigDict, Field, RootModel

from inkwell_client._base import Model


class GrantType(RootModel[str]):
    root: Annotated[str, Field(pattern="^password$", title="Grant Type")]


class BodyLoginAuthTokenPost(Model):
    username: Annotated[
        str, Field(max_length=255, min_length=1, pattern="^[^\\u0000]*$", title="Username")
    ]
    """
    Username or e-mail address
    """
    password: Annotated[
        str, Field(max_length=128, min_length=1, pattern="^[^\\u0000]*$", title="Password")
    ]
    grant_type: Annotated[GrantType | None, Field(title="Grant Type")] = None


class CommentCreate(Model):
    model_config = ConfigDict(
        extra="forbid",
    )
    body: Annotated[
        str,
        Field(
            examples=["A fine engine."],
            max_length=10000,
            min_length=1,
            pattern="^[^\\u0000]*[^\\t\\n\\u000b\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\u0000][^\\u0000]*$",
            title="Body",
        ),
    ]
    """
    1-10,000 characters once trimmed: not only white space
    """


class Errors(Model):
    """
    Conduit's error document: messages by the field they are about (`body` when the
    error is about no one field).
    """

    errors: Annotated[dict[str, list[str]], Field(title="Errors")]


class LoginUser(Model):
    email: Annotated[
        str, Field(max_length=255, min_length=1, pattern="^[^\\u0000]*$", title="Email")
    ]
    password: Annotated[
        str, Field(max_length=128, min_length=1, pattern="^[^\\u0000]*$", title="Password")
    ]


class LoginUserRequest(Model):
    user: LoginUser


class TagListItem(RootModel[str]):
    root: Annotated[
        str,
        Field(
            examples=["python"],
            max_length=50,
            min_length=1,
            pattern="^[\\w.+#\\-]([\\w .+#\\-]*[\\w.+#\\-])?$",
        ),
    ]
    """
    1-50 letters, digits, spaces or `_ . + # -`; trimmed and lower-cased
    """


class NewArticle(Model):
    title: Annotated[
        str,
        Field(
            examples=["Notes on the Analytical Engine"],
            max_length=200,
            min_length=1,
            pattern="^[^\\u0000]*[^\\t\\n\\u000b\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\u0000][^\\u0000]*$",
            title="Title",
        ),
    ]
    """
    1-200 characters once trimmed: not only white space
    """
    description: Annotated[
        str,
        Field(
            examples=["On Babbage"], max_length=2000, pattern="^[^\\u0000]*$", title="Description"
        ),
    ]
    """
    At most 2,000 characters: what the post is about
    """
    body: Annotated[
        str,
        Field(
            examples=["The engine weaves algebraic patterns."],
            max_length=100000,
            min_length=10,
            pattern="^[^\\u0000]*$",
            title="Body",
        ),
    ]
    """
    10-100,000 characters
    """
    tag_list: Annotated[
        list[TagListItem] | None, Field(alias="tagList", max_length=10, title="Taglist")
    ] = None
    """
    At most 10 tag names; unknown ones are created
    """


class NewArticleRequest(Model):
    article: NewArticle


class NewComment(Model):
    body: Annotated[
        str,
        Field(
            examples=["A fine engine."],
            max_length=10000,
            min_length=1,
            pattern="^[^\\u0000]*[^\\t\\n\\u000b\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\u0000][^\\u0000]*$",
            title="Body",
        ),
    ]
    """
    1-10,000 characters once trimmed: not only white space
    """


class NewCommentRequest(Model):
    comment: NewComment


class NewUser(Model):
    username: Annotated[
        str,
        Field(
            examples=["ada_l"],
            max_length=50,
            min_length=3,
            pattern="^[A-Za-z0-9_.\\-]+$",
            title="Username",
        ),
    ]
    """
    3-50 letters, digits, `_`, `.` or `-`
    """
    email: Annotated[str, Field(examples=["ada@example.com"], max_length=255, title="Email")]
    password: Annotated[
        str, Field(max_length=128, min_length=8, pattern="^[^\\u0000]*$", title="Password")
    ]
    """
    8-128 characters; stored only as an argon2 hash
    """


class NewUserRequest(Model):
    user: NewUser


class PasswordChange(Model):
    """
    The current password, proving the holder is at the keyboard, and the new one.
    """

    model_config = ConfigDict(
        extra="forbid",
    )
    current_password: Annotated[
        str, Field(max_length=128, min_length=1, pattern="^[^\\u0000]*$", title="Current Password")
    ]
    new_password: Annotated[
        str, Field(max_length=128, min_length=8, pattern="^[^\\u0000]*$", title="New Password")
    ]
    """
    8-128 characters; stored only as an argon2 hash
    """


class Tag(RootModel[str]):
    root: Annotated[
        str,
        Field(
            examples=["python"],
            max_length=50,
            min_length=1,
            pattern="^[\\w.+#\\-]([\\w .+#\\-]*[\\w.+#\\-])?$",
        ),
    ]
    """
    1-50 letters, digits, spaces or `_ . + # -`; trimmed and lower-cased
    """


class PostCreate(Model):
    model_config = ConfigDict(
        extra="forbid",
    )
    title: Annotated[
        str,
        Field(
            examples=["Notes on the Analytical Engine"],
            max_length=200,
            min_length=1,
            pattern="^[^\\u0000]*[^\\t\\n\\u000b\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\u0000][^\\u0000]*$",
            title="Title",
        ),
    ]
    """
    1-200 characters once trimmed: not only white space
    """
    description: Annotated[
        str | None,
        Field(
            examples=["On Babbage"], max_length=2000, pattern="^[^\\u0000]*$", title="Description"
        ),
    ] = ""
    """
    At most 2,000 characters: what the post is about
    """
    body: Annotated[
        str,
        Field(
            examples=["The engine weaves algebraic patterns."],
            max_length=100000,
            min_length=10,
            pattern="^[^\\u0000]*$",
            title="Body",
        ),
    ]
    """
    10-100,000 characters
    """
    published: Annotated[bool | None, Field(title="Published")] = False
    tags: Annotated[list[Tag] | None, Field(max_length=10, title="Tags")] = None
    """
    At most 10 tag names; unknown ones are created
    """


class PostUpdate(Model):
    """
    Only the fields sent are changed; `tags` replaces the whole set.
    """

    model_config = ConfigDict(
        extra="forbid",
    )
    title: Annotated[
        str | None,
        Field(
            examples=["Notes on the Analytical Engine"],
            max_length=200,
            min_length=1,
            pattern="^[^\\u0000]*[^\\t\\n\\u000b\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\u0000][^\\u0000]*$",
            title="Title",
        ),
    ] = None
    """
    1-200 characters once trimmed: not only white space
    """
    description: Annotated[
        str | None,
        Field(
            examples=["On Babbage"], max_length=2000, pattern="^[^\\u0000]*$", title="Description"
        ),
    ] = None
    """
    At most 2,000 characters: what the post is about
    """
    body: Annotated[
        str | None,
        Field(
            examples=["The engine weaves algebraic patterns."],
            max_length=100000,
            min_length=10,
            pattern="^[^\\u0000]*$",
            title="Body",
        ),
    ] = None
    """
    10-100,000 characters
    """
    published: Annotated[bool | None, Field(title="Published")] = None
    tags: Annotated[list[Tag] | None, Field(max_length=10, title="Tags")] = None
    """
    At most 10 tag names; unknown ones are created
    """


class TagRead(Model):
    id: Annotated[int, Field(title="Id")]
    name: Annotated[str, Field(title="Name")]


class TagWithCount(Model):
    id: Annotated[int, Field(title="Id")]
    name: Annotated[str, Field(title="Name")]
    post_count: Annotated[int, Field(title="Post Count")]
    """
    Number of published posts with this tag
    """


class Token(Model):
    access_token: Annotated[str, Field(title="Access Token")]
    token_type: Annotated[str | None, Field(examples=["bearer"], title="Token Type")] = "bearer"
    expires_in: Annotated[int, Field(examples=[1800], title="Expires In")]
    """
    Seconds until the token expires
    """


class Amount(RootModel[float]):
    root: Annotated[float, Field(examples=["12.50"], gt=0.0, le=1000000.0, title="Amount")]
    """
    More than 0 and at most 1,000,000, with at most 2 decimal places
    """


class Amount1(RootModel[str]):
    root: Annotated[
        str,
        Field(
            examples=["12.50"],
            pattern="^(1000000(\\.0{1,2})?|[1-9][0-9]{0,5}(\\.[0-9]{1,2})?|0\\.(0[1-9]|[1-9][0-9]?))$",
            title="Amount",
        ),
    ]
    """
    More than 0 and at most 1,000,000, with at most 2 decimal places
    """


class TransferCreate(Model):
    model_config = ConfigDict(
        extra="forbid",
    )
    to_user_id: Annotated[int, Field(ge=1, le=2147483647, title="To User Id")]
    """
    The recipient's user id, written as an integer (not `2.0`)
    """
    amount: Annotated[Amount | Amount1, Field(examples=["12.50"], title="Amount")]
    """
    More than 0 and at most 1,000,000, with at most 2 decimal places
    """


class TransferRead(Model):
    id: Annotated[int, Field(title="Id")]
    kind: Annotated[str, Field(title="Kind")]
    """
    `transfer`, or `grant` for credits given at registration
    """
    from_user_id: Annotated[int | None, Field(title="From User Id")]
    """
    The sender; null for a grant
    """
    to_user_id: Annotated[int, Field(title="To User Id")]
    amount: Annotated[str, Field(examples=["12.50"], title="Amount")]
    created_at: Annotated[
        AwareDatetime, Field(examples=["2026-11-25T06:00:00.123456Z"], title="Created At")
    ]


class Title(RootModel[str]):
    root: Annotated[
        str,
        Field(
            examples=["Notes on the Analytical Engine"],
            max_length=200,
            min_length=1,
            pattern="^[^\\u0000]*[^\\t\\n\\u000b\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\u0000][^\\u0000]*$",
            title="Title",
        ),
    ]
    """
    1-200 characters once trimmed: not only white space
    """


class Description(RootModel[str]):
    root: Annotated[
        str,
        Field(
            examples=["On Babbage"], max_length=2000, pattern="^[^\\u0000]*$", title="Description"
        ),
    ]
    """
    At most 2,000 characters: what the post is about
    """


class Body(RootModel[str]):
    root: Annotated[
        str,
        Field(
            examples=["The engine weaves algebraic patterns."],
            max_length=100000,
            min_length=10,
            pattern="^[^\\u0000]*$",
            title="Body",
        ),
    ]
    """
    10-100,000 characters
    """


class TagList(RootModel[list[TagListItem]]):
    root: Annotated[list[TagListItem], Field(max_length=10, title="Taglist")]
    """
    At most 10 tag names; unknown ones are created
    """


class UpdateArticle(Model):
    """
    Only the members sent are changed.
    """

    title: Annotated[Title | None, Field(title="Title")] = None
    description: Annotated[Description | None, Field(title="Description")] = None
    body: Annotated[Body | None, Field(title="Body")] = None
    tag_list: Annotated[TagList | None, Field(alias="tagList", title="Taglist")] = None


class UpdateArticleRequest(Model):
    article: UpdateArticle


class Email(RootModel[str]):
    root: Annotated[str, Field(max_length=255, title="Email")]


class Username(RootModel[str]):
    root: Annotated[
        str,
        Field(
            examples=["ada_l"],
            max_length=50,
            min_length=3,
            pattern="^[A-Za-z0-9_.\\-]+$",
            title="Username",
        ),
    ]
    """
    3-50 letters, digits, `_`, `.` or `-`
    """


class Password(RootModel[str]):
    root: Annotated[
        str, Field(max_length=128, min_length=8, pattern="^[^\\u0000]*$", title="Password")
    ]
    """
    8-128 characters; stored only as an argon2 hash
    """


class Bio(RootModel[str]):
    root: Annotated[
        str,
        Field(examples=["Poet of science"], max_length=5000, pattern="^[^\\u0000]*$", title="Bio"),
    ]
    """
    At most 5,000 characters; empty clears it
    """


class Image(RootModel[str]):
    root: Annotated[
        str,
        Field(
            examples=["https://example.com/ada.png"],
            max_length=500,
            pattern="^(https?://[^\\x00-\\x20/?#]+[^\\x00-\\x20]*)?$",
            title="Image",
        ),
    ]
    """
    An http(s) URL of a picture, at most 500 characters; empty clears it
    """


class UpdateUser(Model):
    """
    Only the members sent are changed; "" or null leaves `email`, `username` and
    `password` as they are, and clears `bio` and `image`.
    """

    email: Annotated[Email | Literal[""] | None, Field(title="Email")] = None
    username: Annotated[Username | Literal[""] | None, Field(title="Username")] = None
    password: Annotated[Password | Literal[""] | None, Field(title="Password")] = None
    bio: Annotated[Bio | None, Field(title="Bio")] = None
    image: Annotated[Image | None, Field(title="Image")] = None


class UpdateUserRequest(Model):
    user: UpdateUser


class UserBrief(Model):
    """
    The author of a post, as embedded in it.
    """

    id: Annotated[int, Field(title="Id")]
    username: Annotated[str, Field(title="Username")]
    full_name: Annotated[str | None, Field(title="Full Name")]


class FullName(RootModel[str]):
    root: Annotated[
        str,
        Field(
            examples=["Ada Lovelace"], max_length=100, pattern="^[^\\u0000]*$", title="Full Name"
        ),
    ]


class UserCreate(Model):
    model_config = ConfigDict(
        extra="forbid",
    )
    username: Annotated[
        str,
        Field(
            examples=["ada_l"],
            max_length=50,
            min_length=3,
            pattern="^[A-Za-z0-9_.\\-]+$",
            title="Username",
        ),
    ]
    """
    3-50 letters, digits, `_`, `.` or `-`
    """
    email: Annotated[str, Field(examples=["ada@example.com"], max_length=255, title="Email")]
    password: Annotated[
        str, Field(max_length=128, min_length=8, pattern="^[^\\u0000]*$", title="Password")
    ]
    """
    8-128 characters; stored only as an argon2 hash
    """
    full_name: Annotated[FullName | None, Field(title="Full Name")] = None


class UserPrivate(Model):
    """
    Your own account: the public document plus what only its holder may see.
    """

    id: Annotated[int, Field(title="Id")]
    username: Annotated[str, Field(title="Username")]
    full_name: Annotated[str | None, Field(title="Full Name")]
    bio: Annotated[str | None, Field(title="Bio")]
    image: Annotated[str | None, Field(title="Image")]
    created_at: Annotated[
        AwareDatetime, Field(examples=["2026-11-25T06:00:00.123456Z"], title="Created At")
    ]
    email: Annotated[str, Field(title="Email")]
    credits: Annotated[str, Field(examples=["100.00"], title="Credits")]
    is_active: Annotated[bool, Field(title="Is Active")]


class UserRead(Model):
    """
    A user as anyone sees them: lists, other users, anonymous callers.
    """

    id: Annotated[int, Field(title="Id")]
    username: Annotated[str, Field(title="Username")]
    full_name: Annotated[str | None, Field(title="Full Name")]
    bio: Annotated[str | None, Field(title="Bio")]
    image: Annotated[str | None, Field(title="Image")]
    created_at: Annotated[
        AwareDatetime, Field(examples=["2026-11-25T06:00:00.123456Z"], title="Created At")
    ]


class UserUpdate(Model):
    """
    Only the fields sent are changed; `full_name`, `bio` and `image` are cleared by
    null or an empty string.
    """

    model_config = ConfigDict(
        extra="forbid",
    )
    full_name: Annotated[FullName | None, Field(title="Full Name")] = None
    bio: Annotated[Bio | None, Field(title="Bio")] = None
    image: Annotated[Image | None, Field(title="Image")] = None
    email: Annotated[str | None, Field(max_length=255, title="Email")] = None
    username: Annotated[
        str | None,
        Field(
            examples=["ada_l"],
            max_length=50,
            min_length=3,
            pattern="^[A-Za-z0-9_.\\-]+$",
            title="Username",
        ),
    ] = None
    """
    3-50 letters, digits, `_`, `.` or `-`
    """


class Problem(Model):
    """
    An RFC 9457 problem document.
    """

    type: Annotated[str, Field(title="Type")]
    title: Annotated[str, Field(title="Title")]
    status: Annotated[int, Field(title="Status")]
    detail: Annotated[str, Field(title="Detail")]
    instance: Annotated[str | None, Field(title="Instance")] = None
    errors: Annotated[list[dict[str, Any]] | None, Field(title="Errors")] = None


class CommentRead(Model):
    id: Annotated[int, Field(title="Id")]
    post_id: Annotated[int, Field(title="Post Id")]
    body: Annotated[str, Field(title="Body")]
    created_at: Annotated[
        AwareDatetime, Field(examples=["2026-11-25T06:00:00.123456Z"], title="Created At")
    ]
    updated_at: Annotated[
        AwareDatetime, Field(examples=["2026-11-25T06:00:00.123456Z"], title="Updated At")
    ]
    author: UserBrief


class PostRead(Model):
    id: Annotated[int, Field(title="Id")]
    slug: Annotated[str, Field(title="Slug")]
    """
    Unique, URL-safe, made from the title (changes with it)
    """
    title: Annotated[str, Field(title="Title")]
    description: Annotated[str, Field(title="Description")]
    body: Annotated[str, Field(title="Body")]
    published: Annotated[bool, Field(title="Published")]
    favorites_count: Annotated[int, Field(title="Favorites Count")]
    """
    How many users favorited the post
    """
    created_at: Annotated[
        AwareDatetime, Field(examples=["2026-11-25T06:00:00.123456Z"], title="Created At")
    ]
    updated_at: Annotated[
        AwareDatetime, Field(examples=["2026-11-25T06:00:00.123456Z"], title="Updated At")
    ]
    author: UserBrief
    tags: Annotated[list[TagRead], Field(title="Tags")]
