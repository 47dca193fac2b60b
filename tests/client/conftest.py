"""Fixtures of the client's tests: a real `inkwell serve` on each database (one per
database for the whole session), and clients of it signed up and logged in."""

import contextlib
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from inkwell_client import AsyncInkwell, RetryPolicy, UserPrivate

from tests.servers import LiveServer, Server, sqlite_url
from tests.support import new_postgres_database

PASSWORD = "correct horse battery"
# Quick retries: the tests wait for the server, not for politeness.
FAST_RETRIES = RetryPolicy(max_retries=5, backoff=0.02, max_backoff=0.2, in_flight_timeout=20)


@dataclass(frozen=True)
class Live:
    """A running `inkwell serve` and the database behind it."""

    kind: str  # "sqlite" or "postgres"
    server: Server
    database_url: str

    @property
    def url(self) -> str:
        return self.server.url


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
async def live(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    live_server: LiveServer,
) -> AsyncIterator[Live]:
    """`inkwell serve` on a migrated database of its own (SQLite file, or a new
    PostgreSQL database dropped afterwards), for every client test of the session."""
    async with contextlib.AsyncExitStack() as stack:
        if request.param == "sqlite":
            url = sqlite_url(tmp_path_factory.mktemp("client-sqlite") / "client.db")
        else:
            url = await stack.enter_async_context(new_postgres_database("inkwell_client"))
        server = stack.enter_context(live_server(url, ready="/health/ready"))
        yield Live(request.param, server, url)


@dataclass
class Recorder:
    """The status of every response the client received, in order (httpx event hook)."""

    statuses: list[int] = field(default_factory=list)

    async def __call__(self, response: httpx.Response) -> None:
        self.statuses.append(response.status_code)


@dataclass(frozen=True)
class Member:
    """A signed-up user and a client logged in as them."""

    client: AsyncInkwell
    user: UserPrivate
    recorder: Recorder

    @property
    def id(self) -> int:
        return self.user.id


MemberFactory = Callable[..., Awaitable[Member]]


def unique(prefix: str = "u") -> str:
    return f"{prefix}_{secrets.token_hex(5)}"


@pytest.fixture
async def member(live: Live) -> AsyncIterator[MemberFactory]:
    """`await member(url=..., retry=...)`: a new user, signed up and logged in through a
    client of `url` (the live server by default); every client is closed after the test."""
    opened: list[httpx.AsyncClient] = []

    async def make(
        url: str | None = None, *, retry: RetryPolicy = FAST_RETRIES, **fields: Any
    ) -> Member:
        recorder = Recorder()
        http = httpx.AsyncClient(timeout=20, event_hooks={"response": [recorder]})
        opened.append(http)
        client = AsyncInkwell(url or live.url, retry=retry, http_client=http)
        name = fields.pop("username", unique())
        user = await client.users.create(name, f"{name}@example.com", PASSWORD, **fields)
        await client.login(name, PASSWORD)
        recorder.statuses.clear()
        return Member(client, user, recorder)

    yield make
    for http in opened:
        await http.aclose()
