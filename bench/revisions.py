"""What a change bought: in-process CPU per request of several git revisions, side by side.

    .venv/bin/python bench/revisions.py 03c16f0 70a4c83 HEAD [--rounds 3] [--requests 1000]
    .venv/bin/python bench/revisions.py 5290272 HEAD --endpoints no-db [--log-level INFO]

Each revision is checked out into a temporary git worktree; for each round, each
revision in turn (the order rotates from round to round) runs in a fresh Python
process that imports *that* revision's `inkwell` (with this virtualenv's packages),
builds its app with production settings on the `inkwell_bench` database and calls
it through ASGI, without HTTP, like the last layer of bench/layers.py. The table
shows the median over the rounds of the CPU milliseconds per request (user +
system time of that process; the database's own CPU is not counted). It measures
what the code costs, not the server: compare `make bench` runs for that.
"""

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from inkbench.common import DEFAULT_DSN, REPO, run_checked

ENDPOINTS = {
    # No database: what the request path itself costs (the middleware, every router
    # tried, a 404 problem document, metrics, the log line), a floor under every endpoint.
    "no-db": "/nowhere",
    "posts-20": "/posts/?limit=20",
    "posts-100": "/posts/?limit=100",
    "post-by-id": "/posts/{post_id}",
    "user-by-id": "/users/{user_id}",
    "articles-20": "/api/articles?limit=20",
}

# Runs in the child, against the revision on its sys.path. Old revisions must run it
# too, so it uses nothing but `create_app` and ASGI.
CHILD = r"""
import asyncio, json, os, sys, time
import asyncpg, uvloop
from inkwell.main import create_app

async def main(dsn, requests, endpoints):
    first = await asyncpg.connect(dsn)
    ids = {
        "post_id": await first.fetchval("SELECT min(id) FROM posts WHERE published"),
        "user_id": await first.fetchval("SELECT min(id) FROM users WHERE closed_at IS NULL"),
    }
    await first.close()
    app = create_app()
    result = {}
    async with app.router.lifespan_context(app):
        for key, path in endpoints.items():
            raw, _, query = path.format(**ids).partition("?")
            scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
                     "method": "GET", "scheme": "http", "path": raw, "raw_path": raw.encode(),
                     "query_string": query.encode(), "root_path": "",
                     "headers": [(b"host", b"bench")], "client": ("127.0.0.1", 1),
                     "server": ("127.0.0.1", 80)}

            async def receive():
                return {"type": "http.request", "body": b"", "more_body": False}

            async def send(message):
                expected = 404 if key == "no-db" else 200
                if message["type"] == "http.response.start" and message["status"] != expected:
                    raise SystemExit(f"{path}: status {message['status']}")

            for _ in range(max(requests // 10, 50)):
                await app(dict(scope), receive, send)
            start = time.process_time()
            for _ in range(requests):
                await app(dict(scope), receive, send)
            result[key] = (time.process_time() - start) * 1000 / requests
    print(json.dumps(result))

uvloop.run(main(sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3])))
"""


def child_env(src: Path, dsn: str, log_level: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "DB_"))}
    env.update(
        PYTHONPATH=str(src),
        ENVIRONMENT="production",
        JWT_SECRET="revisions-" + "0" * 54,
        LOG_LEVEL=log_level,
        DATABASE_URL=dsn.replace("postgresql://", "postgresql+asyncpg://", 1),
    )
    return env


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("revisions", nargs="+", help="git revisions, oldest first")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=1000, help="per endpoint and round")
    parser.add_argument("--dsn", default=os.environ.get("BENCH_DSN", DEFAULT_DSN))
    parser.add_argument("--endpoints", default=",".join(k for k in ENDPOINTS if k != "no-db"))
    parser.add_argument(
        "--log-level",
        default="WARNING",
        help="INFO writes each request's log line (to a pipe), as a default deployment does",
    )
    parser.add_argument("--out", type=Path, help="also write the results as JSON here")
    args = parser.parse_args()
    endpoints = {key: ENDPOINTS[key] for key in args.endpoints.split(",")}
    git = ["git", "-C", str(REPO)]
    samples: dict[str, dict[str, list[float]]] = {rev: {} for rev in args.revisions}
    names = {}
    with tempfile.TemporaryDirectory(prefix="inkwell-revisions-") as tmp:
        trees = {}
        for i, rev in enumerate(args.revisions):
            tree = Path(tmp) / f"r{i}"
            run_checked([*git, "worktree", "add", "--detach", "-q", str(tree), rev])
            trees[rev] = tree
            log = run_checked([*git, "log", "-1", "--format=%h %s", rev], capture_output=True)
            names[rev] = log.stdout.strip()
        try:
            for round_ in range(args.rounds):
                order = args.revisions[round_ % len(args.revisions) :]
                order += args.revisions[: round_ % len(args.revisions)]
                for rev in order:
                    out = run_checked(
                        [
                            sys.executable,
                            "-c",
                            CHILD,
                            args.dsn,
                            str(args.requests),
                            json.dumps(endpoints),
                        ],
                        env=child_env(trees[rev] / "src", args.dsn, args.log_level),
                        cwd=tmp,
                        capture_output=True,
                    ).stdout
                    for key, ms in json.loads(out.splitlines()[-1]).items():
                        samples[rev].setdefault(key, []).append(ms)
                    print(f"round {round_ + 1}/{args.rounds}: {names[rev]}", flush=True)
        finally:
            for tree in trees.values():
                with contextlib.suppress(subprocess.CalledProcessError):
                    run_checked([*git, "worktree", "remove", "--force", str(tree)])
    medians = {
        rev: {key: round(statistics.median(v), 3) for key, v in per.items()}
        for rev, per in samples.items()
    }
    print(f"\nCPU ms per request, median of {args.rounds} rounds x {args.requests} requests")
    print(f"{'revision':60s}" + "".join(f"{key:>12s}" for key in endpoints))
    for rev in args.revisions:
        print(f"{names[rev][:60]:60s}" + "".join(f"{medians[rev][k]:12.3f}" for k in endpoints))
    if args.out:
        report = {
            "revisions": names,
            "rounds": args.rounds,
            "requests": args.requests,
            "cpu_ms_per_request": medians,
            "samples": samples,
        }
        args.out.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
