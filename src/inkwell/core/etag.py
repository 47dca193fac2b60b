"""HTTP validators (RFC 9110 §8.8.3, §13.1): strong entity tags made from row versions.

A document's ETag is computed from what identifies its content: the kind, the ids,
creation times and versions of the rows it shows, and the view (a holder's private document differs
from the public one at the same URL). Nothing hashes a response body.
"""

import hashlib
import re

from inkwell.core.errors import PreconditionFailed

# One entity tag of a list (`"abc"`, `W/"abc"`), or `*`.
_ETAG = re.compile(r'\s*(\*|(?:W/)?"[\x21\x23-\x7e\x80-\xff]*")\s*(?:,|$)')


def etag(*parts: object) -> str:
    """The strong entity tag of a document made of these parts (kind, ids, versions...)."""
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=12).hexdigest()
    return f'"{digest}"'


def _etags(header: str) -> list[str]:
    etags: list[str] = []
    position = 0
    while position < len(header):
        match = _ETAG.match(header, position)
        if match is None:
            return etags  # a malformed list: what was read so far
        etags.append(match.group(1))
        position = match.end()
    return etags


def none_match(header: str | None, current: str) -> bool:
    """`If-None-Match` (weak comparison): True when the client's copy is current."""
    if header is None:
        return False
    etags = _etags(header)
    return "*" in etags or current in (etag.removeprefix("W/") for etag in etags)


def match(header: str | None, current: str | None) -> bool:
    """`If-Match` (strong comparison): True when the request may go ahead. No header
    always may; `*` needs the resource to exist (`current` not None)."""
    if header is None:
        return True
    if current is None:
        return False
    etags = _etags(header)
    return "*" in etags or current in etags


def ensure_match(header: str | None, current: str) -> None:
    """Let a write go ahead only if `If-Match` allows it (PreconditionFailed otherwise):
    the client changes the document it read, not one changed since."""
    if not match(header, current):
        raise PreconditionFailed(
            "The resource changed since you read it: If-Match does not match its current "
            "ETag. Read it again and retry with the new ETag."
        )
