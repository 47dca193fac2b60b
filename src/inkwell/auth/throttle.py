"""Throttles counted in the database: timed hits per key, checked and recorded under
a lock on the keys, so that a limit holds across requests, workers and replicas.

A hit counts against its key until `counts_until`. Checking and recording one runs
in a short transaction of its own that holds a lock on its keys (PostgreSQL: an
advisory lock per key, taken in one order so two requests never deadlock; SQLite:
the write lock), so no two requests can both see room for one last hit. A hit may
be *pending* (a login whose password is still being verified): it counts at once,
so that however many attempts run in parallel, at most the limit are ever tried.
When only pending hits fill a limit, the next attempt waits for them to settle
instead of being refused, so that parallel correct logins all get in. A pending hit
whose request died stops counting after `PENDING_SECONDS`.

An act that costs only once it is done (a comment written) is counted by `record`, in
the request's own transaction instead: its hit goes with the act if that fails.
"""

import asyncio
import hashlib
import ipaddress
import math
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy import BigInteger, bindparam, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from inkwell.auth.models import ThrottleHit
from inkwell.core.db import utcnow
from inkwell.core.errors import TooManyRequests

# Longer than any password verification takes, even queued behind others.
PENDING_SECONDS = 30
# How long an attempt waits for pending ones to settle before it is refused.
WAIT_SECONDS = 10.0
_FIRST_DELAY, _MAX_DELAY = 0.01, 0.2

T = TypeVar("T")


@dataclass(frozen=True)
class Limit:
    """At most `max_hits` hits for `key` within `window`."""

    key: str
    max_hits: int
    window: timedelta


@dataclass(frozen=True)
class Reservation:
    """The hits recorded for one attempt, with the limits they count against."""

    hits: tuple[tuple[int, Limit], ...]


class _Busy(Exception):
    """Pending hits fill a limit: try again once they settle."""


def client_key(address: str, *, ipv6_prefix: int) -> str:
    """What the throttles count a client address as: an IPv4 address alone, an IPv6
    address by its network of `ipv6_prefix` bits (a host is commonly given a whole /64,
    2^64 addresses to pick a fresh one from for every attempt), an IPv4-mapped IPv6
    address (`::ffff:192.0.2.1`, a dual-stack socket's) as the IPv4 address it is.
    Anything that is no IP address (no peer known) stands for itself."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv4Address):
        return str(ip)
    if ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    # From the integer: a zone (`fe80::1%eth0`) names no other client.
    return str(ipaddress.IPv6Network((int(ip), ipv6_prefix), strict=False))


async def hit(
    sessions: async_sessionmaker[AsyncSession],
    limits: Sequence[Limit],
    *,
    refuse: Callable[[int], TooManyRequests],
) -> None:
    """Record a hit for every limit, counting for its window at once, or raise
    `refuse(retry_after)` when a limit is spent."""
    await _acquire(sessions, limits, pending=False, refuse=refuse, then=_nothing)


async def record(
    session: AsyncSession,
    limits: Sequence[Limit],
    *,
    refuse: Callable[[int], TooManyRequests],
) -> None:
    """Record a hit for every limit in the transaction of `session`, or raise
    `refuse(retry_after)` when a limit is spent. The hit counts only if that transaction
    commits, and the lock on its keys is held until it ends (PostgreSQL; on SQLite the
    transaction that writes holds the write lock already)."""
    try:
        await _record(session, limits, pending=False, refuse=refuse)
    except _Busy:  # only logins leave pending hits, never under these keys
        raise refuse(1) from None


async def reserve(
    sessions: async_sessionmaker[AsyncSession],
    limits: Sequence[Limit],
    *,
    refuse: Callable[[int], TooManyRequests],
    then: Callable[[AsyncSession], Awaitable[T]],
) -> tuple[Reservation, T]:
    """Record a pending hit for every limit (see `settle`), or raise
    `refuse(retry_after)` when a limit is spent; then run `then` in the same short
    transaction."""
    return await _acquire(sessions, limits, pending=True, refuse=refuse, then=then)


async def _acquire(
    sessions: async_sessionmaker[AsyncSession],
    limits: Sequence[Limit],
    *,
    pending: bool,
    refuse: Callable[[int], TooManyRequests],
    then: Callable[[AsyncSession], Awaitable[T]],
) -> tuple[Reservation, T]:
    """One short transaction per try; between tries, while only pending hits stand in
    the way, wait holding no connection."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT_SECONDS
    delay = _FIRST_DELAY
    while True:
        try:
            async with sessions.begin() as session:
                reservation = await _record(session, limits, pending=pending, refuse=refuse)
                return reservation, await then(session)
        except _Busy:
            if loop.time() + delay > deadline:
                raise refuse(1) from None
        await asyncio.sleep(delay * random.uniform(0.5, 1.0))  # noqa: S311 - jitter
        delay = min(delay * 2, _MAX_DELAY)


async def _nothing(_session: AsyncSession) -> None:
    return None


async def settle(
    session: AsyncSession, reservation: Reservation, *, counted: bool, clear: str | None = None
) -> None:
    """End a pending attempt: it keeps counting for its window from now (`counted`),
    or its hits go, and with them every settled hit of the key `clear`."""
    now = utcnow()
    if counted:
        for hit_id, limit in reservation.hits:
            await session.execute(
                update(ThrottleHit)
                .where(ThrottleHit.id == hit_id)
                .values(pending=False, counts_until=now + limit.window)
            )
        return
    ours = ThrottleHit.id.in_([hit_id for hit_id, _ in reservation.hits])
    settled = (ThrottleHit.key == clear) & ThrottleHit.pending.is_(False)
    await session.execute(delete(ThrottleHit).where(ours if clear is None else ours | settled))


async def purge_expired(session: AsyncSession) -> int:
    """Hits that no longer count; drop them. Returns how many."""
    result = await session.execute(delete(ThrottleHit).where(ThrottleHit.counts_until <= utcnow()))
    return int(result.rowcount)  # type: ignore[attr-defined]


async def _record(
    session: AsyncSession,
    limits: Sequence[Limit],
    *,
    pending: bool,
    refuse: Callable[[int], TooManyRequests],
) -> Reservation:
    await _lock(session, [limit.key for limit in limits])
    counts = await _counts(session, [limit.key for limit in limits], utcnow())
    now = utcnow()  # once locked: SQLite's lock is taken by the first statement
    retry_after = 0
    busy = False
    for limit in limits:
        settled, soonest = counts.get((limit.key, False), (0, now))
        in_flight, _ = counts.get((limit.key, True), (0, now))
        if settled >= limit.max_hits:
            retry_after = max(retry_after, math.ceil((soonest - now).total_seconds()), 1)
        busy = busy or settled + in_flight >= limit.max_hits
    if retry_after:
        raise refuse(retry_after)
    if busy:
        raise _Busy
    hits: list[tuple[ThrottleHit, Limit]] = []
    for limit in limits:
        until = now + (timedelta(seconds=PENDING_SECONDS) if pending else limit.window)
        hits.append((ThrottleHit(key=limit.key, pending=pending, counts_until=until), limit))
    session.add_all(hit for hit, _ in hits)
    await session.flush()
    return Reservation(tuple((hit.id, limit) for hit, limit in hits))


async def _counts(
    session: AsyncSession, keys: list[str], now: datetime
) -> dict[tuple[str, bool], tuple[int, datetime]]:
    """(key, pending) -> how many hits count now, and when the first stops counting."""
    rows = await session.execute(
        select(
            ThrottleHit.key,
            ThrottleHit.pending,
            func.count(),
            func.min(ThrottleHit.counts_until),
        )
        .where(ThrottleHit.key.in_(keys), ThrottleHit.counts_until > now)
        .group_by(ThrottleHit.key, ThrottleHit.pending)
    )
    return {(key, pending): (count, soonest) for key, pending, count, soonest in rows}


_LOCK = select(func.pg_advisory_xact_lock(bindparam("lock_id", type_=BigInteger)))


async def _lock(session: AsyncSession, keys: list[str]) -> None:
    """Serialize the check-and-record per key until the transaction ends. SQLite:
    the transaction took the write lock at its first statement (BEGIN IMMEDIATE)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    # One fixed order (the lock ids'): two requests sharing keys queue, never deadlock.
    for lock_id in sorted({_lock_id(key) for key in keys}):
        await session.execute(_LOCK, {"lock_id": lock_id})


def _lock_id(key: str) -> int:
    """A stable 64-bit advisory lock id (Python's own hash() differs per process)."""
    digest = hashlib.blake2b(key.encode(), digest_size=8, person=b"inkwell-throttle").digest()
    return int.from_bytes(digest, "big", signed=True)
