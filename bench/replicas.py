"""Reads with a streaming replica vs without: where they went, req/s, and the primary's CPU.

    .venv/bin/python bench/replicas.py [--seconds 10] [--rounds 2]

Makes a primary and a streaming standby of its own (tests/cluster.py: `initdb` and
`pg_basebackup` as the `postgres` user, on free loopback ports, removed at the end),
seeds the primary, and serves Inkwell (one worker, production settings) on it twice in
each round: with no replica, and with the standby in DATABASE_REPLICA_URLS. wrk asks each
for the anonymous page of 20 (`GET /posts/?limit=20`, 32 connections). For each run it
reports req/s, where the reads went (`inkwell_db_reads_total` from /metrics), and the
CPU seconds the primary's PostgreSQL spent per request (its postmaster's own and reaped
children's time, read from /proc before and after, with Inkwell stopped so that every
backend has exited). The standby's CPU is the same measure on its postmaster.
"""

import argparse
import asyncio
import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from inkbench.common import BIN, REPO, log, production_env
from inkbench.load import ensure_wrk
from inkbench.servers import free_port
from tests.cluster import Node, PgCluster

PATH = "/posts/?limit=20"
_REQUESTS = re.compile(r"Requests/sec:\s+([\d.]+)")
_READS = re.compile(r'inkwell_db_reads_total\{target="(\w+)"\} ([\d.e+]+)')


def postgres_cpu(node: Node) -> float:
    """User + system seconds of a PostgreSQL server: its postmaster and reaped children."""
    pid = int((node.data / "postmaster.pid").read_text().split()[0])
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    ticks = sum(int(fields[i]) for i in (11, 12, 13, 14))  # utime stime cutime cstime
    return ticks / os.sysconf("SC_CLK_TCK")


def serve(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    command = [str(BIN / "inkwell"), "serve", "--host", "127.0.0.1", "--port", str(port)]
    server = subprocess.Popen(command, env=env, cwd=REPO)  # noqa: S603
    for _ in range(200):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/ready") as answer:
                if answer.status == 200:
                    return server
        except OSError:
            time.sleep(0.05)
    server.terminate()
    raise RuntimeError("inkwell did not become ready")


def reads_by_target(port: int) -> dict[str, float]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics") as answer:
        return {t: float(n) for t, n in _READS.findall(answer.read().decode())}


def one_run(cluster: PgCluster, wrk: str, seconds: int, *, replica: bool) -> dict[str, float | str]:
    dsn = cluster.primary_url.replace("postgresql+asyncpg://", "postgresql://", 1)
    settings = {"DATABASE_REPLICA_URLS": cluster.standby_url} if replica else {}
    env = production_env(dsn, **settings)
    port = free_port()
    primary_before, standby_before = postgres_cpu(cluster.primary), postgres_cpu(cluster.standby)
    server = serve(env, port)
    try:
        url = f"http://127.0.0.1:{port}{PATH}"
        subprocess.run([wrk, "-t2", "-c32", "-d2s", url], check=True, capture_output=True)  # noqa: S603
        before = reads_by_target(port)
        done = subprocess.run(  # noqa: S603
            [wrk, "-t2", "-c32", f"-d{seconds}s", url], check=True, capture_output=True, text=True
        )
        after = reads_by_target(port)
    finally:
        server.terminate()
        server.wait(timeout=30)
    time.sleep(0.5)  # the backends' exit, reaped by their postmaster
    rate = float(_REQUESTS.search(done.stdout).group(1))  # type: ignore[union-attr]
    requests = rate * seconds
    served = {t: after.get(t, 0) - before.get(t, 0) for t in ("primary", "replica")}
    return {
        "setup": "one replica" if replica else "no replica",
        "req/s": rate,
        "reads on the primary": served["primary"],
        "reads on the replica": served["replica"],
        "primary CPU ms/req": (postgres_cpu(cluster.primary) - primary_before) * 1000 / requests,
        "standby CPU ms/req": (postgres_cpu(cluster.standby) - standby_before) * 1000 / requests,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    wrk = ensure_wrk()
    cluster = PgCluster.create(apply_delay=0.0)
    try:
        dsn = cluster.primary_url.replace("postgresql+asyncpg://", "postgresql://", 1)
        seed = [str(BIN / "inkwell"), "seed", "--users", "200", "--posts", "4000", "--tags", "30"]
        subprocess.run(seed, env=production_env(dsn), cwd=REPO, check=True)  # noqa: S603
        asyncio.run(cluster.wait_until_replayed())
        rows = []
        for round_ in range(args.rounds):
            for replica in (False, True) if round_ % 2 == 0 else (True, False):
                rows.append(one_run(cluster, wrk, args.seconds, replica=replica))
                log(str(rows[-1]))
    finally:
        cluster.close()
    log(f"\n{os.cpu_count()} CPUs; {args.rounds} rounds x {args.seconds} s; GET {PATH}, -c32")
    header = list(rows[0])
    log("| " + " | ".join(header) + " |")
    log("|" + "---|" * len(header))
    for row in rows:
        cells = [f"{v:.2f}" if isinstance(v, float) else str(v) for v in row.values()]
        log("| " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
