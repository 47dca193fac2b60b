"""Conditional requests (RFC 9110 §13): ETags on reads, 304 for a current copy, If-Match.

A read's ETag is known after its first statement (core.documents): a client whose copy
is current (`If-None-Match`) gets 304 without any document being built, and the read
session is told so beforehand (`revalidating`), so that statement loads nothing more.
"""

from typing import Annotated, Any

from fastapi import Header, Request, Response

from inkwell.core.documents import Read
from inkwell.core.etag import none_match
from inkwell.core.http.paging import next_link
from inkwell.core.http.responses import json_response


def revalidating(request: Request) -> bool:
    """Whether the client holds a copy of what it reads (it sent `If-None-Match`)."""
    return "if-none-match" in request.headers


async def respond_read(
    request: Request,
    read: Read,
    *,
    private: bool = False,
    vary: bool = False,
    links: bool = True,
) -> Response:
    """200 with the body, or 304 when `If-None-Match` names the current ETag (no body
    built). `private` for answers that depend on the caller's token, `vary` where the
    token may change the answer. A full page's `Link` names the next one by its cursor
    (`links=False`: a dialect that pages by offset alone)."""
    if none_match(request.headers.get("if-none-match"), read.etag):
        return Response(status_code=304, headers=_headers(request, read, private, vary, links))
    body = await read.body()  # found again if its documents changed: the ETag too
    return json_response(body, headers=_headers(request, read, private, vary, links))


def _headers(
    request: Request, read: Read, private: bool, vary: bool, links: bool
) -> dict[str, str]:
    headers = {"ETag": read.etag, **_CACHE_CONTROL[private, vary]}
    if links and read.next is not None:
        headers["Link"] = next_link(request, read.next)
    return headers


_CACHE_CONTROL = {
    (private, vary): {
        "Cache-Control": "private, no-cache" if private else "no-cache",
        **({"Vary": "Authorization"} if vary else {}),
    }
    for private in (False, True)
    for vary in (False, True)
}


IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        description="Change or delete only if the resource is still the version you read: "
        "its `ETag` (strong comparison; weak `W/` tags never match), or `*` for any. "
        "A stale ETag is 412 and changes nothing; without the header the write is "
        "unconditional.",
    ),
]

# The `ETag` response header in OpenAPI, on reads and on the writes that answer a document.
_ETAG = {
    "ETag": {
        "description": "Strong entity tag of the document, from its rows' versions: send it "
        "back in `If-None-Match` (304 while nothing changed) or `If-Match` (412 once stale)",
        "schema": {"type": "string"},
    }
}
# OpenAPI `responses=` entry of a write whose answer carries the new document's ETag.
ETAG_HEADER: dict[str, Any] = {"headers": _ETAG}


def validator_responses() -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries of a read that carries an ETag and may answer 304."""
    return {
        200: {"description": "Successful Response", "headers": _ETAG},
        304: {
            "description": "Not Modified: the `If-None-Match` ETag is current; no body",
            "headers": _ETAG,
        },
    }
