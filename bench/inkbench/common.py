"""Settings of a run, constants and small helpers shared by the modules."""

import argparse
import os
import re
import secrets
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
DEFAULT_DSN = "postgresql://postgres@127.0.0.1:5432/inkwell_bench"

# The data set the issue asks for; seeded once, reused while it holds this many posts.
SEED = {"users": 1000, "posts": 20000, "tags": 50, "tags-per-post": 3, "published": 0.8}
DEEP_OFFSET = 15000
# The write rows: transfers between (and drafts by) the first seeded demo accounts, and
# transfers among a few of them, where each account's row lock is fought over.
TRANSFER_ACCOUNTS = 100
CONTENDED_ACCOUNTS = 10
# A draft written by `posts-write` takes 3 of the first seeded tags (no tag is created).
WRITE_TAGS = 20
SEED_PASSWORD = "inkwell-demo"  # noqa: S105 - the documented demo password of `inkwell seed`

INKWELL, RAW, NAIVE = "inkwell", "raw", "naive"
# The same Inkwell server with its read cache off: every read takes the whole ORM path.
INKWELL_NOCACHE = "inkwell-nocache"
INKWELL_APPS = (INKWELL, INKWELL_NOCACHE)
# The Conduit reader of `articles-20-viewer`: follows the authors of the newest posts and
# has favorited the newest published posts, so that the page shows both per-viewer flags.
VIEWER_FOLLOWS = 50
VIEWER_FAVORITES = 100
REFERENCE_MODULES = {RAW: "raw_app", NAIVE: "naive_app"}


def log(message: str) -> None:
    print(message, flush=True)


def production_env(dsn: str, **settings: str) -> dict[str, str]:
    """The environment of an Inkwell server under test: production settings with a random
    JWT secret on the database `dsn` (postgresql://), plus `settings`. Inkwell settings
    inherited from the caller's shell are dropped, so every run measures the same thing."""
    from inkwell.core.config import Settings  # the installed project, for its setting names

    names = {name.upper() for name in Settings.model_fields}
    env = {
        k: v
        for k, v in os.environ.items()
        if k.upper() not in names and k != "PROMETHEUS_MULTIPROC_DIR"
    }
    env.update(
        ENVIRONMENT="production",
        # The report samples each endpoint's Server-Timing (off in production by default)
        # and reads /metrics (closed in production by default) on the loopback interface.
        SERVER_TIMING="true",
        METRICS_PUBLIC="true",
        JWT_SECRET=secrets.token_hex(32),
        LOG_LEVEL="WARNING",
        DATABASE_URL=dsn.replace("postgresql://", "postgresql+asyncpg://", 1),
        **settings,
    )
    return env


def request_kind(method: str, name: str) -> str:
    """How the load reports count a locust request name: setup, reads, writes, transfers."""
    if name in ("/users/ [register]", "/auth/token", "/api/users [register]"):
        return "setup"
    if name.startswith("/transfers/"):
        return "transfers"
    return "reads" if method == "GET" else "writes"


_SAMPLE = re.compile(r"^([A-Za-z_:][\w:]*)\{(.*)\}\s+(\S+)$")
_LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def metric_samples(text: str, name: str) -> Iterator[tuple[dict[str, str], float]]:
    """The labelled samples of one metric in a Prometheus text exposition."""
    for line in text.splitlines():
        match = _SAMPLE.match(line)
        if match and match[1] == name:
            yield dict(_LABEL.findall(match[2])), float(match[3])


def run_checked(argv: Sequence[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """Run a command of ours (fixed argv, no shell) and fail loudly on a non-zero exit."""
    return subprocess.run(argv, check=True, text=True, **kwargs)  # noqa: S603


@dataclass(frozen=True)
class Config:
    seconds: int
    rounds: int
    warmup: int
    connections: int
    threads: int
    timeout: str
    dsn: str
    refs: Path
    out: Path
    endpoints: tuple[str, ...]

    @property
    def database(self) -> str:
        return urllib.parse.urlsplit(self.dsn).path.lstrip("/")

    def wrk_flags(self, seconds: int) -> list[str]:
        return [
            f"--threads={self.threads}",
            f"--connections={self.connections}",
            f"--duration={seconds}s",
            f"--timeout={self.timeout}",
            "--latency",
        ]


def parse_args(argv: Sequence[str] | None = None) -> Config:
    env = os.environ.get
    parser = argparse.ArgumentParser(
        description="Benchmark Inkwell against the reference apps with wrk."
    )
    parser.add_argument(
        "--seconds",
        type=int,
        default=int(env("BENCH_SECONDS", "10")),
        help="length of one wrk run (env BENCH_SECONDS, default 10)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=int(env("BENCH_ROUNDS", "3")),
        help="rounds over every endpoint and app (env BENCH_ROUNDS, default 3)",
    )
    parser.add_argument(
        "--warmup",
        type=int,
        default=int(env("BENCH_WARMUP", "2")),
        help="seconds of unrecorded load per app and endpoint first "
        "(env BENCH_WARMUP, default 2, 0 to skip)",
    )
    parser.add_argument("--connections", type=int, default=int(env("BENCH_CONNECTIONS", "32")))
    parser.add_argument("--threads", type=int, default=int(env("BENCH_THREADS", "2")))
    parser.add_argument("--timeout", default=env("BENCH_TIMEOUT", "30s"))
    parser.add_argument(
        "--dsn",
        default=env("BENCH_DSN", DEFAULT_DSN),
        help="PostgreSQL database to use (created when missing)",
    )
    parser.add_argument(
        "--refs",
        type=Path,
        default=Path(env("BENCH_REFS", str(REPO.parent / "shared" / "bench"))),
        help="directory of raw_app.py and naive_app.py (absent: Inkwell alone)",
    )
    parser.add_argument(
        "--out", type=Path, default=Path(env("BENCH_OUT", str(REPO / "bench" / "results")))
    )
    parser.add_argument(
        "--endpoints",
        default=env("BENCH_ENDPOINTS", ""),
        help="comma-separated endpoint keys to run (default: all)",
    )
    args = parser.parse_args(argv)
    if args.seconds < 1 or args.rounds < 1 or args.warmup < 0:
        parser.error("--seconds and --rounds must be at least 1, --warmup at least 0")
    config = Config(
        seconds=args.seconds,
        rounds=args.rounds,
        warmup=args.warmup,
        connections=args.connections,
        threads=args.threads,
        timeout=args.timeout,
        dsn=args.dsn,
        refs=args.refs,
        out=args.out,
        endpoints=tuple(k.strip() for k in args.endpoints.split(",") if k.strip()),
    )
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", config.database):
        parser.error(f"unexpected database name in --dsn: {config.database!r}")
    return config
