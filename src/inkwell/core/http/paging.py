"""Pages over HTTP: `skip`, `limit` and `cursor` in, a `Link` to the next page out.

Each page's response carries an RFC 8288 `Link: <...>; rel="next"` header with the next
cursor while the page is full: an absolute URL, ASCII only, its path and query
percent-encoded as RFC 3986 says (UTF-8), so that a tag or a username in any script
survives the round trip.
"""

from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import Depends, Query, Request

from inkwell.core.pagination import InvalidCursor, Page, Position

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

# Query parameters the next page's link does not carry over.
_REPLACED = frozenset({"cursor", "skip"})
# What RFC 3986 lets stand unencoded in a path (pchar and "/") and in a query
# parameter's name or value (where "&", "=" and "+" would change its meaning).
_PATH_SAFE = "/-._~!$'()*,;=:@"
_QUERY_SAFE = "-._~!$'()*,;:@/?"


def next_link(request: Request, position: Position) -> str:
    """The `Link` header of the page after this one, which ends at `position`."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k not in _REPLACED]
    params.append(("cursor", position.encode()))
    return f'<{_next_url(request, params)}>; rel="next"'


def link_headers(request: Request, position: Position | None) -> dict[str, str]:
    """`Link` to the next page, if there is one (it starts after `position`)."""
    return {} if position is None else {"Link": next_link(request, position)}


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
