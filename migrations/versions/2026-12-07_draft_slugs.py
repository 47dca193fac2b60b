"""draft slugs: a draft no longer holds its title's base slug

Only published posts hold the base slug of their title; a draft's has a random suffix,
so that no one can learn from the slug their own post of a title gets that a draft of
that title exists. Existing drafts are given such a slug here, made by a copy of the
rule of this day (as 0006 does), not by the application's code, so that this revision
never changes. Their old slugs are not given back by the downgrade: a draft's new slug
is as valid a slug as its old one.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 12:30:00
"""

import re
import secrets
import string
import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ALPHABET = string.ascii_lowercase + string.digits


def _slug(title: str) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:180].strip("-") or "post"


def upgrade() -> None:
    posts = sa.table(
        "posts",
        sa.column("id", sa.Integer),
        sa.column("title", sa.String),
        sa.column("slug", sa.String),
        sa.column("published", sa.Boolean),
    )
    bind = op.get_bind()
    taken = set(bind.scalars(sa.select(posts.c.slug)))
    drafts = sa.select(posts.c.id, posts.c.title).where(posts.c.published.is_(False))
    for post_id, title in bind.execute(drafts.order_by(posts.c.id)).all():
        slug = ""
        while not slug or slug in taken:
            slug = f"{_slug(title)}-{''.join(secrets.choice(_ALPHABET) for _ in range(6))}"
        taken.add(slug)
        bind.execute(posts.update().where(posts.c.id == post_id).values(slug=slug))


def downgrade() -> None:
    pass
