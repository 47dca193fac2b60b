"""Kinds of cached documents, declared once each, and the reads made from them.

A domain declares a `DocumentKind`: the entity its documents are built from, the versions
a document depends on (columns of its read statements), how a missing one loads (the
`selectinload` options of what it shows) and how each view renders it through its
pydantic schema. Keys, ETags, loading and building follow from that declaration here,
for every reader of either API dialect; a domain writes the statement that decides
which rows a read shows (every filter and visibility rule) and nothing else.

A read runs that one statement first: its rows name the documents (id, creation time,
versions) and so the ETag, before any document is built; a request whose copy is
current is answered after it alone. The documents are then taken from the read cache
(core.cache), and only the missing ones are loaded through the ORM, validated and
serialized. A document loaded at other versions than the statement returned was changed
by a write committed between the two: the read runs again (`ATTEMPTS`), whoever asked.

A view may carry values (`("article", following, favorited)`): a viewer's part of a
document is then part of its key and ETag, and each combination is built and cached
like any other document, never patched into another's bytes.
"""

from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cache, cached_property
from typing import Any, Generic, TypeVar, cast

from sqlalchemy import ColumnElement, Row, Select, bindparam, select
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.base import ExecutableOption

from inkwell.core.cache import Key, StaleRead, join
from inkwell.core.db import AsyncReadSession
from inkwell.core.errors import DomainError, TransactionConflict
from inkwell.core.etag import etag
from inkwell.core.pagination import Page, Position

E = TypeVar("E")

# A view's name, then any values it shows besides the entity (a viewer's `following`).
View = tuple[Hashable, ...]
# Renders an entity (what the kind's options loaded) in a view: JSON bytes.
Render = Callable[[Any, View], bytes]
# The views of a read's rows, one per row: fixed, or asked of the database per viewer.
Views = View | Callable[[Sequence[Row[Any]]], Awaitable[Sequence[View]]]

# A read whose documents changed under it is run again at most this many times.
ATTEMPTS = 3


@dataclass(frozen=True, eq=False)
class DocumentKind(Generic[E]):
    """One kind of document. Its read statements start with `rows()`: the entity's id
    and creation time (which tells apart two rows that had one id: SQLite gives a
    deleted last row's id to the next), then `versions`, then what the read adds."""

    name: str
    entity: type[E]
    # Columns whose values change whenever a document of this kind would.
    versions: tuple[ColumnElement[int] | InstrumentedAttribute[int], ...]
    # The same versions of a loaded entity (its `options` loaded what they read).
    versions_of: Callable[[E], tuple[int, ...]]
    # The views it renders, by name.
    views: Mapping[str, Render]
    # What the rows' statement joins to select `versions` (an author's version).
    joins: tuple[Any, ...] = ()
    # Loader options of everything a document shows: `selectinload`, one statement
    # per relationship whatever the number of documents.
    options: tuple[ExecutableOption, ...] = ()

    def with_views(self, **views: Render) -> "DocumentKind[E]":
        """The same documents in more views: another dialect's renderings."""
        return replace(self, views={**self.views, **views})

    def rows(self, *columns: Any) -> Select[Any]:
        """The start of a read statement: id, created_at, the versions, then `columns`."""
        entity: Any = self.entity
        query = select(entity.id, entity.created_at, *self.versions, *columns)
        return query.join(*self.joins) if self.joins else query

    def key(self, row: Row[Any], view: View) -> Key:
        """The read cache's key of the document of a read statement's row."""
        values = cast(Sequence[Any], row)
        return (self.name, values[0], values[1], *values[2 : 2 + len(self.versions)], *view)

    def key_of(self, entity: E, view: View) -> Key:
        # Every entity has an id and a creation time (`rows`).
        e: Any = entity
        return (self.name, e.id, e.created_at, *self.versions_of(entity), *view)

    def etag(self, id_: int, created_at: datetime, versions: tuple[int, ...], view: View) -> str:
        """The ETag of the document of this row at these versions, in `view`: its key's
        parts, so that a row that takes a deleted one's id (SQLite gives a deleted last
        row's id to the next) never has the old row's ETag, even at the same versions."""
        return etag(self.name, id_, created_at, *versions, *view)

    def etag_of(self, entity: E, view: View) -> str:
        """The ETag of a loaded entity's document in `view` (what a write answers)."""
        return etag(*self.key_of(entity, view))

    def render(self, entity: E, view: View) -> bytes:
        return self.views[str(view[0])](entity, view)

    @cached_property
    def _load(self) -> Select[Any]:
        # Objects already in the session are refreshed, so that each document is built
        # from, and kept under, the versions this statement loaded.
        entity: Any = self.entity
        return (
            select(entity)
            .options(*self.options)
            .where(entity.id.in_(bindparam("ids", expanding=True)))
            .execution_options(populate_existing=True)
        )

    async def load(self, session: AsyncReadSession, ids: Sequence[int]) -> Sequence[E]:
        """The entities of these ids with what their documents show, in any order."""
        return (await session.scalars(self._load, {"ids": list(ids)})).all()


@cache
def _loading(kind: DocumentKind[Any], query: Select[Any], order: tuple[str, ...]) -> Select[Any]:
    """`query` with one more column, the entity of each row with what its document shows.
    The rows are picked as a subquery and only their entities joined to it, so an OFFSET
    skips narrow rows, not whole ones (a page of posts 15,000 deep sorted 6.5 MB on disk
    the other way). Built once per read statement.

    It runs in the read session's snapshot, in which everything the session holds was
    loaded (the caller's account): objects already there are as this statement would
    load them, so they are not refreshed (`populate_existing` cost 5 % of an uncached
    page's CPU: bench/README)."""
    rows = query.subquery()
    entity: Any = kind.entity
    return (
        select(*rows.c, entity)
        .join(entity, entity.id == rows.c.id)
        .order_by(*(rows.c[name].desc() for name in order))
        .options(*kind.options)
    )


@cache
def _totalled(query: Select[Any], total: Select[Any]) -> Select[Any]:
    """`query` with one more column, `total`: the one value of the `total` statement,
    which the database computes once for the whole statement (an uncorrelated subquery),
    in the rows' own snapshot. Built once per read statement."""
    return query.add_columns(total.scalar_subquery().label("total"))


@dataclass
class _Found:
    rows: Sequence[Row[Any]]
    keys: list[Key]
    total: int | None = None
    etag: str | None = None
    # The entities the statement loaded itself (cache off), by id.
    loaded: dict[int, Any] = field(default_factory=dict)


Find = Callable[[], Awaitable[_Found]]
Frame = Callable[[list[bytes], _Found], bytes]


def _view_of(kind: DocumentKind[Any], key: Key) -> View:
    # A key is (name, id, created_at, *versions, *view).
    return key[3 + len(kind.versions) :]


async def _fetch(session: AsyncReadSession, kind: DocumentKind[Any], found: _Found) -> list[bytes]:
    """The documents of what a read found: from the cache, else built through the ORM
    (from the entities the read loaded itself, when it loaded every one)."""

    async def build(keys: Sequence[Key]) -> dict[Key, bytes]:
        ids = list({cast(int, key[1]) for key in keys})
        by_id = {id_: found.loaded[id_] for id_ in ids if id_ in found.loaded}
        if len(by_id) < len(ids):
            by_id = {entity.id: entity for entity in await kind.load(session, ids)}
        built: dict[Key, bytes] = {}
        for key in keys:
            entity = by_id.get(cast(int, key[1]))
            if entity is not None:  # else gone since: a StaleRead
                view = _view_of(kind, key)
                built[kind.key_of(entity, view)] = kind.render(entity, view)
        return built

    return await session.cache.fetch(found.keys, build)


@dataclass(frozen=True, eq=False)
class _Statement:
    """A read statement and what makes its rows' keys: it can be run again."""

    session: AsyncReadSession
    kind: DocumentKind[Any]
    statement: Select[Any]
    params: Mapping[str, Any]
    views: Views
    order: tuple[str, ...] = ("created_at", "id")
    # With a total, `statement` carries it as its `total` column (_totalled), and this
    # statement counts alone for a page without rows.
    total: Select[Any] | None = None
    total_params: Mapping[str, Any] | None = None

    async def __call__(self) -> _Found:
        session = self.session
        found = await self._rows()
        if self.total is not None:
            if not found.rows and not session.in_transaction():
                # An empty page carries no total: it is counted alone, in one snapshot
                # with the page read again.
                await session.connection()
                found = await self._rows()
            if found.rows:
                total = found.rows[0].total
            else:
                total = (await session.lookup(self.total, self.total_params))[0][0]
            found.total = int(total)
        views = self.views
        per_row = [views] * len(found.rows) if isinstance(views, tuple) else await views(found.rows)
        kind = self.kind
        found.keys = [kind.key(row, view) for row, view in zip(found.rows, per_row, strict=True)]
        return found

    async def _rows(self) -> _Found:
        session = self.session
        if session.cache.enabled or session.revalidating:
            return _Found(await session.lookup(self.statement, self.params), [])
        # The documents the statement loads itself and those it did not (loaded when
        # built) share one snapshot.
        await session.connection()
        loading = _loading(self.kind, self.statement, self.order)
        rows = (await session.execute(loading, self.params)).all()
        return _Found(rows, [], loaded={row[-1].id: row[-1] for row in rows})


class Read:
    """What a read found: its ETag, known before any document is built; where a next
    page starts; and its body, built on demand (`body`), found again from its statement
    should its documents change meanwhile."""

    def __init__(
        self,
        session: AsyncReadSession,
        kind: DocumentKind[Any],
        find: Find,
        found: _Found,
        *,
        frame: Frame,
        page: Page | None = None,
        position: Callable[[Row[Any]], Position] | None = None,
        missing: Callable[[], DomainError] | None = None,
    ) -> None:
        self._session = session
        self._kind = kind
        self._find = find
        self._found = found
        self._frame = frame
        self._single = frame is _first
        self._page = page
        self._position = position
        self._missing = missing

    @property
    def etag(self) -> str:
        """The answer's ETag, from the keys of the documents it shows (and its total)."""
        found = self._found
        if found.etag is None:
            found.etag = self._etag(found)
        return found.etag

    def _etag(self, found: _Found) -> str:
        if self._single:
            return etag(*found.keys[0])  # etag_of's
        return etag("list", tuple(found.keys), found.total)

    @property
    def total(self) -> int | None:
        """The count of a read's `total` statement, None without one."""
        return self._found.total

    @property
    def empty(self) -> bool:
        return not self._found.keys

    @property
    def next(self) -> Position | None:
        """Where the next page starts: after this one's last row, when it is full."""
        page = self._page
        return None if page is None else page.following(self._found.rows, self._position)

    def wrap(self, frame: Callable[[bytes, int | None], bytes]) -> "Read":
        """This read with its body wrapped (another dialect's envelope), given the total."""
        inner = self._frame
        self._frame = lambda documents, found: frame(inner(documents, found), found.total)
        return self

    async def body(self) -> bytes:
        for _ in range(ATTEMPTS):
            try:
                documents = await _fetch(self._session, self._kind, self._found)
            except StaleRead:
                self._found = await self._find()
                if self._missing is not None and not self._found.rows:
                    raise self._missing() from None
                continue
            return self._frame(documents, self._found)
        raise TransactionConflict("The documents changed while they were read; try again.")


def _first(documents: list[bytes], _found: _Found) -> bytes:
    return documents[0]


def _array(documents: list[bytes], _found: _Found) -> bytes:
    return join(documents)


async def one(
    session: AsyncReadSession,
    kind: DocumentKind[Any],
    statement: Select[Any],
    params: Mapping[str, Any],
    *,
    view: Views,
    missing: Callable[[], DomainError],
) -> Read:
    """The document of the one row `statement` finds (`missing()` is raised without)."""
    find = _Statement(session, kind, statement, params, view)
    found = await find()
    if not found.rows:
        raise missing()
    return Read(session, kind, find, found, frame=_first, missing=missing)


async def many(
    session: AsyncReadSession,
    kind: DocumentKind[Any],
    statement: Select[Any],
    params: Mapping[str, Any],
    *,
    view: Views,
    page: Page | None = None,
    order: tuple[str, ...] = ("created_at", "id"),
    position: Callable[[Row[Any]], Position] | None = None,
    total: Select[Any] | None = None,
) -> Read:
    """The documents of the rows `statement` finds, in its order (`order`: the names of
    its sorting columns, newest first), as a JSON array. With `page`, its values are
    bound and the next page's position known; with `total`, the one value of that
    statement (of the same `params`: how many rows all pages hold) is read in the same
    statement as the page."""
    bound = {**params, **page.params()} if page is not None else params
    if total is not None:
        statement = _totalled(statement, total)
    find = _Statement(session, kind, statement, bound, view, order, total, params)
    found = await find()
    return Read(session, kind, find, found, frame=_array, page=page, position=position)


def held(session: AsyncReadSession, kind: DocumentKind[E], entity: E, view: View) -> Read:
    """The document of an entity already loaded with what it shows (the caller's own
    account, which their token loaded): no statement, and built from the object in hand
    unless kept under its versions."""
    found = _Found([], [kind.key_of(entity, view)], loaded={cast(Any, entity).id: entity})

    async def find() -> _Found:
        return found

    return Read(session, kind, find, found, frame=_first)
