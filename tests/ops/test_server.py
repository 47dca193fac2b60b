"""`inkwell serve` as a real process: graceful shutdown, a database that is down, and
four workers sharing one PostgreSQL database (and their metrics)."""

import asyncio
import contextlib
import secrets
import signal
import sqlite3
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.factories import assert_problem, make_account
from tests.ops.workload import balances, count_ledger_rows, random_transfers, read_books
from tests.servers import Server, free_port, sqlite_url

# About 2 s per argon2 hash: a registration is still running when SIGTERM arrives.
SLOW_HASHING = {"ARGON2_TIME_COST": "20", "ARGON2_MEMORY_KIB": "131072", "ARGON2_PARALLELISM": "1"}
IN_FLIGHT_S = 0.5
SHUTDOWN_TIMEOUT_S = 10.0
USER = {
    "username": "margaret_h",
    "email": "margaret@example.com",
    "password": "apollo guidance computer",
    "full_name": "Margaret Hamilton",
}


def test_sigterm_lets_the_request_in_flight_finish(
    serve: Callable[..., Server], tmp_path: Path
) -> None:
    database = tmp_path / "ops.db"
    server = serve(sqlite_url(database), **SLOW_HASHING)
    outcome: dict[str, Any] = {}

    def register() -> None:
        try:
            outcome["response"] = httpx.post(f"{server.url}/users/", json=USER, timeout=30)
        except httpx.HTTPError as exc:
            outcome["error"] = exc
        outcome["answered_at"] = time.monotonic()

    thread = threading.Thread(target=register, daemon=True)
    thread.start()
    time.sleep(IN_FLIGHT_S)
    assert thread.is_alive(), "the registration ended before SIGTERM: make hashing slower"

    server.process.send_signal(signal.SIGTERM)
    signalled = time.monotonic()
    try:
        status = server.process.wait(timeout=SHUTDOWN_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        pytest.fail(f"still running {SHUTDOWN_TIMEOUT_S:.0f} s after SIGTERM:\n{server.logs()}")
    thread.join(timeout=SHUTDOWN_TIMEOUT_S)

    response = outcome.get("response")
    assert response is not None, f"the request in flight failed: {outcome.get('error')!r}"
    assert response.status_code == 201, response.text
    assert outcome["answered_at"] > signalled, "answered before SIGTERM: nothing was in flight"
    # uvicorn re-raises the signal once its graceful shutdown is done, so the status
    # is that of SIGTERM (143 in a shell); the log says whether the shutdown was clean.
    assert status in (0, -signal.SIGTERM), server.logs()
    assert "Application shutdown complete." in server.logs()
    with contextlib.closing(sqlite3.connect(database)) as db:
        users = db.execute("SELECT id, username, credits FROM users").fetchall()
        grants = db.execute("SELECT to_user_id, amount FROM transfers WHERE kind = 'grant'")
        grant_rows = grants.fetchall()
    assert [(user_id, name) for user_id, name, _ in users] == [
        (response.json()["id"], USER["username"])
    ]
    assert Decimal(str(users[0][2])) == Decimal("100.00")
    assert [(to, Decimal(str(amount))) for to, amount in grant_rows] == [
        (users[0][0], Decimal("100.00"))
    ]


def test_database_down_gives_quick_503s_not_hangs(serve: Callable[..., Server]) -> None:
    closed_port = free_port()
    server = serve(f"postgresql+asyncpg://postgres@127.0.0.1:{closed_port}/x", migrate=False)
    with httpx.Client(base_url=server.url, timeout=10) as client:
        assert client.get("/health/live").status_code == 200
        for path in ("/health/ready", "/users/"):
            started = time.monotonic()
            response = client.get(path)
            elapsed = time.monotonic() - started
            assert_problem(response, 503)
            assert int(response.headers["retry-after"]) > 0, path
            assert elapsed < 5, f"GET {path} took {elapsed:.1f} s"
        login = client.post("/auth/token", data={"username": "ada", "password": "whatever1"})
        assert_problem(login, 503)
        assert "retry-after" in login.headers


@pytest.fixture
def four_workers(postgres_database: str, serve: Callable[..., Server], tmp_path: Path) -> Server:
    # TMPDIR: where the CLI makes PROMETHEUS_MULTIPROC_DIR, so it goes with tmp_path.
    return serve(postgres_database, workers=4, DB_POOL_SIZE="5", TMPDIR=str(tmp_path))


async def test_four_workers_keep_the_books_balanced(
    four_workers: Server, postgres_database: str
) -> None:
    url = postgres_database
    async with httpx.AsyncClient(base_url=four_workers.url, timeout=30) as client:
        assert (await client.get("/health/ready")).status_code == 200
        accounts = list(await asyncio.gather(*(make_account(client) for _ in range(10))))

        sent = await random_transfers(client, accounts, 220, seed=20_240_611)
        statuses = Counter(s.status for s in sent)
        assert set(statuses) <= {201, 409}, statuses
        assert statuses[201] > 0
        books = await read_books(url)
        assert books.balances == books.grants == Decimal("1000.00")
        assert books.lowest_balance >= 0
        assert books.transfers == statuses[201]

        # Twenty copies of one request with one Idempotency-Key: the money moves once.
        funds = await balances(url)
        sender = max(accounts, key=lambda a: funds[a.id])
        recipient = next(a for a in accounts if a is not sender)
        amount = "3.33"
        rows_before = await count_ledger_rows(url, sender.id, recipient.id, amount)
        body = {"to_user_id": recipient.id, "amount": amount}
        headers = {**sender.headers, "Idempotency-Key": f"ops-{secrets.token_hex(8)}"}
        burst = await asyncio.gather(
            *(client.post("/transfers/", json=body, headers=headers) for _ in range(20))
        )
        retry = await client.post("/transfers/", json=body, headers=headers)

        assert {r.status_code for r in burst} <= {201, 409}, [r.text for r in burst]
        created = [r for r in (*burst, retry) if r.status_code == 201]
        assert retry.status_code == 201, retry.text
        assert retry.headers["idempotent-replayed"] == "true"
        assert len({r.json()["id"] for r in created}) == 1
        assert [r.headers.get("idempotent-replayed") for r in created].count(None) == 1
        assert await count_ledger_rows(url, sender.id, recipient.id, amount) == rows_before + 1
        funds_after = await balances(url)
        assert funds_after[sender.id] == funds[sender.id] - Decimal(amount)
        assert funds_after[recipient.id] == funds[recipient.id] + Decimal(amount)
        books = await read_books(url)
        assert books.balances == books.grants
        assert books.transfers == statuses[201] + 1

        # /metrics sums every worker's counters, whichever worker answers the scrape.
        expected = statuses + Counter(r.status_code for r in (*burst, retry))
        counted = await _transfer_requests_counted(client, expected.total())
        assert counted.total() >= expected.total(), (counted, expected)
        assert counted == expected


async def _transfer_requests_counted(client: httpx.AsyncClient, at_least: int) -> Counter[int]:
    """inkwell_http_requests_total of POST /transfers/ by status, once it reaches
    `at_least` (a worker counts a request just after answering it) or after 5 s."""
    deadline = time.monotonic() + 5
    while True:
        response = await client.get("/metrics")
        assert response.status_code == 200
        counted: Counter[int] = Counter()
        for family in text_string_to_metric_families(response.text):
            for sample in family.samples:
                labels = sample.labels
                if (
                    sample.name == "inkwell_http_requests_total"
                    and labels["method"] == "POST"
                    and labels["route"] == "/transfers/"
                ):
                    counted[int(labels["status"])] += int(sample.value)
        if counted.total() >= at_least or time.monotonic() > deadline:
            return counted
        await asyncio.sleep(0.1)
