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
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SECONDS = 10
USERS = 10
START_TIMEOUT_S = 30.0
LOCUST_TIMEOUT_S = SECONDS + 60.0
# At least this many requests of each kind in 10 s (about 80 % / 15 % / 5 % of them).
MINIMUM = {"reads": 100, "writes": 15, "transfers": 4}
CENT = Decimal("0.01")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _run(command: list[str], env: dict[str, str], timeout: float) -> str:
    done = subprocess.run(  # noqa: S603 - our own venv's programs, fixed arguments
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, f"{command} exited {done.returncode}:\n{done.stdout}{done.stderr}"
    return done.stdout + done.stderr


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the server's process group, SIGKILL if it lingers."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@pytest.fixture
def database(tmp_path: Path) -> Path:
    return tmp_path / "load.db"


@pytest.fixture
def server(tmp_path: Path, database: Path) -> Iterator[str]:
    """Migrate and seed a fresh SQLite file, then serve it on a free loopback port."""
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    env.update(
        ENVIRONMENT="test",
        DATABASE_URL=f"sqlite+aiosqlite:///{database}",
        ARGON2_TIME_COST="1",
        ARGON2_MEMORY_KIB="1024",
        ARGON2_PARALLELISM="1",
        LOG_LEVEL="WARNING",
    )
    inkwell = str(BIN / "inkwell")
    _run([inkwell, "migrate"], env, timeout=60)
    _run([inkwell, "seed", "--users", "20", "--posts", "300", "--tags", "10"], env, timeout=60)

    port = _free_port()
    log = tmp_path / "server.log"
    command = [inkwell, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"]
    with log.open("wb") as out:
        # Our own venv's CLI, fixed arguments; its own process group, to stop it whole.
        process = subprocess.Popen(  # noqa: S603
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if process.poll() is not None:
                pytest.fail(f"inkwell exited with {process.returncode}:\n{log.read_text()}")
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{url}/health/ready", timeout=1.0).status_code == 200:
                    break
            if time.monotonic() > deadline:
                pytest.fail(f"inkwell not ready at {url} after {START_TIMEOUT_S:.0f} s")
            time.sleep(0.1)
        yield url
    finally:
        _stop(process)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def _kind(method: str, name: str) -> str:
    if name in ("/users/ [register]", "/auth/token"):
        return "setup"
    if name.startswith("/transfers/"):
        return "transfers"
    return "reads" if method == "GET" else "writes"


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
    done = subprocess.run(  # noqa: S603 - our own venv's locust, fixed arguments
        command,
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=LOCUST_TIMEOUT_S,
        check=False,
    )
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
            counts[_kind(row["Type"], row["Name"])] += int(row["Request Count"])
    assert counts["setup"] == 2 * USERS, counts  # each user registered and logged in once
    for kind, least in MINIMUM.items():
        assert counts[kind] >= least, f"only {counts[kind]} {kind} in {SECONDS} s: {counts}"

    balances, grants, moved = _money(database)
    assert moved > 0, "no transfer went through"
    assert balances == grants, f"sum of balances {balances} != sum of grants {grants}"
