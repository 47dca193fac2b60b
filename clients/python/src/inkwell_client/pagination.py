"""A page of a collection, and the link to the next one."""

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Generic, TypeVar
from urllib.parse import parse_qs, urlsplit

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list, newest first: iterate it, index it, take its `len()`.

    `next_url` is the server's `Link: rel="next"` (an absolute URL with a cursor), None on
    the last page; `iterate()` of each resource follows it for you. `etag` is the page's
    own tag (it changes whenever any document on it does)."""

    items: list[T] = field(default_factory=list)
    next_url: str | None = None
    etag: str | None = None

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> T:
        return self.items[index]

    @property
    def next_cursor(self) -> str | None:
        """The opaque cursor of the next page (its `cursor=`), None on the last page."""
        if self.next_url is None:
            return None
        values = parse_qs(urlsplit(self.next_url).query).get("cursor")
        return values[0] if values else None
