"""Pagination shared by every collection: offset (`skip`) or keyset (`cursor`).

Every list is ordered newest first by `(created_at, id)`. A cursor is an opaque,
URL-safe token naming the last row of a page; the next page holds the rows
strictly before it, so a page far down costs what the first one does (an index
range scan instead of skipping rows). Each page's response carries an RFC 8288
`Link: <...>; rel="next"` header with the next cursor while the page is full: an
absolute URL, ASCII only, its path and query percent-encoded as RFC 3986 says
(UTF-8), so that a tag or a username in any script survives the round trip.
"""

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Protocol, TypeVar
from urllib.parse import quote, urlencode

from fastapi import Depends, Query, Request
from sqlalchemy import ColumnElement, Select, bindparam, tuple_
from sqlalchemy.orm import InstrumentedAttribute

from inkwell.core.errors import Unprocessable
from inkwell.core.schemas import MAX_ID

Skip = Annotated[int, Query(ge=0, le=1_000_000, description="Rows to skip")]
Limit = Annotated[int, Query(ge=1, le=100, description="Page size (1-100)")]
CursorParam = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=200,
        description='Opaque cursor from the previous page\'s `Link: rel="next"` header',
    ),
]


# Any statement, whatever its columns.
SelectT = TypeVar("SelectT", bound=Select[*tuple[Any, ...]])

# Query parameters the next page's link does not carry over.
_REPLACED = frozenset({"cursor", "skip"})
# What RFC 3986 lets stand unencoded in a path (pchar and "/") and in a query
# parameter's name or value (where "&", "=" and "+" would change its meaning).
_PATH_SAFE = "/-._~!$'()*,;=:@"
_QUERY_SAFE = "-._~!$'()*,;:@/?"


class InvalidCursor(Unprocessable):
    slug = "invalid-cursor"


class Keyed(Protocol):
    @property
    def created_at(self) -> datetime: ...

    @property
    def id(self) -> int: ...


@dataclass(frozen=True)
class Position:
    """Where a page starts: after the row with this (created_at, id)."""

    created_at: datetime
    id: int

    def encode(self) -> str:
        raw = json.dumps([self.created_at.isoformat(), self.id], separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> "Position":
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            stamp, row_id = json.loads(raw)
            created_at = datetime.fromisoformat(stamp).astimezone(UTC)
            if not isinstance(row_id, int) or not 0 <= row_id <= MAX_ID:
                raise ValueError(token)
        except (ValueError, TypeError, OverflowError, binascii.Error):
            raise InvalidCursor("The cursor is not one this service issued.") from None
        return cls(created_at, row_id)


def keyset_before(
    created_at: InstrumentedAttribute[datetime], id_: InstrumentedAttribute[int]
) -> ColumnElement[bool]:
    """Rows after the cursor's position in newest-first order, the position bound at
    execution (`Page.params`): one statement serves every cursor."""
    position = tuple_(
        bindparam("after_created_at", type_=created_at.type),
        bindparam("after_id", type_=id_.type),
    )
    return tuple_(created_at, id_) < position


def paginated(query: SelectT) -> SelectT:
    """The page's offset and size, bound at execution (`Page.params`)."""
    return query.offset(bindparam("skip")).limit(bindparam("limit"))


@dataclass(frozen=True)
class Page:
    skip: int
    limit: int
    after: Position | None

    def params(self) -> dict[str, object]:
        """The values of `paginated` and `keyset_before` statements."""
        after = self.after
        return {
            "skip": self.skip,
            "limit": self.limit,
            "after_created_at": after.created_at if after else None,
            "after_id": after.id if after else None,
        }

    def links(self, request: Request, rows: Sequence[Keyed]) -> dict[str, str]:
        """The `Link` header pointing to the next page, while this page is full."""
        if len(rows) < self.limit or not rows:
            return {}
        last = rows[-1]
        params = [(k, v) for k, v in request.query_params.multi_items() if k not in _REPLACED]
        params.append(("cursor", Position(last.created_at, last.id).encode()))
        return {"Link": f'<{_next_url(request, params)}>; rel="next"'}


def _next_url(request: Request, params: list[tuple[str, str]]) -> str:
    """The request's own absolute URL with other query parameters, all ASCII.

    The path is taken decoded from the ASGI scope and encoded once here (`request.url`
    has it half-encoded: `#` and `?` escaped, other characters raw); the host too is
    encoded, should a client have sent non-ASCII in it."""
    url = request.url
    netloc = quote(url.netloc, safe=_PATH_SAFE + "[]")
    path = quote(request.scope["path"], safe=_PATH_SAFE)
    query = urlencode(params, quote_via=quote, safe=_QUERY_SAFE)
    return f"{url.scheme}://{netloc}{path}?{query}"


async def get_page(skip: Skip = 0, limit: Limit = 20, cursor: CursorParam = None) -> Page:
    if cursor is not None and skip:
        raise InvalidCursor("Use either `skip` or `cursor`, not both.")
    return Page(skip=skip, limit=limit, after=Position.decode(cursor) if cursor else None)


PageDep = Annotated[Page, Depends(get_page)]
