"""HTTP validators (RFC 9110 §8.8.3, §13.1): strong entity tags made from row versions.

A document's tag is computed from what identifies its content: the kind, the ids and
the versions of the rows it shows, and the view (a holder's private document differs
from the public one at the same URL). Nothing hashes a response body.
"""

import hashlib
import re
from typing import Annotated, Any

from fastapi import Header

from inkwell.core.errors import PreconditionFailed

# One entity tag of a list (`"abc"`, `W/"abc"`), or `*`.
_TAG = re.compile(r'\s*(\*|(?:W/)?"[\x21\x23-\x7e\x80-\xff]*")\s*(?:,|$)')


def etag(*parts: object) -> str:
    """The strong entity tag of a document made of these parts (kind, ids, versions)."""
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=12).hexdigest()
    return f'"{digest}"'


def _tags(header: str) -> list[str]:
    tags: list[str] = []
    position = 0
    while position < len(header):
        match = _TAG.match(header, position)
        if match is None:
            return tags  # a malformed list: what was read so far
        tags.append(match.group(1))
        position = match.end()
    return tags


def none_match(header: str | None, current: str) -> bool:
    """`If-None-Match` (weak comparison): True when the client's copy is current."""
    if header is None:
        return False
    tags = _tags(header)
    return "*" in tags or current in (tag.removeprefix("W/") for tag in tags)


def match(header: str | None, current: str | None) -> bool:
    """`If-Match` (strong comparison): True when the request may go ahead. No header
    always may; `*` needs the resource to exist (`current` not None)."""
    if header is None:
        return True
    if current is None:
        return False
    tags = _tags(header)
    return "*" in tags or current in tags


def ensure_match(header: str | None, current: str) -> None:
    """Let a write go ahead only if `If-Match` allows it (PreconditionFailed otherwise):
    the client changes the document it read, not one changed since."""
    if not match(header, current):
        raise PreconditionFailed(
            "The resource changed since you read it: If-Match does not match its current "
            "ETag. Read it again and retry with the new ETag."
        )


IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        description="Change or delete only if the resource is still the version you read: "
        "its `ETag` (strong comparison; weak `W/` tags never match), or `*` for any. "
        "A stale tag is 412 and changes nothing; without the header the write is "
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
# OpenAPI `responses=` entry of a write whose answer carries the new document's tag.
ETAG_HEADER: dict[str, Any] = {"headers": _ETAG}


def validator_responses() -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries of a read that carries an ETag and may answer 304."""
    return {
        200: {"description": "Successful Response", "headers": _ETAG},
        304: {
            "description": "Not Modified: the `If-None-Match` tag is current; no body",
            "headers": _ETAG,
        },
    }
