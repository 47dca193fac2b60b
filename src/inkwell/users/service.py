"""Queries and rules of the users domain."""

from collections.abc import Awaitable, Callable
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from inkwell.auth import service as auth_service
from inkwell.auth import throttle
from inkwell.auth.hashing import PasswordHasher
from inkwell.core import documents
from inkwell.core.config import Settings
from inkwell.core.db import AsyncReadSession, utcnow
from inkwell.core.documents import DocumentKind, Read, Views
from inkwell.core.errors import Conflict, Forbidden, NotFound, TooManyRequests, violated_unique
from inkwell.core.etag import ensure_match
from inkwell.core.pagination import Page, keyset_before, paginated
from inkwell.transfers import service as transfers_service
from inkwell.users import closing
from inkwell.users.documents import DOCUMENT, OWN, PRIVATE, PUBLIC, etag_of
from inkwell.users.models import User, is_named
from inkwell.users.schemas import UserCreate, UserUpdate


class UserNotFound(NotFound):
    """No open account of this id or username."""


class DuplicateUser(Conflict):
    """An open account already has this username or e-mail address."""


class TooManyRegistrations(TooManyRequests):
    """Too many registrations from the client's address lately."""


class TooManyEmailChanges(TooManyRequests):
    """Too many e-mail changes tried by this account lately."""


class NotYourAccount(Forbidden):
    """An act on another holder's account."""


# Statements of the hot reads, built once and run with bound values (building one
# and computing its cache key cost more than running it from SQLAlchemy's cache).
_OPEN = select(User).where(User.is_open)
_BY_ID = _OPEN.where(User.id == bindparam("user_id"))
_BY_USERNAME = _OPEN.where(is_named(bindparam("username")))
_LOCK_ACCOUNT = select(User.id).where(User.id == bindparam("user_id")).with_for_update()
# A read's statement: which users it shows and their versions (and, for the next
# page's position, their creation time).
_ROWS = DOCUMENT.rows().where(User.is_open)
_ROW_BY_ID = _ROWS.where(User.id == bindparam("user_id"))
_ROW_BY_USERNAME = _ROWS.where(is_named(bindparam("username")))
_NEWEST_FIRST = _ROWS.order_by(User.created_at.desc(), User.id.desc())
_ACTIVE = _NEWEST_FIRST.where(User.is_active)
_KEYSET = keyset_before(User.created_at, User.id)
_PAGES = {
    # (active only, after a cursor)
    (False, False): paginated(_NEWEST_FIRST),
    (False, True): paginated(_NEWEST_FIRST.where(_KEYSET)),
    (True, False): paginated(_ACTIVE),
    (True, True): paginated(_ACTIVE.where(_KEYSET)),
}


async def get(session: AsyncSession, user_id: int) -> User | None:
    """The open (not deleted) account with this id."""
    return await session.scalar(_BY_ID, {"user_id": user_id})


async def get_or_raise(session: AsyncSession, user_id: int) -> User:
    user = await get(session, user_id)
    if user is None:
        raise UserNotFound(f"User {user_id} does not exist.")
    return user


async def get_by_username_or_raise(session: AsyncSession, username: str) -> User:
    """The open account with this username (404 otherwise)."""
    user = await session.scalar(_BY_USERNAME, {"username": username})
    if user is None:
        raise UserNotFound(f"User {username!r} does not exist.")
    return user


async def read(
    session: AsyncReadSession,
    user_id: int,
    *,
    viewer: User | None = None,
) -> Read:
    """A user's document: the holder's own (with e-mail and balance) to the holder,
    built from the account their token loaded without a statement; otherwise the
    public one of an open account (404 otherwise)."""
    if viewer is not None and viewer.id == user_id:
        return read_own(session, viewer)
    missing = lambda: UserNotFound(f"User {user_id} does not exist.")  # noqa: E731
    params = {"user_id": user_id}
    return await documents.one(session, DOCUMENT, _ROW_BY_ID, params, view=PUBLIC, missing=missing)


async def read_by_username(
    session: AsyncReadSession, username: str, *, kind: DocumentKind[User], view: Views
) -> Read:
    """The document of the open account with this username (404 otherwise)."""
    missing = lambda: UserNotFound(f"User {username!r} does not exist.")  # noqa: E731
    params = {"username": username}
    return await documents.one(session, kind, _ROW_BY_USERNAME, params, view=view, missing=missing)


def read_own(session: AsyncReadSession, holder: User) -> Read:
    """The holder's own document, from the account their token loaded."""
    return documents.held(session, OWN, holder, PRIVATE)


async def read_page(session: AsyncReadSession, *, page: Page, active_only: bool) -> Read:
    """A page of users' public documents, newest first."""
    query = _PAGES[active_only, page.after is not None]
    return await documents.many(session, DOCUMENT, query, {}, view=PUBLIC, page=page)


async def ensure_open(session: AsyncReadSession, user_id: int) -> None:
    """UserNotFound unless this is an open account's id."""
    if not await session.lookup(_ROW_BY_ID, {"user_id": user_id}):
        raise UserNotFound(f"User {user_id} does not exist.")


def ensure_self(caller: User, user_id: int) -> None:
    """Only the account holder may change the account or write as it."""
    if caller.id != user_id:
        raise NotYourAccount("You can only act on your own account.")


async def find(session: AsyncSession, ref: str) -> User:
    """The open account with this id (all digits) or username, for operators."""
    if ref.isascii() and ref.isdigit():
        user = await session.scalar(_OPEN.where(User.id == int(ref)))
    else:
        user = await session.scalar(_OPEN.where(is_named(ref)))
    if user is None:
        raise UserNotFound(f"User {ref!r} does not exist.")
    return user


async def set_active(session: AsyncSession, *, ref: str, active: bool) -> User:
    """An operator's switch: an inactive account cannot log in or receive credits.

    Not open to account holders, who leave by closing their account instead."""
    user = await find(session, ref)
    if user.is_active != active:
        # Switched off or on: no token of before survives either switch.
        auth_service.end_sessions(user)
    user.is_active = active
    await session.flush()
    return user


async def create(
    session: AsyncSession,
    *,
    data: UserCreate,
    hasher: PasswordHasher,
    sessions: async_sessionmaker[AsyncSession],
    address: str,
    settings: Settings,
) -> User:
    """Register a user and grant the starting credits, recorded in the ledger.

    Each attempt first counts against the client address (429 beyond
    REGISTER_MAX_PER_ADDRESS per REGISTER_WINDOW_SECONDS): every account is granted
    credits, which a script could otherwise collect through throwaway accounts. The
    password is hashed before the request's transaction begins, so neither the hash
    nor the wait for a hashing slot holds a connection (or SQLite's write lock).
    """
    await throttle.hit(sessions, [_registration_limit(settings, address)], refuse=_too_many)
    hashed_password = await hasher.hash(data.password)
    user = User(
        username=data.username,
        email=data.email,
        full_name=data.full_name,
        hashed_password=hashed_password,
        credits=Decimal("0.00"),
    )
    session.add(user)
    await _flush_unique(session)
    if settings.starting_credits > 0:
        await transfers_service.grant(session, to_user_id=user.id, amount=settings.starting_credits)
    return user


def _registration_limit(settings: Settings, address: str) -> throttle.Limit:
    window = timedelta(seconds=settings.register_window_seconds)
    return throttle.Limit(f"register-address:{address}", settings.register_max_per_address, window)


def _too_many(retry_after: int) -> TooManyRegistrations:
    return TooManyRegistrations(
        "Too many registrations from this address; try again later.",
        headers={"Retry-After": str(retry_after)},
    )


async def count_email_change(
    sessions: async_sessionmaker[AsyncSession],
    claims: auth_service.AccessClaims,
    *,
    email: str,
    settings: Settings,
) -> None:
    """Count a change of the token holder's e-mail address to `email` against their
    budget (TooManyEmailChanges beyond EMAIL_CHANGE_MAX_PER_ACCOUNT per
    EMAIL_CHANGE_WINDOW_SECONDS), in a transaction of its own, before the change is
    tried: a taken address (409) costs what a free one does, so whether an address is
    registered can only be asked a few times an hour. Their current address changes
    nothing and costs nothing, and a token that may no longer act (an ended session)
    spends nobody's budget: the caller's check refuses it.

    Run it before the request's own transaction begins: on SQLite that transaction
    holds the write lock from its first statement on, and the count needs it."""
    async with sessions() as session:
        holder = await session.get(User, claims.user_id)
    if holder is None or not auth_service.holds(holder, claims) or holder.email == email:
        return
    window = timedelta(seconds=settings.email_change_window_seconds)
    key = f"email-change-account:{holder.id}"
    limit = throttle.Limit(key, settings.email_change_max_per_account, window)
    await throttle.hit(sessions, [limit], refuse=_too_many_email_changes)


def _too_many_email_changes(retry_after: int) -> TooManyEmailChanges:
    return TooManyEmailChanges(
        "Too many e-mail changes for this account; try again later.",
        headers={"Retry-After": str(retry_after)},
    )


async def update(
    session: AsyncSession,
    caller: User,
    *,
    user_id: int,
    data: UserUpdate,
    if_match: str | None = None,
) -> User:
    """Change the caller's own account (NotYourAccount for anyone else's), if it is
    still the version `if_match` names (PreconditionFailed otherwise). A concurrent
    change committed after this read fails the ORM's version check: 409."""
    ensure_self(caller, user_id)
    # Only the holder writes here, so the ETag to match is their own document's.
    ensure_match(if_match, etag_of(caller))
    for field, value in data.model_dump(exclude_unset=True).items():
        setattr(caller, field, value)
    await _flush_unique(session)
    return caller


async def update_with_password(
    session: AsyncSession,
    load_caller: Callable[[], Awaitable[User]],
    *,
    data: UserUpdate,
    password: str | None,
    hasher: PasswordHasher,
) -> User:
    """Change the caller's own account as `update` does, and its password when one is
    sent, which ends every session opened before (the caller needs a new token). The
    password is hashed first, before `load_caller` reads the caller (the transaction's
    first statement), so that neither the hash nor the wait for a hashing slot holds a
    connection (or SQLite's write lock); the new hash is written by the same flush as
    the other changes. Whoever calls this checks the caller's token and counts the
    change (auth's `count_password_change`) before, so that only an account holder
    makes us hash, and only so often."""
    hashed_password = None if password is None else await hasher.hash(password)
    caller = await load_caller()
    if hashed_password is not None:
        caller.hashed_password = hashed_password
        auth_service.end_sessions(caller)
    return await update(session, caller, user_id=caller.id, data=data)


async def close(
    session: AsyncSession, caller: User, *, user_id: int, if_match: str | None = None
) -> None:
    """Delete the caller's own account: what every domain keeps of it goes (its posts,
    comments, favorites and follows: users/closing.py), its balance and ledger rows stay.

    The row is kept (closed) so that money is never destroyed; reads and logins
    no longer see it, and its username and e-mail become free again. With `if_match`,
    only if the account is still that version (PreconditionFailed otherwise); the
    ORM's version check makes a close that lost a race a 409.
    """
    ensure_self(caller, user_id)
    ensure_match(if_match, etag_of(caller))
    # The row first (FOR UPDATE): the account's writes in flight hold it (auth's
    # `caller`), so this waits for them to commit and the forgets below see their rows;
    # writes that start later wait for the close and find the account closed.
    await session.execute(_LOCK_ACCOUNT, {"user_id": caller.id})
    await closing.forget(session, caller.id)
    caller.closed_at = utcnow()
    auth_service.end_sessions(caller)
    await session.flush()


# The unique indexes of users/models.py by the names each database gives them: the
# index name on PostgreSQL, the column on SQLite (never the message text: a
# username may well contain the word "email").
_UNIQUE_FIELDS = {
    "ix_users_email_open": "email",
    "ix_users_username_open": "username",
    "users.email": "email",
    "users.username": "username",
}


async def _flush_unique(session: AsyncSession) -> None:
    """Flush, turning a unique violation into 409 (the constraint decides races)."""
    try:
        await session.flush()
    except IntegrityError as exc:
        names = violated_unique(exc)
        field = next((_UNIQUE_FIELDS[n] for n in sorted(names) if n in _UNIQUE_FIELDS), None)
        if field is None:
            raise
        raise DuplicateUser(f"A user with this {field} already exists.", field=field) from None
