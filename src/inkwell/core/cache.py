"""The read cache: serialized documents kept under the row versions they were built from.

A document (a post, a user's public or private view) is JSON that only the ORM and its
pydantic schema build. Its key is `(kind, id, *versions, view)` (and the row's creation
time, which tells apart two rows that had one id): every write moves a
version on, so a changed row has a new key, and the entry under the old one is simply
never asked for again and ages out of the LRU (key-based expiration, as Rails' "Russian
doll" caching). Nothing is invalidated, so nothing can be missed by an invalidation.

A read runs one statement that decides which rows the answer shows (every filter and
visibility rule) and returns their ids and versions; the documents of those keys are
taken from the cache, and only the missing ones are loaded through the ORM, validated
and serialized once. The ETag comes from the same versions, so `If-None-Match` is
answered after that one statement. The cache never decides who may see what: it only
answers "were these exact bytes built before".

Memory is bounded in 1 KiB slots (`READ_CACHE_ENTRIES` of them): a document of up to
1 KiB (a typical post or user) takes one, a larger one a slot per KiB begun, and
documents over `MAX_DOCUMENT_BYTES` are not kept (rebuilding one costs little beside
sending it, and it would push out dozens of small ones). The cache is per process and
used from one event loop without awaiting inside its operations, so concurrent requests
cannot see it half-updated; two that miss the same key both build it, with equal bytes.
"""

from collections.abc import Awaitable, Callable, Hashable, Sequence

from cachetools import LRUCache
from opentelemetry.trace import NoOpTracer, Tracer

# (kind, id, created_at, *versions, *view): core.documents makes them.
Key = tuple[Hashable, ...]
# Builds the documents of these keys through the ORM, keyed by the versions it loaded.
Loader = Callable[[Sequence[Key]], Awaitable[dict[Key, bytes]]]

SLOT_BYTES = 1024
MAX_DOCUMENT_BYTES = 64 * SLOT_BYTES


class CacheMismatch(RuntimeError):
    """READ_CACHE_VERIFY found a cached document that differs from what the ORM builds
    for the same key: a version that did not move with a change. Never expected."""


class StaleRead(Exception):
    """A document was loaded at other versions than the read statement returned: a write
    committed between the two statements. The read is run again."""


def _slots(document: bytes) -> int:
    return max(1, -(-len(document) // SLOT_BYTES))


class DocumentCache:
    """An LRU of serialized documents by key, `entries` 1 KiB slots large (0: off).
    Building what it missed is a span of `tracer` (core.ops.tracing); a hit is none."""

    def __init__(self, entries: int, *, verify: bool = False, tracer: Tracer | None = None) -> None:
        self.verify = verify
        self._tracer = tracer or NoOpTracer()
        self._lru: LRUCache[Key, bytes] | None = (
            LRUCache(maxsize=entries, getsizeof=_slots) if entries else None
        )

    @property
    def enabled(self) -> bool:
        return self._lru is not None

    def get(self, key: Key) -> bytes | None:
        return None if self._lru is None else self._lru.get(key)

    def put(self, key: Key, document: bytes) -> None:
        lru = self._lru
        size = len(document)
        if lru is not None and size <= MAX_DOCUMENT_BYTES and _slots(document) <= lru.maxsize:
            lru[key] = document

    def __len__(self) -> int:
        return 0 if self._lru is None else len(self._lru)

    async def fetch(self, keys: Sequence[Key], load: Loader) -> list[bytes]:
        """The documents of `keys`, in order: cached ones as kept, the others built by
        `load` (one call, whatever their number) and kept under the versions loaded."""
        found = [self.get(key) for key in keys]
        missing = [key for key, document in zip(keys, found, strict=True) if document is None]
        built = await self._build(missing, load) if missing else {}
        for key in missing:
            self.put(key, built[key])
        if self.verify:
            await self._verify([(k, d) for k, d in zip(keys, found, strict=True) if d], load)
        return [d if d is not None else built[k] for k, d in zip(keys, found, strict=True)]

    async def _build(self, missing: list[Key], load: Loader) -> dict[Key, bytes]:
        with self._tracer.start_as_current_span("documents build") as span:
            # Keys start with their kind's name (core.documents).
            span.set_attribute("inkwell.documents.kind", str(missing[0][0]))
            span.set_attribute("inkwell.documents.count", len(missing))
            return await _load(missing, load)

    async def _verify(self, hits: list[tuple[Key, bytes]], load: Loader) -> None:
        if not hits:
            return
        rebuilt = await _load([key for key, _ in hits], load)
        for key, document in hits:
            if rebuilt[key] != document:
                raise CacheMismatch(f"cached document {key!r} differs from the ORM's")


async def _load(keys: list[Key], load: Loader) -> dict[Key, bytes]:
    built = await load(keys)
    if any(key not in built for key in keys):
        raise StaleRead
    return built


def join(documents: Sequence[bytes]) -> bytes:
    """A JSON array of serialized documents, as pydantic would dump the list."""
    return b"[" + b",".join(documents) + b"]"
