"""Async Python client of the Inkwell API: typed documents, retries that never pay twice,
pages that iterate themselves, conditional updates.

    async with AsyncInkwell("http://127.0.0.1:8000") as inkwell:
        await inkwell.login("ada", "correct horse")
        async for post in inkwell.posts.iterate(tag="python"):
            print(post.title)
"""

from inkwell_client._client import AsyncInkwell, __version__
from inkwell_client._retry import RetryPolicy
from inkwell_client.errors import (
    BadRequest,
    Conflict,
    ConnectionFailed,
    Forbidden,
    InkwellError,
    NotFound,
    PayloadTooLarge,
    PreconditionFailed,
    RateLimited,
    ServerError,
    Unauthorized,
    Unavailable,
    ValidationFailed,
)
from inkwell_client.models import (
    PostRead,
    Problem,
    TagRead,
    TagWithCount,
    Token,
    TransferRead,
    UserBrief,
    UserPrivate,
    UserRead,
)
from inkwell_client.pagination import Page
from inkwell_client.resources import NOT_GIVEN, NotGiven

__all__ = [
    "NOT_GIVEN",
    "AsyncInkwell",
    "BadRequest",
    "Conflict",
    "ConnectionFailed",
    "Forbidden",
    "InkwellError",
    "NotFound",
    "NotGiven",
    "Page",
    "PayloadTooLarge",
    "PostRead",
    "PreconditionFailed",
    "Problem",
    "RateLimited",
    "RetryPolicy",
    "ServerError",
    "TagRead",
    "TagWithCount",
    "Token",
    "TransferRead",
    "Unauthorized",
    "Unavailable",
    "UserBrief",
    "UserPrivate",
    "UserRead",
    "ValidationFailed",
    "__version__",
]
