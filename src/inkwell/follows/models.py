"""The `follows` table: who follows whom (users to users, many to many)."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, func
from sqlalchemy.orm import Mapped, mapped_column

from inkwell.core.db import Base, UTCDateTime, utcnow


class Follow(Base):
    __tablename__ = "follows"
    __table_args__ = (
        CheckConstraint("follower_id <> followee_id", name="not_self"),
        # A user's followers, newest first (the primary key serves whom a user follows).
        Index("ix_follows_followee_id_created_at", "followee_id", "created_at"),
    )

    # The primary key is the pair: one row per follow, whoever races to add it.
    follower_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    followee_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, server_default=func.now()
    )
