"""The `posts` table and its `post_tags` association with tags."""

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
    false,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from inkwell.core.db import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from inkwell.tags.models import Tag
    from inkwell.users.models import User

post_tags = Table(
    "post_tags",
    Base.metadata,
    Column("post_id", ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Post(Base):
    __tablename__ = "posts"
    __table_args__ = (
        # Serves the newest-first listing; a B-tree is read backwards for DESC.
        Index("ix_posts_created_at_id", "created_at", "id"),
        # The address of a post in URLs (the Conduit dialect's article slug).
        Index("ix_posts_slug", "slug", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    # URL-safe, unique, made from the title (posts/slugs.py) and made anew when it changes.
    slug: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    body: Mapped[str] = mapped_column(Text)
    published: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, server_default=func.now()
    )
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, server_default=func.now()
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # Changes with anything the post's document shows but its author: the ORM
    # increments it on every UPDATE (a change of tags alone also sets `updated_at`).
    version: Mapped[int] = mapped_column(Integer, server_default="1")
    # Rows of `favorites` for this post, kept by the transaction that adds or removes
    # one (favorites/service.py), which also moves `version` on: the document shows it.
    favorites_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    __mapper_args__: Mapping[str, Any] = {"version_id_col": version}

    author: Mapped["User"] = relationship(back_populates="posts", lazy="raise")
    tags: Mapped[list["Tag"]] = relationship(
        secondary=post_tags, back_populates="posts", lazy="raise", passive_deletes=True
    )


class PostTally(Base):
    """How many posts are published, kept by the database itself: triggers on `posts`
    (migrations 0010 and 0011) add one to the row of a post's shard when it is published
    (inserted published, or published later) and take one away when it no longer is
    (deleted, its author's account closed, made a draft again), in the transaction that
    does it; PostgreSQL's TRUNCATE of `posts` empties it. The total of a list of every
    published post is the sum of these rows, read in the list's own statement, instead
    of a count of every published post per request. A post's shard is its id modulo 16
    (written in the migrations' triggers), so concurrent writers seldom wait on one
    another's row."""

    __tablename__ = "post_tallies"

    shard: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    published: Mapped[int] = mapped_column(BigInteger, server_default="0")
