"""Fixtures of the operations tests: servers in their own processes, and a PostgreSQL
database of each test's own (created fresh, dropped afterwards)."""

import itertools
import secrets
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from tests.conftest import POSTGRES_URL, REQUIRE_POSTGRES
from tests.ops.workload import asyncpg_dsn
from tests.servers import Server, running_server


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., Server]]:
    """`serve(env, workers=N)` starts `inkwell serve`; every server stops after the test."""
    numbers = itertools.count(1)
    with ExitStack() as stack:

        def start(env: dict[str, str], *, workers: int = 1) -> Server:
            log = tmp_path / f"server-{next(numbers)}.log"
            return stack.enter_context(running_server(env, log, workers=workers))

        yield start


@pytest.fixture
async def postgres_database() -> AsyncIterator[str]:
    """The URL of a new, empty database on the test server; only it is dropped after."""
    maintenance = asyncpg_dsn(POSTGRES_URL, database="postgres")
    try:
        conn = await asyncpg.connect(maintenance, timeout=5)
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        reason = f"PostgreSQL unreachable at {POSTGRES_URL}: {exc!r}"
        if REQUIRE_POSTGRES:
            pytest.fail(f"{reason} (REQUIRE_POSTGRES=1)")
        pytest.skip(reason)
    name = f"inkwell_ops_{secrets.token_hex(4)}"
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        conn = await asyncpg.connect(maintenance, timeout=5)
        try:
            # FORCE: a server or PgBouncer that is still connected must not keep it alive.
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()
