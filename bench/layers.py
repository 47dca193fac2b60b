"""Where one request's CPU goes: the same page of posts, one layer at a time.

`make bench` measures whole servers over HTTP; this measures, in one process and
without HTTP, the CPU that each layer of the stack adds to the work of one
`GET /posts/?limit=20` (and of `GET /users/{id}`), from asyncpg alone up to the
whole Inkwell application called through ASGI. The difference between the last
layer and the benchmark's CPU ms/request is the HTTP server (uvicorn, httptools).

The write rows do the same for `POST /transfers/` between random pairs of the first
TRANSFER_ACCOUNTS (100) demo accounts (0.01 credits each): the reference's transaction
in asyncpg alone, in Core, in the ORM, then the naive app and Inkwell (with and without
an `Idempotency-Key`) through ASGI. They move credits among those accounts (never
creating or losing any).

    .venv/bin/python bench/layers.py [--dsn postgresql://...] [--iterations 2000] [--only app]

The last rows call the naive reference app (`../shared/bench/naive_app.py`, when present)
and Inkwell through ASGI on the same requests: the difference is what Inkwell's request
path (middleware, dependencies, headers, logs, metrics) adds over the tutorial's code.
`--only` keeps the rows whose endpoint or layer contains one of its comma-separated words.

It reads the `inkwell_bench` database that `make bench` seeds; only the write rows
write to it (ledger rows and idempotency keys). Each layer runs `--iterations` times
after a warm-up, in three repeats; the table shows the median CPU time (this process:
user + system) per operation. The database's own CPU is not counted (another process),
nor is time spent waiting.
"""

import argparse
import contextlib
import importlib
import json
import logging
import os
import random
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import uvloop
from sqlalchemy import Row, bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import selectinload

sys.path.insert(0, str(Path(__file__).resolve().parent))
from inkbench.common import DEFAULT_DSN, REFERENCE_MODULES, REPO, TRANSFER_ACCOUNTS
from inkbench.database import DEMO_ACCOUNTS
from inkbench.report import describe_machine

# Production settings for the in-process app; set before inkwell reads them.
os.environ.update(ENVIRONMENT="production", JWT_SECRET="layers-" + "0" * 57, LOG_LEVEL="WARNING")

from inkwell.auth.service import create_access_token
from inkwell.core.config import Settings
from inkwell.core.db import create_engine, create_sessionmaker
from inkwell.main import create_app
from inkwell.posts.models import Post, post_tags
from inkwell.posts.schemas import POSTS
from inkwell.tags.models import Tag
from inkwell.transfers.models import Transfer, TransferKind
from inkwell.users.models import User

LIMIT = 20
PAGE_URL = f"/posts/?limit={LIMIT}"
Op = Callable[[], Awaitable[Any]]

# The page of posts as the ORM loads it when no document is cached (the read cache's
# misses go through the same options, by id).
ORM_PAGE = (
    select(Post)
    .options(
        selectinload(Post.author).load_only(User.id, User.username, User.full_name, User.version),
        selectinload(Post.tags),
    )
    .where(Post.published.is_(True))
    .order_by(Post.created_at.desc(), Post.id.desc())
    .limit(LIMIT)
)
POSTS_SQL = (
    "SELECT id, title, body, published, created_at, updated_at, author_id FROM posts "
    "WHERE published ORDER BY created_at DESC, id DESC LIMIT $1"
)
AUTHORS_SQL = "SELECT id, username, full_name FROM users WHERE id = any($1::int[])"
TAGS_SQL = (
    "SELECT pt.post_id, t.id, t.name FROM post_tags pt JOIN tags t ON t.id = pt.tag_id "
    "WHERE pt.post_id = any($1::int[]) ORDER BY t.name"
)

# The same three queries in SQLAlchemy Core, built once (as Inkwell builds its own),
# values bound at execution; the id lists are expanding IN parameters.
PAGE = (
    select(
        Post.id,
        Post.title,
        Post.body,
        Post.published,
        Post.created_at,
        Post.updated_at,
        Post.author_id,
    )
    .where(Post.published.is_(True))
    .order_by(Post.created_at.desc(), Post.id.desc())
    .limit(bindparam("limit"))
)
AUTHORS = select(User.id, User.username, User.full_name).where(
    User.id.in_(bindparam("ids", expanding=True))
)
TAGS = (
    select(post_tags.c.post_id, Tag.id, Tag.name)
    .join(Tag)
    .where(post_tags.c.post_id.in_(bindparam("ids", expanding=True)))
    .order_by(Tag.name)
)
Op = Callable[[], Awaitable[Any]]


async def _asyncpg_page(conn: asyncpg.Connection) -> None:
    rows = await conn.fetch(POSTS_SQL, LIMIT)
    ids = [r["id"] for r in rows]
    await conn.fetch(AUTHORS_SQL, list({r["author_id"] for r in rows}))
    await conn.fetch(TAGS_SQL, ids)


async def _core_page(conn: Any) -> list[Row[Any]]:
    rows = (await conn.execute(PAGE, {"limit": LIMIT})).all()
    (await conn.execute(AUTHORS, {"ids": list({r.author_id for r in rows})})).all()
    (await conn.execute(TAGS, {"ids": [r.id for r in rows]})).all()
    return list(rows)


def _scope(method: str, path: str, query: str) -> dict[str, Any]:
    """The ASGI scope of a request from a loopback client (its headers to be added)."""
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }


def _asgi_get(app: Any, path: str, *, etag: str | None = None) -> Op:
    """GET `path` from the app, expecting 200 (or 304 with `etag` as If-None-Match)."""
    raw_path, _, query = path.partition("?")
    headers = [(b"host", b"bench")]
    if etag is not None:
        headers.append((b"if-none-match", etag.encode()))
    expected = 200 if etag is None else 304
    scope = {**_scope("GET", raw_path, query), "headers": headers}

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start" and message["status"] != expected:
            raise RuntimeError(f"{path}: {message['status']}")

    async def call() -> None:
        await app(dict(scope), receive, send)

    return call


async def _etag(app: Any, path: str) -> str:
    """The ETag the app answers `path` with."""
    found: list[str] = []
    raw_path, _, query = path.partition("?")
    scope = {
        "type": "http",
        "method": "GET",
        "path": raw_path,
        "query_string": query.encode(),
        "headers": [(b"host", b"bench")],
    }

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            found.extend(v.decode() for k, v in message["headers"] if k == b"etag")

    await app(scope, receive, send)
    return found[0]


AMOUNT = Decimal("0.01")
# The reference's transfer (../shared/bench/raw_app.py's work): both accounts locked in
# id order, both balances moved, one ledger row, in one transaction.
HOLD_SQL = (
    "SELECT id, credits, is_active FROM users WHERE id = any($1::int[]) ORDER BY id FOR UPDATE"
)
MOVE_SQL = "UPDATE users SET credits = credits + $2 WHERE id = $1"
LEDGER_SQL = (
    "INSERT INTO transfers (kind, from_user_id, to_user_id, amount) "
    "VALUES ('transfer', $1, $2, $3) RETURNING id, created_at"
)
HOLD = (
    select(User.id, User.credits, User.is_active)
    .where(User.id.in_(bindparam("ids", expanding=True)))
    .order_by(User.id)
    .with_for_update()
)
MOVE = (
    update(User.__table__)  # type: ignore[arg-type]
    .where(User.__table__.c.id == bindparam("account"))
    .values(credits=User.__table__.c.credits + bindparam("by", type_=User.credits.type))
)
LEDGER = insert(Transfer).returning(Transfer.id, Transfer.created_at)


def _pairs(accounts: Sequence[int]) -> Callable[[], tuple[int, int]]:
    """A random (sender, recipient) pair of distinct accounts per call."""
    chooser = random.Random(7)  # noqa: S311 - a benchmark's workload, not a secret

    def pair() -> tuple[int, int]:
        sender, recipient = chooser.sample(accounts, 2)
        return sender, recipient

    return pair


async def _asyncpg_transfer(conn: asyncpg.Connection, sender: int, recipient: int) -> None:
    async with conn.transaction():
        rows = await conn.fetch(HOLD_SQL, sorted((sender, recipient)))
        if len(rows) != 2:
            raise RuntimeError(f"accounts {sender}, {recipient}: {len(rows)} found")
        await conn.execute(MOVE_SQL, sender, -AMOUNT)
        await conn.execute(MOVE_SQL, recipient, AMOUNT)
        await conn.fetchrow(LEDGER_SQL, sender, recipient, AMOUNT)


async def _core_transfer(conn: Any, sender: int, recipient: int) -> None:
    rows = (await conn.execute(HOLD, {"ids": sorted((sender, recipient))})).all()
    if len(rows) != 2:
        raise RuntimeError(f"accounts {sender}, {recipient}: {len(rows)} found")
    await conn.execute(MOVE, [{"account": sender, "by": -AMOUNT}])
    await conn.execute(MOVE, [{"account": recipient, "by": AMOUNT}])
    ledger = {
        "kind": TransferKind.TRANSFER,
        "from_user_id": sender,
        "to_user_id": recipient,
        "amount": AMOUNT,
    }
    (await conn.execute(LEDGER, ledger)).one()


async def _orm_transfer(session: AsyncSession, sender: int, recipient: int) -> None:
    """The naive app's transaction: ORM objects locked, changed and flushed."""
    ids = sorted((sender, recipient))
    held = select(User).where(User.id.in_(ids)).order_by(User.id).with_for_update()
    users = (await session.scalars(held)).all()
    by_id = {u.id: u for u in users}
    by_id[sender].credits -= AMOUNT
    by_id[recipient].credits += AMOUNT
    session.add(
        Transfer(
            kind=TransferKind.TRANSFER, from_user_id=sender, to_user_id=recipient, amount=AMOUNT
        )
    )


def _asgi_post(
    app: Any,
    path: str,
    body: Callable[[], tuple[bytes, list[tuple[bytes, bytes]]]],
    *,
    expected: int = 201,
) -> Op:
    """POST to the app what `body()` gives per call (the body and its extra headers)."""
    base = _scope("POST", path, "")

    async def call() -> None:
        content, headers = body()
        scope = {
            **base,
            "headers": [
                (b"host", b"bench"),
                (b"content-type", b"application/json"),
                (b"content-length", str(len(content)).encode()),
                *headers,
            ],
        }
        sent = False

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": content, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start" and message["status"] != expected:
                raise RuntimeError(f"POST {path}: {message['status']}")

        await app(scope, receive, send)

    return call


def _transfer_bodies(
    tokens: dict[int, str], *, keyed: bool
) -> Callable[[], tuple[bytes, list[tuple[bytes, bytes]]]]:
    """A transfer of 0.01 between a random pair per call, the sender's bearer token (and
    a fresh Idempotency-Key with `keyed`, as the Python client sends)."""
    pair = _pairs(list(tokens))
    authorization = {user: f"Bearer {token}".encode() for user, token in tokens.items()}
    serial = iter(range(1 << 62))
    run = os.urandom(6).hex()

    def body() -> tuple[bytes, list[tuple[bytes, bytes]]]:
        sender, recipient = pair()
        headers = [(b"authorization", authorization[sender])]
        if keyed:
            headers.append((b"idempotency-key", f"layers-{run}-{next(serial)}".encode()))
        return f'{{"to_user_id":{recipient},"amount":"0.01"}}'.encode(), headers

    return body


def _naive_app(dsn: str) -> Any:
    """The tutorial-style reference app, or None without ../shared/bench (`BENCH_REFS`)."""
    refs = Path(os.environ.get("BENCH_REFS", REPO.parent / "shared" / "bench"))
    if not (refs / "naive_app.py").exists():
        return None
    os.environ["BENCH_DSN"] = dsn
    os.environ["BENCH_JWT_SECRET"] = os.environ["JWT_SECRET"]  # it takes Inkwell's tokens
    sys.path.insert(0, str(refs))
    return importlib.import_module(REFERENCE_MODULES["naive"]).app


@contextlib.contextmanager
def _info_logs() -> Iterator[None]:
    """LOG_LEVEL=INFO for a row, lines written to /dev/null: the request log line's cost."""
    root = logging.getLogger()
    level = root.level
    with open(os.devnull, "w") as devnull:
        streams = [(h, h.setStream(devnull)) for h in root.handlers if hasattr(h, "setStream")]
        root.setLevel(logging.INFO)
        try:
            yield
        finally:
            root.setLevel(level)
            for handler, stream in streams:
                handler.setStream(stream)


async def measure(op: Op, iterations: int) -> float:
    """Median CPU ms per call over three repeats, after a warm-up."""
    for _ in range(max(iterations // 10, 50)):
        await op()
    samples = []
    for _ in range(3):
        start = time.process_time()
        for _ in range(iterations):
            await op()
        samples.append((time.process_time() - start) * 1000 / iterations)
    return statistics.median(samples)


async def _write_layers(
    pool: asyncpg.Pool,
    plain: Any,
    plain_sessions: async_sessionmaker[AsyncSession],
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    app: Any,
    naive: Any,
    writers: Sequence[int],
) -> list[tuple[str, str, Op]]:
    """The rows of `POST /transfers/`, among the `writers` (demo accounts)."""
    async with sessions() as session:
        users = (await session.scalars(select(User).where(User.id.in_(writers)))).all()
    tokens = {user.id: create_access_token(settings, user)[0] for user in users}
    pair = _pairs(list(writers))

    async def asyncpg_transfer() -> None:
        async with pool.acquire() as conn:
            await _asyncpg_transfer(conn, *pair())

    async def core_transfer() -> None:
        async with plain.begin() as conn:
            await _core_transfer(conn, *pair())

    async def orm_transfer() -> None:
        async with plain_sessions() as session, session.begin():
            await _orm_transfer(session, *pair())

    endpoint = "transfers"
    layers: list[tuple[str, str, Op]] = [
        (endpoint, "asyncpg: the reference's transaction (raw)", asyncpg_transfer),
        (endpoint, "SQLAlchemy Core, AsyncConnection", core_transfer),
        (endpoint, "AsyncSession, ORM objects flushed (naive's work)", orm_transfer),
    ]
    if naive is not None:
        naive_post = _asgi_post(naive, "/transfers/", _transfer_bodies(tokens, keyed=False))
        layers.append((endpoint, "naive app through ASGI (no HTTP)", naive_post))
    unkeyed = _asgi_post(app, "/transfers/", _transfer_bodies(tokens, keyed=False))
    keyed = _asgi_post(app, "/transfers/", _transfer_bodies(tokens, keyed=True))
    layers.append((endpoint, "Inkwell app, no Idempotency-Key", unkeyed))
    layers.append((endpoint, "Inkwell app, an Idempotency-Key each", keyed))
    return layers


async def run(dsn: str, iterations: int, only: list[str]) -> dict[str, dict[str, float]]:
    sa_url = dsn.replace("postgresql://", "postgresql+asyncpg://", 1)
    settings = Settings(database_url=sa_url)
    pool = await asyncpg.create_pool(dsn, min_size=2, max_size=2)
    plain = create_async_engine(sa_url, pool_size=2)
    plain_sessions = async_sessionmaker(plain, expire_on_commit=False, autoflush=False)
    engine = create_engine(settings)
    sessions = create_sessionmaker(engine)
    app = create_app(settings)
    uncached = create_app(settings.model_copy(update={"read_cache_entries": 0}))
    snapshot = {"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}

    async def asyncpg_only() -> None:
        async with pool.acquire() as conn:
            await _asyncpg_page(conn)

    async def asyncpg_tx() -> None:
        async with (
            pool.acquire() as conn,
            conn.transaction(isolation="repeatable_read", readonly=True),
        ):
            await _asyncpg_page(conn)

    async def core_connection() -> None:
        async with plain.connect() as conn:
            await _core_page(conn)

    async def session_rows() -> None:
        async with plain_sessions() as session:
            await session.connection(execution_options=snapshot)
            await _core_page(session)
            await session.commit()

    async def _orm(session: AsyncSession) -> Any:
        await session.connection(execution_options=snapshot)
        posts = (await session.scalars(ORM_PAGE)).all()
        await session.commit()
        return posts

    async def session_orm() -> None:
        async with sessions() as session:
            await _orm(session)

    async def session_orm_pydantic() -> None:
        async with sessions() as session:
            POSTS.dump_json(POSTS.validate_python(await _orm(session), from_attributes=True))

    naive = _naive_app(dsn)
    async with app.router.lifespan_context(app), uncached.router.lifespan_context(uncached):
        first_user = await pool.fetchval("SELECT min(id) FROM users WHERE closed_at IS NULL")
        first_post = await pool.fetchval("SELECT min(id) FROM posts WHERE published")
        requests = {
            "posts-20": "/posts/?limit=20",
            "post-by-id": f"/posts/{first_post}",
            "user-by-id": f"/users/{first_user}",
        }
        revalidated = _asgi_get(app, PAGE_URL, etag=await _etag(app, PAGE_URL))
        layers: list[tuple[str, str, Op]] = [
            ("posts-20", "asyncpg: 3 queries (the raw app's work)", asyncpg_only),
            ("posts-20", "+ a REPEATABLE READ READ ONLY transaction", asyncpg_tx),
            ("posts-20", "SQLAlchemy Core select(), AsyncConnection", core_connection),
            ("posts-20", "AsyncSession, Core rows, in a transaction", session_rows),
            ("posts-20", "AsyncSession, ORM objects + 2 selectinload", session_orm),
            ("posts-20", "+ pydantic validate and dump_json", session_orm_pydantic),
        ]
        for endpoint, path in requests.items():
            if naive is not None:
                layers.append(
                    (endpoint, "naive app through ASGI (no HTTP)", _asgi_get(naive, path))
                )
            layers.append((endpoint, "Inkwell app, read cache off", _asgi_get(uncached, path)))
            layers.append((endpoint, "Inkwell app, read cache warm", _asgi_get(app, path)))
            warm_info = (endpoint, "Inkwell app, cache warm, LOG_LEVEL=INFO", _asgi_get(app, path))
            layers.append(warm_info)
        layers.append(("posts-20", "Inkwell app, If-None-Match revalidated: 304", revalidated))
        # The first TRANSFER_ACCOUNTS demo accounts send each other credits (as in
        # `make bench`); what they hold together must not change.
        writers = [r["id"] for r in await pool.fetch(DEMO_ACCOUNTS, TRANSFER_ACCOUNTS)]
        if len(writers) < TRANSFER_ACCOUNTS:
            raise SystemExit(f"need {TRANSFER_ACCOUNTS} seeded demo accounts for the write rows")
        layers.extend(
            await _write_layers(
                pool, plain, plain_sessions, sessions, settings, app, naive, writers
            )
        )
        balances = "SELECT sum(credits) FROM users WHERE id = any($1::int[])"
        held_before = await pool.fetchval(balances, writers)
        results: dict[str, dict[str, float]] = {}
        for endpoint, layer, op in layers:
            if only and not any(word in f"{endpoint} {layer}" for word in only):
                continue
            logs = _info_logs() if "LOG_LEVEL=INFO" in layer else contextlib.nullcontext()
            with logs:
                cpu_ms = await measure(op, iterations)
            results.setdefault(endpoint, {})[layer] = round(cpu_ms, 3)
            print(f"{endpoint:10s}  {layer:45s}  {cpu_ms:7.3f} ms CPU", flush=True)
        held_after = await pool.fetchval(balances, writers)
        if held_after != held_before:
            raise RuntimeError(f"the writers held {held_before} credits, now {held_after}")
    await pool.close()
    await plain.dispose()
    await engine.dispose()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dsn", default=os.environ.get("BENCH_DSN", DEFAULT_DSN))
    parser.add_argument("--iterations", type=int, default=1000)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "layers.json")
    parser.add_argument("--only", default="", help="comma-separated words: rows to keep")
    args = parser.parse_args()
    machine = describe_machine(args.dsn)
    only = [word for word in args.only.split(",") if word]
    results = uvloop.run(run(args.dsn, args.iterations, only))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "machine": machine,
        "iterations": args.iterations,
        "repeats": 3,
        "cpu_ms_per_operation": results,
    }
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
