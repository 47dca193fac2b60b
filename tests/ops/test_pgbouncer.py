"""The service behind a real PgBouncer in transaction pooling mode.

With DB_PGBOUNCER=true a realistic workload runs cleanly through it; without it,
asyncpg's prepared statements break once transactions share server connections.

Needs Debian's `pgbouncer` (`.ci/run` installs it); skipped when it is missing. The
test runs its own PgBouncer on a free loopback port, never the system service.
"""

import asyncio
import json
import re
import secrets
import subprocess
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url

from tests.factories import make_account, make_post
from tests.ops.workload import random_transfers, read_books
from tests.servers import (
    Server,
    app_env,
    free_port,
    migrate,
    run_as_postgres,
    stop,
    wait_until_listening,
)

PGBOUNCER = Path("/usr/sbin/pgbouncer")
START_TIMEOUT_S = 10.0
# As PostgreSQL reports it through asyncpg.
PREPARED_STATEMENT_ERROR = re.compile(
    r'prepared statement "__asyncpg_stmt_\w+__" (does not exist|already exists)'
)

pytestmark = pytest.mark.skipif(
    not PGBOUNCER.exists(),
    reason=f"{PGBOUNCER} not found: install Debian's pgbouncer (apt-get install pgbouncer) "
    "to run the PgBouncer tests",
)


@dataclass(frozen=True)
class Bouncer:
    url: str  # the database, through PgBouncer
    log: Path


def _version() -> tuple[int, ...]:
    out = subprocess.run(  # noqa: S603 - Debian's pgbouncer, fixed arguments
        [str(PGBOUNCER), "--version"], capture_output=True, text=True, timeout=10, check=True
    ).stdout
    found = re.search(r"PgBouncer (\d+)\.(\d+)", out)
    assert found, out
    return tuple(int(part) for part in found.groups())


def _prepared_statement_setting() -> str:
    """PgBouncer 1.21+ can track protocol-level prepared statements (on by default from
    1.22), which would hide the failure the negative test expects; older ones refuse the
    setting altogether."""
    return "max_prepared_statements = 0\n" if _version() >= (1, 21) else ""


@pytest.fixture
def pgbouncer(postgres_database: str, tmp_path: Path) -> Iterator[Bouncer]:
    """PgBouncer in transaction mode in front of the test's database, with fewer server
    connections than the app has client connections, so that transactions share them.

    It logs to stderr (kept in tmp_path), not to a `logfile`: started as root it opens
    the logfile only after switching to `postgres`, who cannot enter pytest's tmp dirs.
    It reads its config and auth file before switching."""
    target = make_url(postgres_database)
    port = free_port()
    auth_file = tmp_path / "pgbouncer-users.txt"
    auth_file.write_text(f'"{target.username}" "{target.password or ""}"\n')
    server = f"host={target.host} port={target.port or 5432} dbname={target.database}"
    if target.password:
        server += f" password={target.password}"
    config = tmp_path / "pgbouncer.ini"
    config.write_text(
        f"""\
[databases]
{target.database} = {server}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {auth_file}
pool_mode = transaction
default_pool_size = 2
max_client_conn = 200
ignore_startup_parameters = extra_float_digits
{_prepared_statement_setting()}"""
    )
    log = tmp_path / "pgbouncer.log"
    with log.open("wb") as out:
        # Debian's pgbouncer, fixed arguments.
        process = subprocess.Popen(  # noqa: S603
            [str(PGBOUNCER), *run_as_postgres(), str(config)], stdout=out, stderr=subprocess.STDOUT
        )
    try:
        wait_until_listening(port, process, log)
        through = target.set(host="127.0.0.1", port=port)
        yield Bouncer(through.render_as_string(hide_password=False), log)
    finally:
        stop(process)


def _serve_through(
    postgres_database: str, pgbouncer: Bouncer, serve: Callable[..., Server], **settings: str
) -> Server:
    migrate(app_env(postgres_database))  # directly: migrations need a session of their own
    return serve(pgbouncer.url, migrate=False, DB_POOL_SIZE="3", **settings)


@pytest.fixture
def pgbouncer_mode(
    postgres_database: str, pgbouncer: Bouncer, serve: Callable[..., Server]
) -> Server:
    return _serve_through(postgres_database, pgbouncer, serve, DB_PGBOUNCER="true")


@pytest.fixture
def plain_mode(postgres_database: str, pgbouncer: Bouncer, serve: Callable[..., Server]) -> Server:
    # Without DB_PGBOUNCER the statement timeout is a startup parameter, which PgBouncer
    # refuses outright; turn it off to reach the prepared statements.
    return _serve_through(postgres_database, pgbouncer, serve, DB_STATEMENT_TIMEOUT_MS="0")


async def test_workload_through_pgbouncer(
    pgbouncer_mode: Server, pgbouncer: Bouncer, postgres_database: str
) -> None:
    async with httpx.AsyncClient(base_url=pgbouncer_mode.url, timeout=30) as client:
        assert (await client.get("/health/ready")).status_code == 200
        accounts = list(await asyncio.gather(*(make_account(client) for _ in range(6))))
        posts = await asyncio.gather(
            *(make_post(client, a, published=True, tags=["ops", f"by-{a.id}"]) for a in accounts)
        )
        listed = await client.get("/posts/", params={"tag": "ops", "limit": 50})
        assert listed.status_code == 200, listed.text
        assert {p["id"] for p in listed.json()} == {p["id"] for p in posts}

        # A transfer with an Idempotency-Key, retried after the storm below: the retry
        # replays the first answer (whatever the sender's balance is by then).
        sender, recipient = accounts[0], accounts[1]
        body = {"to_user_id": recipient.id, "amount": "0.50"}
        headers = {**sender.headers, "Idempotency-Key": f"ops-{secrets.token_hex(8)}"}
        first = await client.post("/transfers/", json=body, headers=headers)
        assert first.status_code == 201, first.text
        assert "idempotent-replayed" not in first.headers

        sent = await random_transfers(client, accounts, 50, seed=6432)
        statuses = Counter(s.status for s in sent)
        assert set(statuses) <= {201, 409}, statuses
        assert statuses[201] > 0

        retried = await client.post("/transfers/", json=body, headers=headers)
        assert retried.status_code == 201, retried.text
        assert retried.headers["idempotent-replayed"] == "true"
        assert retried.json() == first.json()

    books = await read_books(postgres_database)
    assert books.balances == books.grants == Decimal("600.00")
    assert books.lowest_balance >= 0
    assert books.transfers == statuses[201] + 1
    assert f"login attempt: db={make_url(postgres_database).database}" in pgbouncer.log.read_text()
    assert "Traceback" not in pgbouncer_mode.logs()


async def test_without_pgbouncer_mode_prepared_statements_break(plain_mode: Server) -> None:
    """The failure DB_PGBOUNCER exists to prevent, so that the test above means something.

    Lookups of a user who does not exist (404 when all is well), all at once, share
    PgBouncer's two server connections and lose their prepared statements."""
    async with httpx.AsyncClient(base_url=plain_mode.url, timeout=30) as client:
        responses = await asyncio.gather(*(client.get("/users/999999") for _ in range(60)))
    statuses = Counter(r.status_code for r in responses)
    assert set(statuses) <= {404, 500}, statuses
    assert statuses[500] > 0, statuses
    records = [json.loads(line) for line in plain_mode.logs().splitlines() if line[:1] == "{"]
    errors = [r["exception"] for r in records if r.get("event") == "unhandled error"]
    assert len(errors) == statuses[500]
    assert all(PREPARED_STATEMENT_ERROR.search(error) for error in errors), errors
