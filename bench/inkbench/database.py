"""The benchmark database: create when missing, migrate, seed once, read the ids the load uses."""

import asyncio
import base64
import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import asyncpg

from inkbench.common import (
    BIN,
    DEEP_OFFSET,
    REPO,
    SEED,
    TRANSFER_ACCOUNTS,
    VIEWER_FAVORITES,
    VIEWER_FOLLOWS,
    WRITE_TAGS,
    Config,
    log,
    production_env,
    run_checked,
)


@dataclass
class Dataset:
    users: int
    posts: int
    published: int
    tags: int
    published_ids: list[int]
    user_ids: list[int]
    deep_cursor: str
    accounts: list[tuple[int, str]]  # (id, username) of the writing demo accounts
    tag_names: list[str]  # what the drafts of `posts-write` are tagged with
    seeded_now: bool = False


def admin_dsn(dsn: str) -> str:
    parts = urllib.parse.urlsplit(dsn)
    return urllib.parse.urlunsplit(parts._replace(path="/postgres"))


def inkwell_env(config: Config) -> dict[str, str]:
    # Tokens are fetched once before the load; keep them valid for long runs.
    return production_env(config.dsn, ACCESS_TOKEN_MINUTES="1440")  # noqa: S106 - not a secret


async def ensure_database(dsn: str) -> bool:
    """Create the database of `dsn` when missing; never drop anything. True if created."""
    name = urllib.parse.urlsplit(dsn).path.lstrip("/")
    conn = await asyncpg.connect(admin_dsn(dsn), timeout=10)
    try:
        if await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            return False
        quoted = name.replace('"', '""')
        await conn.execute(f'CREATE DATABASE "{quoted}"')
        return True
    finally:
        await conn.close()


async def count_posts(dsn: str) -> int:
    conn = await asyncpg.connect(dsn)
    try:
        return int(await conn.fetchval("SELECT count(*) FROM posts"))
    finally:
        await conn.close()


# Users that GET /users/{id} serves (closed accounts are 404), whether or not the schema
# has `closed_at` yet; and the first seeded ones (`inkwell seed` names them demo<N>).
LIVE_USER_IDS = (
    "SELECT id FROM users WHERE is_active AND to_jsonb(users) ->> 'closed_at' IS NULL ORDER BY id"
)
DEMO_ACCOUNTS = (
    "SELECT id, username FROM users WHERE is_active AND to_jsonb(users) ->> 'closed_at' IS NULL "
    "AND username ~ '^demo[0-9]+$' ORDER BY id LIMIT $1"
)


async def load_dataset(dsn: str) -> Dataset:
    conn = await asyncpg.connect(dsn)
    try:
        published_ids = [
            r["id"] for r in await conn.fetch("SELECT id FROM posts WHERE published ORDER BY id")
        ]
        user_ids = [r["id"] for r in await conn.fetch(LIVE_USER_IDS)]
        deep = await conn.fetchrow(
            "SELECT created_at, id FROM posts WHERE published "
            "ORDER BY created_at DESC, id DESC OFFSET $1 LIMIT 1",
            DEEP_OFFSET - 1,
        )
        if deep is None:
            raise SystemExit(f"fewer than {DEEP_OFFSET} published posts: cannot test deep pages")
        accounts = [
            (r["id"], r["username"])
            for r in await conn.fetch(
                DEMO_ACCOUNTS,
                TRANSFER_ACCOUNTS,
            )
        ]
        tag_names = [
            r["name"]
            for r in await conn.fetch("SELECT name FROM tags ORDER BY id LIMIT $1", WRITE_TAGS)
        ]
        return Dataset(
            users=int(await conn.fetchval("SELECT count(*) FROM users")),
            posts=int(await conn.fetchval("SELECT count(*) FROM posts")),
            published=len(published_ids),
            tags=int(await conn.fetchval("SELECT count(*) FROM tags")),
            published_ids=published_ids,
            user_ids=user_ids,
            deep_cursor=encode_cursor(deep["created_at"], deep["id"]),
            accounts=accounts,
            tag_names=tag_names,
        )
    finally:
        await conn.close()


def encode_cursor(created_at: datetime, row_id: int) -> str:
    """Inkwell's cursor: base64url, unpadded, of `["<isoformat>", id]` of the previous row."""
    raw = json.dumps([created_at.astimezone(UTC).isoformat(), row_id], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def prepare_database(config: Config, env: dict[str, str]) -> Dataset:
    if asyncio.run(ensure_database(config.dsn)):
        log(f"created database {config.database}")
    inkwell = str(BIN / "inkwell")
    run_checked([inkwell, "migrate"], env=env, cwd=REPO)
    posts = asyncio.run(count_posts(config.dsn))
    seeded = False
    if posts < SEED["posts"]:
        log(f"seeding {config.database} ({posts} posts there now): {SEED}")
        run_checked([inkwell, "seed", *(f"--{k}={v}" for k, v in SEED.items())], env=env, cwd=REPO)
        seeded = True
    else:
        log(f"reusing {config.database}: {posts} posts")
    dataset = asyncio.run(load_dataset(config.dsn))
    dataset.seeded_now = seeded
    if len(dataset.accounts) < TRANSFER_ACCOUNTS:
        raise SystemExit(f"need {TRANSFER_ACCOUNTS} seeded demo users for the write tests")
    if len(dataset.tag_names) < WRITE_TAGS:
        raise SystemExit(f"need {WRITE_TAGS} seeded tags for the posts-write test")
    return dataset


# Every balance moves only with a ledger row (`transfers`): a grant (kind 'grant', no
# sender) creates credits, a transfer moves them. So whatever the apps wrote, the
# credits of all users add up to the grants, and each user's credits to what their
# ledger rows brought in minus what they sent.
MONEY = """
WITH moves AS (
    SELECT to_user_id AS user_id, amount FROM transfers
    UNION ALL
    SELECT from_user_id, -amount FROM transfers WHERE from_user_id IS NOT NULL
), per_user AS (
    SELECT user_id, sum(amount) AS total FROM moves GROUP BY user_id
)
SELECT
    (SELECT coalesce(sum(credits), 0) FROM users) AS credits,
    (SELECT coalesce(sum(amount), 0) FROM transfers WHERE kind = 'grant') AS grants,
    (SELECT count(*) FROM transfers WHERE kind = 'transfer') AS transfer_rows,
    (SELECT count(*) FROM users u LEFT JOIN per_user p ON p.user_id = u.id
     WHERE u.credits <> coalesce(p.total, 0)) AS accounts_off_ledger,
    (SELECT count(*) FROM users WHERE credits < 0) AS negative,
    (SELECT count(*) FROM users) AS users,
    (SELECT count(*) FROM posts) AS posts
"""


async def fetch_money(dsn: str) -> asyncpg.Record:
    """The money in the database, in one snapshot (MONEY): the sum of all users' credits
    (`credits`), the sum of the grants (`grants`), the transfer ledger rows, the users
    whose credits differ from their ledger and those below zero, the users and the posts.
    Every money check of the bench tools (make bench, make load, the failover run)."""
    conn = await asyncpg.connect(dsn, timeout=10)
    try:
        row = await conn.fetchrow(MONEY)
    finally:
        await conn.close()
    assert row is not None
    return row


def read_money(dsn: str) -> dict[str, Any]:
    """fetch_money's answer for a report: amounts as exact text, counts as numbers
    (drafts of `posts-write` among the posts)."""
    row = asyncio.run(fetch_money(dsn))
    return {
        "credits": str(row["credits"]),
        "grants": str(row["grants"]),
        "transfer_rows": int(row["transfer_rows"]),
        "accounts_off_ledger": int(row["accounts_off_ledger"]),
        "posts": int(row["posts"]),
    }


def check_money(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """Whether money was created or lost over the run: the credits equal the grants,
    and no account's credits differ from its ledger."""
    conserved = (
        Decimal(after["credits"]) == Decimal(after["grants"]) and after["accounts_off_ledger"] == 0
    )
    return {
        "before": before,
        "after": after,
        "transfer_rows_written": after["transfer_rows"] - before["transfer_rows"],
        "posts_written": after["posts"] - before["posts"],
        "conserved": conserved,
    }


def viewer_plan(dsn: str, dataset: Dataset) -> tuple[list[str], list[str]]:
    """Whom the Conduit viewer (the first demo account) follows, and what it favorites:
    the authors of the newest published posts, and the newest published posts."""

    async def read() -> tuple[list[str], list[str]]:
        conn = await asyncpg.connect(dsn)
        try:
            authors = await conn.fetch(
                "SELECT u.username FROM users u JOIN posts p ON p.author_id = u.id "
                "WHERE p.published AND u.closed_at IS NULL AND u.id <> $1 "
                "GROUP BY u.username ORDER BY max(p.created_at) DESC LIMIT $2",
                dataset.accounts[0][0],
                VIEWER_FOLLOWS,
            )
            slugs = await conn.fetch(
                "SELECT slug FROM posts WHERE published ORDER BY created_at DESC, id DESC LIMIT $1",
                VIEWER_FAVORITES,
            )
        finally:
            await conn.close()
        return [r["username"] for r in authors], [r["slug"] for r in slugs]

    return asyncio.run(read())
