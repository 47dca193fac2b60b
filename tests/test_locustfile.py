"""The load test's locustfile, run for real and briefly, so that it cannot silently rot.

A real `inkwell serve` on a free loopback port, on a fresh, migrated and seeded SQLite
file (cheap password hashing, so that logins are fast), gets 10 s of `locust --headless`
with 10 users and the repository's locustfile.py. Locust runs as a subprocess: its gevent
monkey-patching never touches this process. Every request must succeed (the locustfile
checks each response), each kind of traffic (reads, writes, transfers) must have run a
fair number of times, and afterwards the credits must still add up to the grants.

No latency threshold here: SQLite under concurrent writes is no benchmark (`make load`
runs the real one on PostgreSQL).
"""

import contextlib
import csv
import os
import sqlite3
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from bench.inkbench.common import request_kind

from tests.servers import BIN, ROOT, Server, run_program, sqlite_url

SECONDS = 10
USERS = 10
START_TIMEOUT_S = 30.0
LOCUST_TIMEOUT_S = SECONDS + 60.0
# At least this many requests of each kind in 10 s (about 80 % / 15 % / 5 % of them).
MINIMUM = {"reads": 100, "writes": 15, "transfers": 4}
CENT = Decimal("0.01")


@pytest.fixture
def database(tmp_path: Path) -> Path:
    return tmp_path / "load.db"


@pytest.fixture
def server(serve: Callable[..., Server], database: Path) -> str:
    """Migrate and seed a fresh SQLite file, then serve it on a free loopback port."""
    return serve(
        sqlite_url(database),
        seed=["--users", "20", "--posts", "300", "--tags", "10"],
        ready="/health/ready",
        timeout=START_TIMEOUT_S,
        LOG_LEVEL="WARNING",
    ).url


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def _money(database: Path) -> tuple[Decimal, Decimal, int]:
    """Sum of balances, sum of grants (exact: SQLite may keep NUMERIC as a float) and
    the number of transfers between users."""
    with contextlib.closing(sqlite3.connect(database)) as db:
        balances = sum(
            (Decimal(str(v)).quantize(CENT) for (v,) in db.execute("SELECT credits FROM users")),
            Decimal(0),
        )
        grants = sum(
            (
                Decimal(str(v)).quantize(CENT)
                for (v,) in db.execute("SELECT amount FROM transfers WHERE kind = 'grant'")
            ),
            Decimal(0),
        )
        (moved,) = db.execute("SELECT count(*) FROM transfers WHERE kind = 'transfer'").fetchone()
    return balances, grants, int(moved)


def test_locustfile_runs_clean(server: str, tmp_path: Path, database: Path) -> None:
    locust = BIN / "locust"
    assert locust.exists(), f"{locust} is missing: pip install -e '.[test]' (it brings locust)"
    prefix = tmp_path / "load"
    command = [
        str(locust),
        "-f",
        str(ROOT / "locustfile.py"),
        "--headless",
        "--users",
        str(USERS),
        "--spawn-rate",
        str(USERS),
        "--run-time",
        f"{SECONDS}s",
        "--stop-timeout",
        "5",
        "--think-time",
        "0.1-0.5",
        "--host",
        server,
        "--csv",
        str(prefix),
        "--only-summary",
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOCUST_")}
    done = run_program(command, env, cwd=tmp_path, timeout=LOCUST_TIMEOUT_S)
    output = done.stdout + done.stderr
    failures = _rows(Path(f"{prefix}_failures.csv"))
    exceptions = _rows(Path(f"{prefix}_exceptions.csv"))
    assert not failures, f"failed requests: {failures}\n{output[-3000:]}"
    assert not exceptions, f"errors in the locustfile: {exceptions}\n{output[-3000:]}"
    assert done.returncode == 0, f"locust exited {done.returncode}:\n{output[-3000:]}"

    stats = _rows(Path(f"{prefix}_stats.csv"))
    total = next(row for row in stats if row["Name"] == "Aggregated")
    assert int(total["Failure Count"]) == 0, total
    counts = dict.fromkeys(("setup", *MINIMUM), 0)
    for row in stats:
        if row["Name"] != "Aggregated":
            counts[request_kind(row["Type"], row["Name"])] += int(row["Request Count"])
    by_name = {row["Name"]: int(row["Request Count"]) for row in stats}
    native, conduit = by_name.get("/users/ [register]", 0), by_name.get("/api/users [register]", 0)
    # Each user registered once; a native one also logged in, a Conduit one used the
    # token that its registration returned. A quarter of them speak Conduit.
    assert native + conduit == USERS, by_name
    assert by_name.get("/auth/token") == native, by_name
    assert conduit >= 1, by_name
    assert counts["setup"] == 2 * native + conduit, counts
    conduit_reads = sum(n for name, n in by_name.items() if name.startswith("/api/articles"))
    assert conduit_reads >= 20, by_name
    for kind, least in MINIMUM.items():
        assert counts[kind] >= least, f"only {counts[kind]} {kind} in {SECONDS} s: {counts}"

    balances, grants, moved = _money(database)
    assert moved > 0, "no transfer went through"
    assert balances == grants, f"sum of balances {balances} != sum of grants {grants}"
