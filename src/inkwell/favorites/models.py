"""The `favorites` table: which user favorited which post (many to many)."""

from datetime import datetime

from sqlalchemy import ForeignKey, func
from sqlalchemy.orm import Mapped, mapped_column

from inkwell.core.db import Base, UTCDateTime, utcnow


class Favorite(Base):
    __tablename__ = "favorites"

    # The primary key is the pair: one row per favorite, whoever races to add it.
    # Each post's number of favorites is kept in `posts.favorites_count`.
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    post_id: Mapped[int] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, server_default=func.now()
    )
