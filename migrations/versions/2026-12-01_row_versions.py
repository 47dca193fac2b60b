"""row versions: `users.version` and `posts.version`, for documents cached by version

Existing rows start at 1; the ORM increments the version on every update.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = ("users", "posts")


# Plain ALTER TABLE on both databases (SQLite has dropped columns itself since 3.35):
# no batch copy of `users`, whose partial unique indexes a copy would have to carry.


def upgrade() -> None:
    for table in _TABLES:
        op.add_column(table, sa.Column("version", sa.Integer(), server_default="1", nullable=False))


def downgrade() -> None:
    for table in _TABLES:
        op.drop_column(table, "version")
