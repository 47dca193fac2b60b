"""conduit domain: users' bio and image, follows, posts' slug, description and
favorites_count, favorites, comments

Existing posts get a slug made from their title, unique (a post whose title makes a
slug already taken gets its id appended). The slug is made here by a copy of the rule
of that day, not by the application's code, so that this revision never changes.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 17:00:00
"""

import re
import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _timestamp(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False)


def _slug(title: str) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:180].strip("-") or "post"


def _backfill_slugs() -> None:
    posts = sa.table(
        "posts",
        sa.column("id", sa.Integer),
        sa.column("title", sa.String),
        sa.column("slug", sa.String),
    )
    bind = op.get_bind()
    taken: set[str] = set()
    for post_id, title in bind.execute(sa.select(posts.c.id, posts.c.title).order_by(posts.c.id)):
        slug = _slug(title)
        while slug in taken:
            slug = f"{slug}-{post_id}"
        taken.add(slug)
        bind.execute(posts.update().where(posts.c.id == post_id).values(slug=slug))


def upgrade() -> None:
    # Plain ALTER TABLE on both databases, no batch copy (see 0005). SQLite cannot make a
    # column NOT NULL afterwards, so there the slug is added NOT NULL with an empty
    # default that every row is given a value over at once.
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.add_column("users", sa.Column("bio", sa.Text(), nullable=True))
    op.add_column("users", sa.Column("image", sa.String(length=500), nullable=True))
    op.add_column(
        "posts",
        sa.Column(
            "slug",
            sa.String(length=255),
            nullable=not sqlite,
            server_default="" if sqlite else None,
        ),
    )
    op.add_column("posts", sa.Column("description", sa.Text(), server_default="", nullable=False))
    op.add_column(
        "posts", sa.Column("favorites_count", sa.Integer(), server_default="0", nullable=False)
    )
    _backfill_slugs()
    if not sqlite:
        op.alter_column("posts", "slug", nullable=False)
    op.create_index("ix_posts_slug", "posts", ["slug"], unique=True)

    op.create_table(
        "follows",
        sa.Column("follower_id", sa.Integer(), nullable=False),
        sa.Column("followee_id", sa.Integer(), nullable=False),
        _timestamp("created_at"),
        sa.CheckConstraint("follower_id <> followee_id", name=op.f("ck_follows_not_self")),
        sa.ForeignKeyConstraint(
            ["follower_id"],
            ["users.id"],
            name=op.f("fk_follows_follower_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["followee_id"],
            ["users.id"],
            name=op.f("fk_follows_followee_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("follower_id", "followee_id", name=op.f("pk_follows")),
    )
    op.create_index("ix_follows_followee_id_created_at", "follows", ["followee_id", "created_at"])

    op.create_table(
        "favorites",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        _timestamp("created_at"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_favorites_user_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name=op.f("fk_favorites_post_id_posts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "post_id", name=op.f("pk_favorites")),
    )
    op.create_index(op.f("ix_favorites_post_id"), "favorites", ["post_id"])

    op.create_table(
        "comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name=op.f("fk_comments_post_id_posts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_comments_author_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comments")),
    )
    op.create_index(op.f("ix_comments_author_id"), "comments", ["author_id"])
    op.create_index(
        "ix_comments_post_id_created_at_id", "comments", ["post_id", "created_at", "id"]
    )


def downgrade() -> None:
    op.drop_table("comments")
    op.drop_table("favorites")
    op.drop_table("follows")
    op.drop_index("ix_posts_slug", table_name="posts")
    for column in ("favorites_count", "description", "slug"):
        op.drop_column("posts", column)
    for column in ("image", "bio"):
        op.drop_column("users", column)
