"""post tallies: how many posts are published, kept by triggers on posts

`post_tallies` holds, in 16 rows (a post's id modulo 16), the number of published posts;
triggers on `posts` keep it in the transaction of every insert, delete and change of
`published`, whoever writes (the application, `inkwell seed`, an operator's SQL, a
cascade from a deleted account). It starts from the posts already there. The number 16
is written here, not imported, so that this revision never changes.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-08 01:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Adds `delta` to the row of the shard of post `post` (PostgreSQL and SQLite alike).
_ADD = (
    "INSERT INTO post_tallies (shard, published) VALUES ({post}.id % 16, {delta}) "
    "ON CONFLICT (shard) DO UPDATE SET published = post_tallies.published + excluded.published"
)

_POSTGRESQL = [
    f"""CREATE FUNCTION post_tallies_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        IF OLD.published THEN
            {_ADD.format(post="OLD", delta=-1)};
        END IF;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        IF NEW.published THEN
            {_ADD.format(post="NEW", delta=1)};
        END IF;
    END IF;
    RETURN NULL;
END
$$""",
    "CREATE TRIGGER post_tallies_insert AFTER INSERT ON posts FOR EACH ROW "
    "WHEN (NEW.published) EXECUTE FUNCTION post_tallies_keep()",
    "CREATE TRIGGER post_tallies_delete AFTER DELETE ON posts FOR EACH ROW "
    "WHEN (OLD.published) EXECUTE FUNCTION post_tallies_keep()",
    "CREATE TRIGGER post_tallies_update AFTER UPDATE OF published ON posts FOR EACH ROW "
    "WHEN (OLD.published IS DISTINCT FROM NEW.published) EXECUTE FUNCTION post_tallies_keep()",
]

_SQLITE = [
    "CREATE TRIGGER post_tallies_insert AFTER INSERT ON posts FOR EACH ROW "
    f"WHEN NEW.published BEGIN {_ADD.format(post='NEW', delta=1)}; END",
    "CREATE TRIGGER post_tallies_delete AFTER DELETE ON posts FOR EACH ROW "
    f"WHEN OLD.published BEGIN {_ADD.format(post='OLD', delta=-1)}; END",
    "CREATE TRIGGER post_tallies_update AFTER UPDATE OF published ON posts FOR EACH ROW "
    "WHEN OLD.published <> NEW.published BEGIN "
    f"{_ADD.format(post='NEW', delta='CASE WHEN NEW.published THEN 1 ELSE -1 END')}; END",
]


def upgrade() -> None:
    op.create_table(
        "post_tallies",
        sa.Column("shard", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("published", sa.BigInteger(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("shard", name=op.f("pk_post_tallies")),
    )
    op.execute(
        "INSERT INTO post_tallies (shard, published) "
        "SELECT id % 16, count(*) FROM posts WHERE published GROUP BY id % 16"
    )
    postgresql = op.get_bind().dialect.name == "postgresql"
    for statement in _POSTGRESQL if postgresql else _SQLITE:
        op.execute(statement)


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for name in ("post_tallies_insert", "post_tallies_delete", "post_tallies_update"):
        op.execute(f"DROP TRIGGER {name} ON posts" if postgresql else f"DROP TRIGGER {name}")
    if postgresql:
        op.execute("DROP FUNCTION post_tallies_keep()")
    op.drop_table("post_tallies")
