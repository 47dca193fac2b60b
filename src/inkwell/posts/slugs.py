"""A post's slug: its title made URL-safe, unique among posts.

The slug is ASCII lower-case letters and digits joined by `-`: accents are dropped
("Café" gives "cafe") and a title with nothing left (all in another script, say) gives
"post". A slug already taken gets a short random suffix (`hello-world-k3x9q2`); the
unique index decides races, and the service tries again with another suffix.

A draft's slug always has a suffix: only published posts hold the base slug of their
title. Were a draft to hold it, anyone could learn that a draft of some title exists
(a title they guess) from the suffix their own post of that title gets, or from the
suffix a published post of that title never needed.
"""

import re
import secrets
import string
import unicodedata
from collections.abc import Iterator

MAX_BASE = 180
_SUFFIX_ALPHABET = string.ascii_lowercase + string.digits
_SUFFIX_LENGTH = 6
# A taken slug gets a suffix; each suffix is taken with odds of at most 1 in 36**6.
ATTEMPTS = 5
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(title: str) -> str:
    """The base slug of a title."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = _NOT_SLUG.sub("-", ascii_title.lower()).strip("-")
    return slug[:MAX_BASE].strip("-") or "post"


def candidates(title: str, *, published: bool) -> Iterator[str]:
    """The slugs to try for a title, in order: the base (for a published post), then the
    base with suffixes."""
    base = slugify(title)
    if published:
        yield base
    for _ in range(ATTEMPTS - 1 if published else ATTEMPTS):
        suffix = "".join(secrets.choice(_SUFFIX_ALPHABET) for _ in range(_SUFFIX_LENGTH))
        yield f"{base}-{suffix}"
