"""Fixtures of the operations tests: servers in their own processes, and a PostgreSQL
database of each test's own (created fresh, dropped afterwards)."""

import itertools
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.servers import Server, new_postgres_database, running_server


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
    async with new_postgres_database("inkwell_ops") as url:
        yield url
