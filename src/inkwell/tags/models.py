"""The `tags` table."""

from typing import TYPE_CHECKING

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from inkwell.core.db import Base

if TYPE_CHECKING:
    from inkwell.posts.models import Post


class Tag(Base):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True, index=True)

    posts: Mapped[list["Post"]] = relationship(
        secondary="post_tags", back_populates="tags", lazy="raise", passive_deletes=True
    )
