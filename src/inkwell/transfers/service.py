"""Moving credits: atomic, ledgered, and safe under concurrency on both databases."""

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Integer, Row, and_, bindparam, case, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import BindParameter

from inkwell.auth.service import InvalidToken
from inkwell.core.db import utcnow
from inkwell.core.errors import Conflict, NotFound, Unprocessable
from inkwell.core.pagination import Page, keyset_before, paginated
from inkwell.transfers.models import Transfer, TransferKind
from inkwell.users.models import User


class SelfTransfer(Unprocessable):
    """A transfer to the sender's own account."""


class RecipientNotFound(NotFound):
    """No open account of this id to send to."""


class RecipientInactive(Unprocessable):
    """A recipient whose account an operator switched off."""


class InsufficientCredits(Conflict):
    """A transfer of more credits than the sender holds."""


async def transfer(
    session: AsyncSession, *, sender_id: int, to_user_id: int, amount: Decimal
) -> Transfer:
    """Move `amount` from sender to recipient and write the ledger row, all or nothing
    (the request's transaction; a deadlock or serialization failure aborts it, and the
    request runs again: core.http.routing.Route)."""
    if sender_id == to_user_id:
        raise SelfTransfer("You cannot transfer credits to yourself.")
    return await _move(session, sender_id, to_user_id, amount)


async def _move(
    session: AsyncSession, sender_id: int, to_user_id: int, amount: Decimal
) -> Transfer:
    ledger = {
        "kind": TransferKind.TRANSFER.value,
        "from_user_id": sender_id,
        "to_user_id": to_user_id,
        "amount": amount,
        "created_at": utcnow(),
    }
    parties = {"sender": sender_id, "recipient": to_user_id, "amount": amount}
    if session.get_bind().dialect.name == "postgresql":
        # One statement, one round trip: lock, check, move and record (_AT_ONCE). When
        # nothing moved, the accounts as they were locked tell why.
        at_once = {**parties, "kind": ledger["kind"], "moved_at": ledger["created_at"]}
        locked = (await session.execute(_AT_ONCE, at_once)).all()
        ledger_id = locked[0].ledger_id if locked else None
        if ledger_id is None:
            _check(locked, to_user_id, sender_id, amount)
            # _check's rules are the statement's: it raises for any of them.
            raise InsufficientCredits("Insufficient credits.")
        return Transfer(id=ledger_id, **ledger)
    # SQLite: three statements (no round trips to save). New balances are computed
    # exactly in Decimal and written as values: SQLite keeps NUMERIC as floating point,
    # so arithmetic in SQL would drift. The sender's `credits >= amount` guard and the
    # CHECK constraint back up the write lock.
    rows = (await session.execute(_HOLD_BOTH, parties)).all()
    sender, recipient = _check(rows, to_user_id, sender_id, amount)
    balances = {"debited": sender.credits - amount, "credited": recipient.credits + amount}
    moved = await session.execute(_MOVE, {**parties, **balances})
    if moved.rowcount != 2:  # type: ignore[attr-defined]
        raise InsufficientCredits("Insufficient credits.")
    ledger_id = (await session.execute(_RECORD, ledger)).scalar_one()
    return Transfer(id=ledger_id, **ledger)


def _check(
    rows: Sequence[Row[*tuple[Any, ...]]], to_user_id: int, sender_id: int, amount: Decimal
) -> tuple[Row[*tuple[Any, ...]], Row[*tuple[Any, ...]]]:
    """The sender's and the recipient's accounts, locked, if the transfer may go ahead."""
    accounts = {row.id: row for row in rows}
    sender = accounts.get(sender_id)
    if sender is None or not (sender.is_open and sender.is_active):
        # Closed or switched off since its token was read (the row is locked now).
        raise InvalidToken("The access token is invalid or has expired.")
    recipient = accounts.get(to_user_id)
    if recipient is None or not recipient.is_open:
        raise RecipientNotFound(f"User {to_user_id} does not exist.")
    if not recipient.is_active:
        raise RecipientInactive(f"User {to_user_id} is not active and cannot receive credits.")
    if sender.credits < amount:
        raise InsufficientCredits(
            f"Insufficient credits: balance {sender.credits}, needed {amount}."
        )
    return sender, recipient


_users = User.__table__.c
_transfers = Transfer.__table__
_sender: BindParameter[int] = bindparam("sender", type_=Integer())
_recipient: BindParameter[int] = bindparam("recipient", type_=Integer())
_amount: BindParameter[Decimal] = bindparam("amount", type_=User.credits.type)
# Both accounts of a transfer, locked in ascending id order: two transfers between the
# same pair, in either direction, queue instead of deadlocking. FOR NO KEY UPDATE, the
# lock a balance's UPDATE takes anyway: it leaves alone the hold other writing requests
# have on their caller's row (auth's `caller`), which FOR UPDATE would deadlock with; a
# transfer takes no such hold on its payer (auth.dependencies.Payer): this lock is it.
# SQLite has no FOR UPDATE; there the request holds the write lock (BEGIN IMMEDIATE).
_HOLD_BOTH = (
    select(_users.id, _users.credits, _users.is_active, User.is_open.label("is_open"))
    .where(_users.id.in_([_sender, _recipient]))
    .order_by(_users.id)
    .with_for_update(key_share=True)
)
# A ledger row, its id returned.
_RECORD = insert(_transfers).returning(_transfers.c.id)  # type: ignore[arg-type]
# Both balances of a transfer, each its version moved on (a Core statement: no ORM check).
_MOVE = (
    update(User.__table__)  # type: ignore[arg-type]
    .where(
        _users.id.in_([_sender, _recipient]),
        or_(_users.id != _sender, _users.credits >= _amount),
    )
    .values(
        credits=case(
            (_users.id == _sender, bindparam("debited", type_=_users.credits.type)),
            else_=bindparam("credited", type_=_users.credits.type),
        ),
        version=_users.version + 1,
    )
)


# PostgreSQL: the whole transfer in one statement. `held` locks both accounts
# (_HOLD_BOTH) and is what the statement answers; `moved` writes both balances
# from the locked rows (exact NUMERIC arithmetic) if every check passes on them: both
# accounts there and open and active, the sender's balance enough; `ledger`
# records the transfer if both balances moved. Under READ COMMITTED, FOR NO KEY UPDATE
# answers each row as the last transaction to change it left it, so the balances are
# computed from current values even when the lock was waited for.
_moved_at: BindParameter[datetime] = bindparam("moved_at", type_=_transfers.c.created_at.type)
_held = _HOLD_BOTH.cte("held")
_allowed = (
    select(
        and_(
            func.count() == 2,
            func.bool_and(
                or_(
                    _held.c.id != _sender,
                    and_(_held.c.credits >= _amount, _held.c.is_open, _held.c.is_active),
                )
            ),
            func.bool_and(or_(_held.c.id != _recipient, and_(_held.c.is_open, _held.c.is_active))),
        )
    )
    .select_from(_held)
    .scalar_subquery()
)
_moved = (
    update(User.__table__)  # type: ignore[arg-type]
    .where(_users.id == _held.c.id, _allowed)
    .values(
        credits=case(
            (_users.id == _sender, _held.c.credits - _amount),
            else_=_held.c.credits + _amount,
        ),
        version=_users.version + 1,
        # Set here: SQLAlchemy runs no column default in a statement of a CTE.
        updated_at=_moved_at,
    )
    .returning(_users.id)
    .cte("moved")
)
_recorded = (
    insert(_transfers)  # type: ignore[arg-type]
    .from_select(
        ["kind", "from_user_id", "to_user_id", "amount", "created_at"],
        # Parameters not named after a column of `users` (an UPDATE's execution
        # would take such a name for a value to set).
        select(
            bindparam("kind", type_=_transfers.c.kind.type),
            _sender,
            _recipient,
            _amount,
            _moved_at,
        ).where(select(func.count()).select_from(_moved).scalar_subquery() == 2),
    )
    .returning(_transfers.c.id)
    .cte("ledger")
)
_AT_ONCE = select(
    _held.c.id,
    _held.c.credits,
    _held.c.is_active,
    _held.c.is_open,
    select(_recorded.c.id).scalar_subquery().label("ledger_id"),
).order_by(_held.c.id)


async def grant(session: AsyncSession, *, to_user_id: int, amount: Decimal) -> Transfer:
    """Create credits for an account (its starting credits): credit the balance and
    write the ledger row, so balances always sum to the grants."""
    # Locked like a transfer's rows; computed in Decimal (SQLite's NUMERIC would drift).
    account = await session.get_one(User, to_user_id, with_for_update={"key_share": True})
    account.credits += amount
    ledger_row = Transfer(kind=TransferKind.GRANT, to_user_id=to_user_id, amount=amount)
    session.add(ledger_row)
    await session.flush()
    return ledger_row


# One account's new balance, its version moved on (a Core statement: no ORM check).
_CREDIT = (
    update(User.__table__)  # type: ignore[arg-type]
    .where(User.__table__.c.id == bindparam("account"))
    .values(credits=bindparam("credits"), version=User.__table__.c.version + 1)
)


async def grant_many(session: AsyncSession, *, to_user_ids: Sequence[int], amount: Decimal) -> None:
    """`grant` for many accounts at once (the demo seeder): balances credited in
    Decimal and one ledger row each, in bulk statements."""
    if not to_user_ids:
        return
    balances = await session.execute(
        select(User.id, User.credits)
        .where(User.id.in_(to_user_ids))
        .with_for_update(key_share=True)
    )
    credited = [{"account": user_id, "credits": credits + amount} for user_id, credits in balances]
    await session.execute(_CREDIT, credited)
    grants = [
        {"kind": TransferKind.GRANT.value, "to_user_id": user_id, "amount": amount}
        for user_id in to_user_ids
    ]
    await session.execute(insert(Transfer), grants)


_USER: BindParameter[int] = bindparam("user_id")
_LEDGER = (
    select(Transfer)
    .where(or_(Transfer.from_user_id == _USER, Transfer.to_user_id == _USER))
    .order_by(Transfer.created_at.desc(), Transfer.id.desc())
)
_LEDGER_PAGES = {
    False: paginated(_LEDGER),
    True: paginated(_LEDGER.where(keyset_before(Transfer.created_at, Transfer.id))),
}


async def list_for(session: AsyncSession, user_id: int, *, page: Page) -> Sequence[Transfer]:
    """Ledger rows the user sent or received, newest first."""
    query = _LEDGER_PAGES[page.after is not None]
    return (await session.scalars(query, {"user_id": user_id, **page.params()})).all()
