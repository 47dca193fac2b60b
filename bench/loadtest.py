"""`make load`: locust against a freshly seeded, PostgreSQL-backed Inkwell, then the verdict.

1. The `inkwell_load` database (LOAD_DATABASE_URL): created when missing, migrated,
   seeded when it has no users. Nothing is ever dropped.
2. `inkwell serve --workers 2` (production settings, a random JWT secret) on a free
   loopback port, until /health/ready answers 200.
3. `locust --headless` with the repository's locustfile.py for LOAD_SECONDS with
   LOAD_USERS users; its HTML report and CSV files go to bench/results/ (load.html,
   load_stats.csv, load_failures.csv, load_exceptions.csv, load_stats_history.csv), the
   server's log to bench/results/load-server.log.
4. The server is stopped, whatever happened.
5. The money invariant, in the database: sum(users.credits) = sum of the grants.
6. Steps 2 to 5 again with the read cache off (READ_CACHE_ENTRIES=0; reports named
   load-nocache*), and the two runs' throughput and latency side by side (LOAD_CACHE=on
   or off runs one of them only). The cache's verification mode stays off in both.

Exit status 0 only when no request failed, the locustfile raised nothing, the aggregated
p99 is within LOAD_P99_MS and the invariant holds. Run `bench/loadtest.py --help` for the
knobs; each has an environment variable (LOAD_SECONDS, LOAD_USERS, LOAD_P99_MS, ...).

Password hashing: every simulated user registers and logs in once, at the start. At the
production argon2 cost (19 MiB, 2 passes, and at most PASSWORD_HASH_CONCURRENCY hashes at
once per worker) those 100 hashes for 50 users queue behind each other at the start of the
run and, being 2 % of all requests, would set the p99 by themselves. The run measures the
API under steady traffic, so by default the server hashes cheaply (LOAD_ARGON2=fast);
LOAD_ARGON2=production keeps the real cost.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from types import FrameType
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from inkbench.common import BIN, REPO, production_env, request_kind
from inkbench.database import ensure_database, fetch_money
from inkbench.servers import free_port

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/inkwell_load"
SEED = {"users": 100, "posts": 2000, "tags": 30}
FAST_ARGON2 = {"ARGON2_TIME_COST": "1", "ARGON2_MEMORY_KIB": "1024", "ARGON2_PARALLELISM": "1"}
READY_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 35.0  # the server drains for up to 30 s (timeout_graceful_shutdown)


def log(message: str) -> None:
    print(f"load: {message}", flush=True)


# --- settings ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Config:
    seconds: int
    users: int
    spawn_rate: float
    p99_ms: float
    workers: int
    database_url: str
    results: Path
    think_time: str
    argon2: str
    cache: str

    @property
    def dsn(self) -> str:
        """For asyncpg: a plain postgresql:// URL."""
        scheme, rest = self.database_url.split("://", 1)
        return f"{scheme.split('+')[0]}://{rest}"

    @property
    def database(self) -> str:
        return urllib.parse.urlsplit(self.dsn).path.lstrip("/")


def parse_args(argv: Sequence[str] | None = None) -> Config:
    env = os.environ.get
    parser = argparse.ArgumentParser(
        description="Load-test Inkwell with locust on a seeded PostgreSQL database."
    )
    parser.add_argument(
        "--seconds",
        type=int,
        default=int(env("LOAD_SECONDS", "60")),
        help="how long locust runs (env LOAD_SECONDS, default 60)",
    )
    parser.add_argument(
        "--users",
        type=int,
        default=int(env("LOAD_USERS", "50")),
        help="simulated users (env LOAD_USERS, default 50)",
    )
    parser.add_argument(
        "--spawn-rate",
        type=float,
        default=float(env("LOAD_SPAWN_RATE", "10")),
        help="users started per second (env LOAD_SPAWN_RATE, default 10)",
    )
    parser.add_argument(
        "--p99-ms",
        type=float,
        default=float(env("LOAD_P99_MS", "250")),
        help="fail when the aggregated p99 exceeds this (env LOAD_P99_MS, default 250)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=int(env("LOAD_WORKERS", "2")),
        help="server worker processes (env LOAD_WORKERS, default 2)",
    )
    parser.add_argument(
        "--database-url",
        default=env("LOAD_DATABASE_URL", DEFAULT_DATABASE_URL),
        help=f"PostgreSQL database to use (env LOAD_DATABASE_URL, default {DEFAULT_DATABASE_URL})",
    )
    parser.add_argument(
        "--results",
        type=Path,
        default=Path(env("LOAD_RESULTS", str(REPO / "bench" / "results"))),
        help="folder of the reports (env LOAD_RESULTS, default bench/results)",
    )
    parser.add_argument(
        "--think-time",
        default=env("LOAD_THINK_TIME", "0.5-1.5"),
        help="seconds a user waits between tasks, MIN-MAX (env LOAD_THINK_TIME, default 0.5-1.5)",
    )
    parser.add_argument(
        "--argon2",
        choices=("fast", "production"),
        default=env("LOAD_ARGON2", "fast"),
        help="password hashing cost of the server (env LOAD_ARGON2, default fast)",
    )
    parser.add_argument(
        "--cache",
        choices=("on", "off", "both"),
        default=env("LOAD_CACHE", "both"),
        help="the read cache: on, off (READ_CACHE_ENTRIES=0), or both, one run after the "
        "other on the same database, compared (env LOAD_CACHE, default both)",
    )
    args = parser.parse_args(argv)
    if args.seconds < 1 or args.users < 1 or args.spawn_rate <= 0 or args.workers < 1:
        parser.error("--seconds, --users, --spawn-rate and --workers must be positive")
    if not args.database_url.startswith(("postgresql://", "postgresql+")):
        parser.error("--database-url must be a postgresql:// URL")
    return Config(
        seconds=args.seconds,
        users=args.users,
        spawn_rate=args.spawn_rate,
        p99_ms=args.p99_ms,
        workers=args.workers,
        database_url=args.database_url,
        results=args.results.resolve(),
        think_time=args.think_time,
        argon2=args.argon2,
        cache=args.cache,
    )


def server_env(config: Config) -> dict[str, str]:
    # Every simulated user registers from this one address: lift the registration throttle.
    hashing = FAST_ARGON2 if config.argon2 == "fast" else {}
    return production_env(config.dsn, REGISTER_MAX_PER_ADDRESS="1000000", **hashing)


# --- the database -----------------------------------------------------------------------


@dataclass(frozen=True)
class Ledger:
    users: int
    posts: int
    transfers: int  # between users (not grants)
    balances: Decimal
    grants: Decimal
    negative: int  # accounts below zero

    @property
    def holds(self) -> bool:
        return self.balances == self.grants and self.negative == 0


async def read_ledger(dsn: str) -> Ledger:
    row = await fetch_money(dsn)
    return Ledger(
        users=row["users"],
        posts=row["posts"],
        transfers=row["transfer_rows"],
        balances=Decimal(row["credits"]),
        grants=Decimal(row["grants"]),
        negative=row["negative"],
    )


def run_checked(argv: Sequence[str], env: dict[str, str]) -> None:
    subprocess.run(argv, cwd=REPO, env=env, check=True)  # noqa: S603 - our own fixed argv


def prepare_database(config: Config, env: dict[str, str]) -> Ledger:
    if asyncio.run(ensure_database(config.dsn)):
        log(f"created database {config.database}")
    inkwell = str(BIN / "inkwell")
    run_checked([inkwell, "migrate"], env)
    ledger = asyncio.run(read_ledger(config.dsn))
    if ledger.users == 0:
        log(f"seeding {config.database}: {SEED}")
        run_checked([inkwell, "seed", *(f"--{k}={v}" for k, v in SEED.items())], env)
        ledger = asyncio.run(read_ledger(config.dsn))
    else:
        log(f"reusing {config.database}: {ledger.users} users, {ledger.posts} posts")
    return ledger


# --- the server -------------------------------------------------------------------------


def _http_status(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback http
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code
    except (urllib.error.URLError, OSError):
        return None


def _tail(path: Path, lines: int = 30) -> str:
    with contextlib.suppress(OSError):
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    return ""


@contextlib.contextmanager
def running_server(config: Config, env: dict[str, str], log_path: Path) -> Iterator[str]:
    """`inkwell serve` in its own process group, ready when entered, stopped when left."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [str(BIN / "inkwell"), "serve", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--workers", str(config.workers)]
    with log_path.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 - our own fixed argv
            command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        log(f"server: pid {process.pid}, {url}, {config.workers} workers, log {log_path}")
        deadline = time.monotonic() + READY_TIMEOUT_S
        while (status := _http_status(f"{url}/health/ready")) != 200:
            if process.poll() is not None:
                raise SystemExit(
                    f"load: the server exited with {process.returncode}:\n{_tail(log_path)}"
                )
            if time.monotonic() > deadline:
                raise SystemExit(
                    f"load: the server was not ready after {READY_TIMEOUT_S:.0f} s "
                    f"(last status {status}):\n{_tail(log_path)}"
                )
            time.sleep(0.2)
        yield url
    finally:
        stop_server(process)


def stop_server(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the whole group (supervisor and workers), SIGKILL if it lingers."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        log("the server did not stop in time: killing it")
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    log(f"server stopped (exit status {process.returncode})")


# --- locust and its results -------------------------------------------------------------


def run_locust(config: Config, url: str, prefix: Path) -> int:
    command = [
        str(BIN / "locust"),
        "-f",
        str(REPO / "locustfile.py"),
        "--headless",
        "--users",
        str(config.users),
        "--spawn-rate",
        str(config.spawn_rate),
        "--run-time",
        f"{config.seconds}s",
        "--stop-timeout",
        "10",
        "--think-time",
        config.think_time,
        "--host",
        url,
        "--csv",
        str(prefix),
        "--html",
        str(prefix.with_suffix(".html")),
        # The final statistics, for the verdict (the CSV files may lag by a second).
        # With it locust prints no table of its own: `verdict` prints one.
        "--json-file",
        str(prefix),
        "--only-summary",
    ]
    log(f"locust: {config.users} users, {config.seconds} s, against {url}")
    # Locust reads LOCUST_* variables as options: only ours count.
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOCUST_")}
    return subprocess.run(command, cwd=REPO, env=env, check=False).returncode  # noqa: S603


def read_csv(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


@dataclass
class Entry:
    """Locust's statistics of one request name (or of all: "Aggregated")."""

    method: str
    name: str
    requests: int = 0
    failures: int = 0
    histogram: Counter[int] = field(default_factory=Counter)  # rounded ms -> count
    first: float = float("inf")
    last: float = 0.0

    def add(self, raw: dict[str, Any]) -> None:
        self.requests += int(raw["num_requests"])
        self.failures += int(raw["num_failures"])
        self.histogram.update({int(ms): int(n) for ms, n in raw["response_times"].items()})
        self.first = min(self.first, float(raw["start_time"]))
        self.last = max(self.last, float(raw["last_request_timestamp"] or 0.0))

    def percentile(self, share: float) -> int:
        """As locust computes it, on its histogram of rounded response times."""
        total = sum(self.histogram.values())
        allowed_above = total - int(total * share)
        seen = 0
        for ms in sorted(self.histogram, reverse=True):
            seen += self.histogram[ms]
            if seen >= allowed_above:
                return ms
        return 0

    @property
    def rate(self) -> float:
        span = self.last - self.first
        return self.requests / span if span > 0 else 0.0


def read_stats(path: Path) -> tuple[Entry, list[Entry]]:
    """Aggregated and per-name statistics from locust's --json-file."""
    total = Entry("", "Aggregated")
    entries: list[Entry] = []
    if not path.exists():
        return total, entries
    for raw in json.loads(path.read_text()):
        entry = Entry(raw["method"], raw["name"])
        entry.add(raw)
        total.add(raw)
        entries.append(entry)
    return total, sorted(entries, key=lambda e: (e.name, e.method))


# --- the run ----------------------------------------------------------------------------


def _stop_on_sigterm(signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)  # unwinds through the `finally` that stops the server


def main(argv: Sequence[str] | None = None) -> int:
    config = parse_args(argv)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    config.results.mkdir(parents=True, exist_ok=True)
    for stale in [*config.results.glob("load*_*.csv"), *config.results.glob("load*.json")]:
        stale.unlink(missing_ok=True)
    passes = {"on": ["on"], "off": ["off"], "both": ["on", "off"]}[config.cache]
    outcomes: dict[str, tuple[int, Entry]] = {}
    for cache in passes:
        env = server_env(config)
        name = "load"
        if cache == "off":
            env["READ_CACHE_ENTRIES"] = "0"
            name = "load-nocache"
        log(f"read cache {cache}: {name}.*")
        try:
            before = prepare_database(config, env)
        except (OSError, asyncpg.PostgresError, subprocess.CalledProcessError) as exc:
            log(f"cannot prepare {config.database} at {config.dsn}: {exc!r}")
            return 2
        started = time.monotonic()
        prefix = config.results / name
        with running_server(config, env, config.results / f"{name}-server.log") as url:
            locust_status = run_locust(config, url, prefix)
        after = asyncio.run(read_ledger(config.dsn))
        elapsed = time.monotonic() - started
        outcomes[cache] = verdict(config, prefix, locust_status, before, after, elapsed)
    if len(outcomes) == 2:
        (_, on), (_, off) = outcomes["on"], outcomes["off"]
        print("\n== read cache on vs off (same workload, one run after the other)")
        for label, entry in (("on", on), ("off", off)):
            print(
                f"cache {label:4} {entry.rate:8.1f} req/s   p50 {entry.percentile(0.5):>5} ms"
                f"   p99 {entry.percentile(0.99):>5} ms   failures {entry.failures}"
            )
    return max(status for status, _ in outcomes.values())


def verdict(
    config: Config,
    prefix: Path,
    locust_status: int,
    before: Ledger,
    after: Ledger,
    elapsed: float,
) -> tuple[int, Entry]:
    """Prints the run's table and verdict; its exit status, and its totals."""
    total, entries = read_stats(Path(f"{prefix}.json"))
    failures = read_csv(Path(f"{prefix}_failures.csv"))
    exceptions = read_csv(Path(f"{prefix}_exceptions.csv"))
    p50, p95, p99 = (total.percentile(q) for q in (0.50, 0.95, 0.99))
    kinds = dict.fromkeys(("reads", "writes", "transfers", "setup"), 0)
    for entry in entries:
        kinds[request_kind(entry.method, entry.name)] += entry.requests

    problems: list[str] = []
    if total.requests == 0:
        problems.append(f"no request was made (locust exit status {locust_status})")
    if total.failures:
        problems.append(f"{total.failures} requests failed")
    if exceptions:
        problems.append(f"the locustfile raised {len(exceptions)} kinds of errors")
    if total.requests and p99 > config.p99_ms:
        problems.append(f"p99 {p99} ms exceeds {config.p99_ms:.0f} ms")
    if not after.holds:
        problems.append(
            f"money invariant broken: sum(credits) {after.balances} vs sum(grants) "
            f"{after.grants}, {after.negative} negative balances"
        )
    if locust_status != 0 and not (total.failures or exceptions):
        problems.append(f"locust exited with status {locust_status}")

    print(f"\n{'':8}{'name':34}{'reqs':>7}{'fails':>7}{'p50':>7}{'p95':>7}{'p99':>7}{'max':>7}")
    for entry in [*entries, total]:
        top = max(entry.histogram, default=0)
        print(
            f"{entry.method:8}{entry.name:34}{entry.requests:>7}{entry.failures:>7}"
            + "".join(f"{entry.percentile(q):>7}" for q in (0.5, 0.95, 0.99))
            + f"{top:>7}"
        )
    share = f"{100 * total.failures / total.requests:.2f} %" if total.requests else "-"
    balanced = "==" if after.balances == after.grants else "!="
    print(
        "\n".join(
            [
                "",
                f"== load test: {config.users} users, {config.seconds} s, "
                f"{config.workers} workers, PostgreSQL {config.database}, argon2 {config.argon2}",
                f"requests   {total.requests} ({kinds['reads']} reads, {kinds['writes']} writes, "
                f"{kinds['transfers']} transfers, {kinds['setup']} sign-up/log-in)",
                f"failures   {total.failures} ({share})",
                f"req/s      {total.rate:.1f}",
                f"latency    p50 {p50} ms, p95 {p95} ms, p99 {p99} ms "
                f"(limit {config.p99_ms:.0f} ms)",
                f"database   {after.transfers - before.transfers} transfers committed, "
                f"{after.users - before.users} new users, {after.posts - before.posts} new posts",
                f"invariant  sum(credits) {after.balances} {balanced} sum(grants) {after.grants}, "
                f"{after.negative} negative balances: {'OK' if after.holds else 'BROKEN'}",
                f"reports    {prefix}.html, {prefix}_stats.csv ({elapsed:.0f} s in all)",
            ]
        )
    )
    for row in failures[:10]:
        print(f"  failed {row['Occurrences']}x {row['Method']} {row['Name']}: {row['Error']}")
    for row in exceptions[:5]:
        print(f"  error {row['Count']}x in the locustfile: {row['Message']}")
    if problems:
        print("FAIL: " + "; ".join(problems), flush=True)
        return 1, total
    print("PASS", flush=True)
    return 0, total


if __name__ == "__main__":
    sys.exit(main())
