"""Moving credits: atomic, ledgered, and safe under concurrency on both databases."""

from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import bindparam, case, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import BindParameter

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
    # Lock both rows in ascending id order: two transfers between the same pair,
    # in either direction, queue instead of deadlocking. FOR NO KEY UPDATE, the lock a
    # balance's UPDATE takes anyway: it leaves alone the hold every writing request has
    # on its caller's row (auth's `caller`), which FOR UPDATE would deadlock with. SQLite
    # has no FOR UPDATE; there the request already holds the write lock (BEGIN IMMEDIATE).
    rows = await session.execute(_HOLD_BOTH, {"ids": sorted((sender_id, to_user_id))})
    accounts = {row.id: row for row in rows}
    recipient = accounts.get(to_user_id)
    if recipient is None or not recipient.is_open:
        raise RecipientNotFound(f"User {to_user_id} does not exist.")
    if not recipient.is_active:
        raise RecipientInactive(f"User {to_user_id} is not active and cannot receive credits.")
    balance = accounts[sender_id].credits
    if balance < amount:
        raise InsufficientCredits(f"Insufficient credits: balance {balance}, needed {amount}.")
    # New balances are computed exactly in Decimal and written as values: SQLite
    # keeps NUMERIC as floating point, so arithmetic in SQL would drift. Both in one
    # statement (one round trip); the sender's `credits >= amount` guard and the CHECK
    # constraint back up the lock.
    moved = await session.execute(
        _MOVE,
        {
            "sender": sender_id,
            "recipient": to_user_id,
            "debited": balance - amount,
            "credited": recipient.credits + amount,
            "amount": amount,
        },
    )
    if moved.rowcount != 2:  # type: ignore[attr-defined]
        raise InsufficientCredits("Insufficient credits.")
    # The ledger row by a Core INSERT (no unit of work to flush), its id returned; the
    # row as written is the document's.
    values = {
        "kind": TransferKind.TRANSFER.value,
        "from_user_id": sender_id,
        "to_user_id": to_user_id,
        "amount": amount,
        "created_at": utcnow(),
    }
    ledger_id = (await session.execute(_RECORD, values)).scalar_one()
    return Transfer(id=ledger_id, **values)


_users = User.__table__.c
# Both accounts of a transfer, locked in ascending id order (see `_move`).
_HOLD_BOTH = (
    select(User.id, User.credits, User.is_active, User.is_open.label("is_open"))
    .where(User.id.in_(bindparam("ids", expanding=True)))
    .order_by(User.id)
    .with_for_update(key_share=True)
)
# A ledger row, its id returned.
_RECORD = insert(Transfer.__table__).returning(Transfer.__table__.c.id)  # type: ignore[arg-type]
# Both balances of a transfer, each its version moved on (a Core statement: no ORM check).
_MOVE = (
    update(User.__table__)  # type: ignore[arg-type]
    .where(
        _users.id.in_([bindparam("sender"), bindparam("recipient")]),
        or_(_users.id != bindparam("sender"), _users.credits >= bindparam("amount")),
    )
    .values(
        credits=case(
            (_users.id == bindparam("sender"), bindparam("debited", type_=_users.credits.type)),
            else_=bindparam("credited", type_=_users.credits.type),
        ),
        version=_users.version + 1,
    )
)


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
