"""The `users` table."""

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    event,
    func,
    inspect,
    true,
)
from sqlalchemy.engine import Connection
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, Mapper, mapped_column, relationship
from sqlalchemy.orm.util import AliasedClass
from sqlalchemy.sql import ColumnElement

from inkwell.core.db import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from inkwell.posts.models import Post


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("credits >= 0", name="credits_non_negative"),
        # Serves the newest-first listing; a B-tree is read backwards for DESC.
        Index("ix_users_created_at_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(255))
    username: Mapped[str] = mapped_column(String(50))
    hashed_password: Mapped[str] = mapped_column(String(255))
    full_name: Mapped[str | None] = mapped_column(String(100))
    bio: Mapped[str | None] = mapped_column(Text)
    # An http(s) URL of a picture, shown as it was given.
    image: Mapped[str | None] = mapped_column(String(500))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    credits: Mapped[Decimal] = mapped_column(
        Numeric(12, 2), default=Decimal("0.00"), server_default="0"
    )
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, server_default=func.now()
    )
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, server_default=func.now()
    )
    # Set when the account is deleted: the row stays so money and history stay.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Changes with anything of the row, the holder's own document (e-mail, balance)
    # included: the ORM increments it on every UPDATE and checks it (optimistic
    # concurrency); statements that update users without the ORM (a transfer's new
    # balances) increment it themselves.
    version: Mapped[int] = mapped_column(Integer, server_default="1")
    # Carried in every access token and compared on every request: raising it ends
    # every session opened before (a password change, closing, switching off and on).
    token_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Changes only with what anyone sees of the account (PUBLIC_COLUMNS: its public
    # document, a profile, the author of a post or comment), which are keyed by it:
    # a new balance or e-mail address must not show in their ETags.
    public_version: Mapped[int] = mapped_column(Integer, server_default="1")

    __mapper_args__: Mapping[str, Any] = {"version_id_col": version}

    posts: Mapped[list["Post"]] = relationship(
        back_populates="author",
        cascade="all, delete-orphan",
        passive_deletes=True,
        lazy="raise",
    )

    @hybrid_property
    def is_open(self) -> bool:
        """The account is open: not closed (deleted by its holder). A closed account's
        row stays for its balance and ledger, but nothing reads it as a user: in a
        statement, `.where(User.is_open)`; on a loaded user, `user.is_open`."""
        return self.closed_at is None

    @is_open.inplace.expression
    @classmethod
    def _is_open_expression(cls) -> ColumnElement[bool]:
        return cls.closed_at.is_(None)


def is_named(
    username: str | ColumnElement[str], user: "type[User] | AliasedClass[User]" = User
) -> ColumnElement[bool]:
    """`user` (User, or an alias of it) has this username, without regard to case, as
    the unique index below compares them."""
    return func.lower(user.username) == func.lower(username)


# The columns that what anyone sees of an account shows (tests/users check it against
# the public schemas): a change of any moves `public_version` on, in the same UPDATE.
PUBLIC_COLUMNS = ("username", "full_name", "bio", "image")


@event.listens_for(User, "before_update")
def _move_public_version(_mapper: Mapper[User], _connection: Connection, user: User) -> None:
    # Incremented from the loaded value: the same UPDATE checks `version` (the ORM's
    # version_id_col), so a concurrent change of the row fails that check instead of
    # both writing one public version.
    state = inspect(user)
    if any(state.attrs[name].history.has_changes() for name in PUBLIC_COLUMNS):
        user.public_version += 1


# Unique among open accounts only: a closed account's username and e-mail can be
# registered again, while its row keeps its balance and history. Usernames are unique
# without regard to case (`Ada` and `ada` would be one person to a reader), and looked
# up the same way; e-mail addresses are stored lower-cased.
for _name, _indexed in (("email", User.email), ("username", func.lower(User.username))):
    Index(
        f"ix_users_{_name}_open",
        _indexed,
        unique=True,
        postgresql_where=User.is_open,
        sqlite_where=User.is_open,
    )
