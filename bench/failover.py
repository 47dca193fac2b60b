"""Failover: how long writes are refused after the primary dies, and what clients see.

    .venv/bin/python bench/failover.py [--rounds 3] [--down 2.0] [--out bench/results/failover.json]

Makes a primary and a synchronous streaming standby of its own (tests/cluster.py),
serves Inkwell (one worker, production settings) with DATABASE_URL naming both hosts
(`target_session_attrs=read-write`) and the standby as a read replica, and keeps 8
clients sending transfers (each with its own Idempotency-Key, resent until answered, as
the Python client does) and anonymous reads. It kills the primary (`pg_ctl stop -m
immediate`), waits `--down` seconds (an operator or a failover manager deciding), then
promotes the standby. It reports, per round: seconds from the promotion to the first
accepted write, the writes answered 503 (and anything else that was not 201/200/503)
meanwhile, the reads that failed while the primary was down, and whether every transfer
answered 201 is in the promoted standby's ledger and the credits add up.
"""

import argparse
import asyncio
import contextlib
import json
import random
import sys
import time
import uuid
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from inkbench.common import BIN, REPO, log, production_env
from inkbench.database import fetch_money
from inkbench.servers import free_port
from replicas import serve
from tests.cluster import PgCluster

CLIENTS = 8
ACCOUNTS = 10


async def _register(client: httpx.AsyncClient, n: int) -> tuple[int, str]:
    name = f"fo{n}{uuid.uuid4().hex[:8]}"
    made = await client.post(
        "/users/", json={"username": name, "email": f"{name}@example.com", "password": "x" * 12}
    )
    made.raise_for_status()
    token = await client.post("/auth/token", data={"username": name, "password": "x" * 12})
    token.raise_for_status()
    return made.json()["id"], token.json()["access_token"]


async def one_round(down: float) -> dict[str, Any]:
    cluster = await asyncio.to_thread(PgCluster.create, apply_delay=0, synchronous=True)
    port = free_port()
    env = production_env(cluster.failover_url, WORKERS="1")
    env.update(
        DATABASE_REPLICA_URLS=cluster.standby_url,
        DB_CONNECT_TIMEOUT="1",
        REGISTER_MAX_PER_ADDRESS="1000",
    )
    server = await asyncio.to_thread(serve, env, port)
    statuses: Counter[str] = Counter()
    acknowledged: set[str] = set()
    read_failures = 0
    first_write_after: float | None = None
    promoted_at: float | None = None
    stop, written_again = asyncio.Event(), asyncio.Event()
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            accounts = [await _register(client, n) for n in range(ACCOUNTS)]
            rng = random.Random(7)  # noqa: S311 - traffic shape, not a secret

            async def transfers() -> None:
                nonlocal first_write_after
                while not stop.is_set():
                    (_, token), (to, _) = rng.sample(accounts, 2)
                    key = str(uuid.uuid4())
                    while True:  # resent with the same key until answered
                        sent = await client.post(
                            "/transfers/",
                            json={"to_user_id": to, "amount": "0.01"},
                            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key},
                        )
                        statuses[f"{sent.status_code} {'after' if promoted_at else 'before'}"] += 1
                        if sent.status_code == 201:
                            acknowledged.add(str(sent.json()["id"]))
                            if promoted_at and first_write_after is None:
                                first_write_after = time.monotonic() - promoted_at
                                written_again.set()
                            break
                        if sent.status_code != 503 or stop.is_set():
                            break
                        await asyncio.sleep(0.05)

            async def reads() -> None:
                nonlocal read_failures
                while not stop.is_set():
                    page = await client.get("/posts/?limit=20")
                    read_failures += page.status_code != 200
                    await asyncio.sleep(0.02)

            tasks = [asyncio.create_task(transfers()) for _ in range(CLIENTS)]
            tasks.append(asyncio.create_task(reads()))
            await asyncio.sleep(2)
            killed_at = time.monotonic()
            await cluster.stop_primary(mode="immediate")
            await asyncio.sleep(down)
            await cluster.promote()
            promoted_at = time.monotonic()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(written_again.wait(), 30)
            await asyncio.sleep(1)
            stop.set()
            await asyncio.gather(*tasks)
            ledger = await _ledger(cluster)
    finally:
        server.terminate()
        await asyncio.to_thread(server.wait)
        await asyncio.to_thread(cluster.close)
    lost = acknowledged - ledger["ids"]
    return {
        "down_seconds": round(promoted_at - killed_at, 2),
        "promotion_to_first_write_s": round(first_write_after, 3) if first_write_after else None,
        "answers": dict(sorted(statuses.items())),
        "anonymous_read_failures": read_failures,
        "acknowledged_transfers": len(acknowledged),
        "acknowledged_missing_after_failover": len(lost),
        "credits_add_up": ledger["balances"] == ledger["grants"],
    }


async def _ledger(cluster: PgCluster) -> dict[str, Any]:
    dsn = cluster.standby.dsn(cluster.database)
    conn = await asyncpg.connect(dsn)
    try:
        ids = {
            str(r[0]) for r in await conn.fetch("SELECT id FROM transfers WHERE kind = 'transfer'")
        }
    finally:
        await conn.close()
    money = await fetch_money(dsn)
    return {"ids": ids, "balances": Decimal(money["credits"]), "grants": Decimal(money["grants"])}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--down", type=float, default=2.0, help="seconds before the promotion")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "failover.json")
    args = parser.parse_args()
    rounds = []
    for n in range(args.rounds):
        result = asyncio.run(one_round(args.down))
        log(f"round {n + 1}: {json.dumps(result)}")
        rounds.append(result)
    args.out.write_text(json.dumps({"inkwell": str(BIN), "rounds": rounds}, indent=2) + "\n")
    log(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
