"""Pagination shared by every collection: offset (`skip`) or keyset (a position).

Every list is ordered newest first by `(created_at, id)`. A position names the last row
of a page, and the next page holds the rows strictly before it, so a page far down costs
what the first one does (an index range scan instead of skipping rows). Its opaque,
URL-safe encoding is the cursor of the HTTP side's `Link` header (core.http.paging).
"""

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, bindparam, tuple_
from sqlalchemy.orm import InstrumentedAttribute

from inkwell.core.errors import Unprocessable
from inkwell.core.schemas import MAX_ID

# Any statement, whatever its columns.
SelectT = TypeVar("SelectT", bound=Select[*tuple[Any, ...]])


class InvalidCursor(Unprocessable):
    """A cursor this service did not issue, or one sent with `skip`."""


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

    def following(
        self, rows: Sequence[Any], position: Callable[[Any], Position] | None = None
    ) -> Position | None:
        """Where the next page starts, after these rows, while this page is full: the
        last row's `position` (its `created_at` and `id` unless the list is ordered by
        other columns)."""
        if not rows or len(rows) < self.limit:
            return None
        last = rows[-1]
        return position(last) if position else Position(last.created_at, last.id)

    def params(self) -> dict[str, object]:
        """The values of `paginated` and `keyset_before` statements."""
        after = self.after
        return {
            "skip": self.skip,
            "limit": self.limit,
            "after_created_at": after.created_at if after else None,
            "after_id": after.id if after else None,
        }
