"""Demo data in bulk: users with their starting grant, posts with tags.

Rows go in with multi-row `INSERT`s of a few thousand at a time, so 100,000
posts take seconds on PostgreSQL. Every seeded user's password is
`SEED_PASSWORD`; each gets the starting credits and its grant in the ledger.
"""

import random
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from inkwell.core.db import utcnow
from inkwell.models import Post, Tag, User, post_tags
from inkwell.posts import slugs
from inkwell.transfers import service as transfers_service

SEED_PASSWORD = "inkwell-demo"  # noqa: S105 - documented demo password
BATCH = 2000
_SENTENCE = (
    "async engine lattice river quantum ember harbor signal prism vector "
    "lantern meadow cipher orbit granite willow falcon summit delta cobalt"
)
_WORDS = _SENTENCE.split()

Progress = Callable[[str, int], None]


@dataclass(frozen=True)
class SeedPlan:
    users: int
    posts: int
    tags: int
    tags_per_post: int = 3
    published_ratio: float = 0.8
    random_seed: int = 42


def _chunks(rows: Sequence[dict[str, Any]]) -> list[Sequence[dict[str, Any]]]:
    return [rows[i : i + BATCH] for i in range(0, len(rows), BATCH)]


def _sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(words))


async def seed(
    session: AsyncSession,
    plan: SeedPlan,
    *,
    hashed_password: str,
    starting_credits: Decimal,
    progress: Progress,
) -> None:
    rng = random.Random(plan.random_seed)  # noqa: S311 - demo data, not secrets
    offset = await session.scalar(select(func.coalesce(func.max(User.id), 0))) or 0
    user_ids = await _users(session, plan, offset, hashed_password, starting_credits, progress)
    tag_ids = await _tags(session, plan, offset)
    await _posts(session, plan, rng, user_ids, tag_ids, progress)


async def _users(
    session: AsyncSession,
    plan: SeedPlan,
    offset: int,
    hashed_password: str,
    credits: Decimal,
    progress: Progress,
) -> list[int]:
    now = utcnow()
    rows = [
        {
            "username": f"demo{offset + i}",
            "email": f"demo{offset + i}@example.com",
            "full_name": f"Demo User {offset + i}",
            "hashed_password": hashed_password,
            "created_at": now - timedelta(seconds=plan.users - i),
            "updated_at": now,
        }
        for i in range(plan.users)
    ]
    ids: list[int] = []
    for chunk in _chunks(rows):
        result = await session.execute(insert(User).returning(User.id), chunk)
        chunk_ids = list(result.scalars())
        if credits > 0:
            await transfers_service.grant_many(session, to_user_ids=chunk_ids, amount=credits)
        ids.extend(chunk_ids)
        progress("users", len(chunk))
    return ids


async def _tags(session: AsyncSession, plan: SeedPlan, offset: int) -> list[int]:
    if plan.tags == 0:
        return []
    names = [{"name": f"topic-{offset}-{i}"} for i in range(plan.tags)]
    result = await session.execute(insert(Tag).returning(Tag.id), names)
    return list(result.scalars())


async def _posts(
    session: AsyncSession,
    plan: SeedPlan,
    rng: random.Random,
    user_ids: list[int],
    tag_ids: list[int],
    progress: Progress,
) -> None:
    if not user_ids:
        return
    start = utcnow() - timedelta(seconds=plan.posts)
    per_post = min(plan.tags_per_post, len(tag_ids))
    for first in range(0, plan.posts, BATCH):
        count = min(BATCH, plan.posts - first)
        titles = [_sentence(rng, 5).capitalize() for _ in range(count)]
        rows = [
            {
                "title": title,
                # Unique without a lookup, however many times the seeder runs.
                "slug": f"{slugs.slugify(title)}-{secrets.token_hex(5)}",
                "body": _sentence(rng, 40),
                "published": rng.random() < plan.published_ratio,
                "author_id": rng.choice(user_ids),
                # One second apart: distinct timestamps, newest last.
                "created_at": start + timedelta(seconds=first + i),
                "updated_at": start + timedelta(seconds=first + i),
            }
            for i, title in enumerate(titles)
        ]
        result = await session.execute(insert(Post).returning(Post.id), rows)
        links = [
            {"post_id": post_id, "tag_id": tag_id}
            for post_id in result.scalars()
            for tag_id in rng.sample(tag_ids, per_post)
        ]
        if links:
            await session.execute(insert(post_tags), links)
        progress("posts", count)
