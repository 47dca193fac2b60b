"""What tracing costs a request: CPU of cached `GET /posts/{id}` through ASGI, in-process.

    .venv/bin/python bench/tracing.py [--requests 2000] [--rounds 5] [--traced] [--calls]

One SQLite database of its own (migrated, one published post), one app, `--requests`
anonymous reads of the post (its document cached after the first) through httpx's
ASGITransport, timed with `time.process_time` (this process's CPU: every thread's, the
span exporter's included), `--rounds` times after a warm-up; the best round and the
median are printed in microseconds per request (on a shared machine, the best round is
the one least disturbed by others). Logs go to /dev/null at the default level (INFO: one line a
request, as in production).

`--calls` counts the Python function calls of a request instead (cProfile): the same
whatever else runs on the machine, where CPU time on a shared one varies by a fifth.

Without `--traced` the OTEL variables are removed: the app as deployed with tracing off.
With it, every request is sampled and exported over OTLP/HTTP to a receiver in another
process that discards what it gets, so that only the service's side is counted.
"""

import argparse
import asyncio
import cProfile
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_SINK = """
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200); self.send_header("Content-Length", "0"); self.end_headers()
    def log_message(self, *a): pass
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
"""


async def _bench(database_url: str, requests: int, rounds: int, calls: bool) -> list[float]:
    from httpx import ASGITransport, AsyncClient

    from inkwell.core.config import Settings
    from inkwell.core.ops.migrations import upgrade
    from inkwell.main import create_app

    await upgrade(database_url)
    settings = Settings(
        _env_file=None,
        database_url=database_url,
        environment="test",
        argon2_time_cost=1,
        argon2_memory_kib=1024,
        gc_freeze=False,
    )
    app = create_app(settings)
    per_request: list[float] = []
    async with (
        app.router.lifespan_context(app),
        AsyncClient(transport=ASGITransport(app=app), base_url="http://bench") as client,
    ):
        user = {"username": "bench", "email": "bench@example.com", "password": "bench-password"}
        assert (await client.post("/users/", json=user)).status_code == 201
        token = await client.post(
            "/auth/token", data={"username": "bench", "password": "bench-password"}
        )
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        post = {"title": "Bench", "body": "A post read over and over.", "published": True}
        created = await client.post("/users/1/posts/", json=post, headers=headers)
        assert created.status_code == 201, created.text
        path = f"/posts/{created.json()['id']}"
        for _ in range(200):  # warm-up: the cache, the pool, the code paths
            assert (await client.get(path)).status_code == 200
        for _ in range(rounds):
            profile = cProfile.Profile() if calls else None
            started = time.process_time()
            if profile is not None:
                profile.enable()
            for _ in range(requests):
                await client.get(path)
            if profile is not None:
                profile.disable()
                calls_made = pstats.Stats(profile).total_calls  # type: ignore[attr-defined]
                per_request.append(calls_made / requests)
            else:
                per_request.append((time.process_time() - started) / requests * 1e6)
    return per_request


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--traced", action="store_true")
    parser.add_argument(
        "--calls", action="store_true", help="count Python calls per request (cProfile), not CPU"
    )
    args = parser.parse_args()
    for name in [n for n in os.environ if n.startswith("OTEL_")]:
        del os.environ[name]
    sink = None
    if args.traced:
        sink = subprocess.Popen(  # noqa: S603 - this interpreter, our script
            [sys.executable, "-c", _SINK], stdout=subprocess.PIPE, text=True
        )
        assert sink.stdout is not None
        os.environ["OTEL_EXPORTER_OTLP_ENDPOINT"] = (
            f"http://127.0.0.1:{sink.stdout.readline().strip()}"
        )
        os.environ["OTEL_TRACES_SAMPLER"] = "always_on"
    try:
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
            sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - the logs, for the whole run
            rounds = asyncio.run(_bench(url, args.requests, args.rounds, args.calls))
    finally:
        if sink is not None:
            sink.terminate()
            sink.wait()
    mode = "traced (100% sampled, exported)" if args.traced else "tracing off"
    if args.calls:
        print(f"{mode}: {statistics.median(rounds):.1f} Python calls/request (cProfile)")
        return
    shown = ", ".join(f"{r:.0f}" for r in rounds)
    print(
        f"{mode}: {min(rounds):.0f} us CPU/request at best, {statistics.median(rounds):.0f} "
        f"median (rounds: {shown})"
    )


if __name__ == "__main__":
    main()
