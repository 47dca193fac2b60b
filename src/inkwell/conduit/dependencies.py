"""Who is calling, in Conduit's words: `Authorization: Token <jwt>`.

The token is the one the native API issues and reads (auth.service), and the caller is
read by the same rule (auth.dependencies.caller); only the header's scheme differs.
Front ends that send `Bearer` are accepted too.
"""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader

from inkwell.auth.dependencies import ReadingCaller, WritingCaller
from inkwell.auth.service import InvalidToken
from inkwell.users.models import User

_SCHEMES = frozenset({"token", "bearer"})

# auto_error=False: a missing header is answered by Conduit's own 401 document.
_authorization = APIKeyHeader(
    name="Authorization",
    scheme_name="Token",
    description="`Token <jwt>`, the token from registration or login",
    auto_error=False,
)


async def conduit_token(header: Annotated[str | None, Depends(_authorization)]) -> str | None:
    """The token of `Authorization: Token <jwt>`, None without the header; any other
    form is a bad token (401), never an anonymous call."""
    if header is None:
        return None
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() not in _SCHEMES or not token:
        raise InvalidToken("Send the token as `Authorization: Token <jwt>`.")
    return token


ConduitToken = Annotated[str | None, Depends(conduit_token)]


async def _token(request: Request) -> str | None:
    return await conduit_token(await _authorization(request))


_reader = ReadingCaller(_authorization, _token, required_scheme="Token")
_viewer = ReadingCaller(_authorization, _token, required_scheme=None)
_writer = WritingCaller(_authorization, _token, required_scheme="Token")

Writer = Annotated[User, Depends(_writer)]
"""The caller of a handler that writes (with `SessionDep`)."""
Reader = Annotated[User, Depends(_reader)]
"""The caller of a handler that reads (with `ReadSessionDep`)."""
Viewer = Annotated[User | None, Depends(_viewer)]
"""The caller of a read open to anyone, or None."""

# OpenAPI of an operation open to anyone that reads a token when sent: with the token
# (FastAPI's requirement) or anonymous (`{}`, added to it).
OPTIONAL_TOKEN: dict[str, object] = {"security": [{}]}

# Headers of a read whose answer depends on the token sent (`following`, `favorited`):
# revalidated every time, never kept by a shared cache, nor given to another token.
PER_VIEWER = {"Cache-Control": "private, no-cache", "Vary": "Authorization"}
