"""public versions: `users.public_version`, moved on only by what others see of an account

`users.version` moves on with every change of the row, a transfer's new balance too, and
a user's public document, their posts' and their comments' were keyed by it: anyone could
watch a balance move through their ETags. The public documents are keyed by this version
instead. Existing rows start at their `version`, so that no public ETag names a version
an older state of the account once had.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Plain ALTER TABLE on both databases, as 0005 does: no batch copy of `users`.


def upgrade() -> None:
    op.add_column(
        "users", sa.Column("public_version", sa.Integer(), server_default="1", nullable=False)
    )
    op.execute("UPDATE users SET public_version = version")


def downgrade() -> None:
    op.drop_column("users", "public_version")
