"""sessions and usernames: `users.token_generation`, usernames unique regardless of case

`token_generation` is carried in every access token and compared on every request:
raising it (a password change, closing or switching an account off and on) ends every
session opened before. Existing accounts start at 0; tokens issued before this revision
carry no generation and are refused, so every session ends once at the upgrade.

Usernames become unique among open accounts without regard to case (`Ada` and `ada`
cannot both exist). A database that already holds such a pair stops the upgrade with a
message naming them: which account keeps the name is for its operator to decide.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 16:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from inkwell.core.ops.migrations import MigrationRefused

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OPEN = sa.text("closed_at IS NULL")


def upgrade() -> None:
    _refuse_case_duplicates()
    op.add_column(
        "users",
        sa.Column("token_generation", sa.Integer(), server_default="0", nullable=False),
    )
    op.drop_index("ix_users_username_open", table_name="users")
    op.create_index(
        "ix_users_username_open",
        "users",
        [sa.text("lower(username)")],
        unique=True,
        postgresql_where=_OPEN,
        sqlite_where=_OPEN,
    )


def downgrade() -> None:
    op.drop_index("ix_users_username_open", table_name="users")
    op.create_index(
        "ix_users_username_open",
        "users",
        ["username"],
        unique=True,
        postgresql_where=_OPEN,
        sqlite_where=_OPEN,
    )
    op.drop_column("users", "token_generation")


def _refuse_case_duplicates() -> None:
    rows = (
        op.get_bind()
        .execute(
            sa.text(
                "SELECT id, username FROM users WHERE closed_at IS NULL AND lower(username) IN ("
                " SELECT lower(username) FROM users WHERE closed_at IS NULL"
                " GROUP BY lower(username) HAVING count(*) > 1"
                ") ORDER BY lower(username), id"
            )
        )
        .all()
    )
    if not rows:
        return
    groups: dict[str, list[str]] = {}
    for user_id, username in rows:
        groups.setdefault(username.lower(), []).append(f"{username!r} (id {user_id})")
    listed = "; ".join(" and ".join(names) for names in groups.values())
    raise MigrationRefused(
        "Usernames must be unique without regard to case, and these open accounts share "
        f"one: {listed}. Rename or close all but one account of each, then migrate again. "
        "Nothing was changed."
    )
