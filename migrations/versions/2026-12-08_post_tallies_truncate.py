"""post tallies: PostgreSQL's TRUNCATE of posts empties them

TRUNCATE fires no row trigger, so after `TRUNCATE posts` the tallies of 0010 would
still count the posts gone. A statement trigger empties them with the posts. SQLite has
no TRUNCATE (its DELETE without WHERE fires the row triggers when a table has any).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-08 01:50:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        """CREATE FUNCTION post_tallies_clear() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM post_tallies;
    RETURN NULL;
END
$$"""
    )
    op.execute(
        "CREATE TRIGGER post_tallies_truncate AFTER TRUNCATE ON posts FOR EACH STATEMENT "
        "EXECUTE FUNCTION post_tallies_clear()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER post_tallies_truncate ON posts")
    op.execute("DROP FUNCTION post_tallies_clear()")
