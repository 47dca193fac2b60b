"""The `comments` table: a post's comments, deleted with it."""

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, Integer, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from inkwell.core.db import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from inkwell.users.models import User


class Comment(Base):
    __tablename__ = "comments"
    __table_args__ = (
        # A post's comments in (created_at, id) order, either way.
        Index("ix_comments_post_id_created_at_id", "post_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, server_default=func.now()
    )
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, server_default=func.now()
    )

    author: Mapped["User"] = relationship(lazy="raise")
