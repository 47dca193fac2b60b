"""The `transfers` table: the ledger of every credit movement."""

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, Numeric, String, func
from sqlalchemy.orm import Mapped, mapped_column

from inkwell.core.db import Base, UTCDateTime, utcnow


class TransferKind(StrEnum):
    GRANT = "grant"  # credits created for a new account: no sender
    TRANSFER = "transfer"  # credits moved from one account to another


class Transfer(Base):
    """One ledger row per movement; balances always sum to the sum of grants."""

    __tablename__ = "transfers"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint(
            "(kind = 'grant' AND from_user_id IS NULL) OR "
            "(kind = 'transfer' AND from_user_id IS NOT NULL AND from_user_id <> to_user_id)",
            name="kind_matches_parties",
        ),
        Index("ix_transfers_from_user_id_created_at", "from_user_id", "created_at", "id"),
        Index("ix_transfers_to_user_id_created_at", "to_user_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    from_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    to_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, server_default=func.now()
    )
