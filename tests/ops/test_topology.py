"""The load-balanced topology of README "Scaling out", with deploy/'s files as they are:
HAProxy (deploy/haproxy/haproxy.cfg) in front of two `inkwell serve` instances, over
PgBouncer in transaction mode (deploy/pgbouncer/pgbouncer.ini, included by a site file of
the test's) to the primary of the suite's cluster, its streaming standby serving reads.

During a locust run through HAProxy, each instance in turn is stopped with SIGTERM and
started again: not one request may fail, and the credits still add up afterwards.
"""

import contextlib
import csv
import os
import secrets
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from tests.cluster import PgCluster
from tests.servers import (
    BIN,
    ROOT,
    Server,
    app_env,
    asyncpg_dsn,
    free_port,
    run_as_postgres,
    run_inkwell,
    running_server,
    stop,
    wait_until_listening,
)
from tests.support import empty_postgres_tables, run_in_thread

HAPROXY = Path("/usr/sbin/haproxy")
PGBOUNCER = Path("/usr/sbin/pgbouncer")
DEPLOY = ROOT / "deploy"
USERS = 8
SECONDS = 18
READY_TIMEOUT_S = 30.0

pytestmark = pytest.mark.xdist_group("cluster")


@pytest.fixture
def bouncer(pg_cluster: PgCluster, tmp_path: Path) -> Iterator[str]:
    """PgBouncer with the repository's configuration, its site part (where the primary
    is, a port, a users file) in the pgbouncer-site.ini it includes from where it starts:
    the DATABASE_URL through it, with a password it checks by SCRAM."""
    assert PGBOUNCER.exists(), f"{PGBOUNCER} is missing: apt-get install pgbouncer"
    password = secrets.token_hex(16)
    users = tmp_path / "userlist.txt"
    users.write_text(f'"postgres" "{password}"\n')
    port = free_port()
    (tmp_path / "pgbouncer-site.ini").write_text(
        f"listen_port = {port}\nauth_file = {users}\n"
        "[databases]\n"
        f"{pg_cluster.database} = host=127.0.0.1 port={pg_cluster.primary.port}"
        f" dbname={pg_cluster.database}\n"
    )
    log = tmp_path / "pgbouncer.log"
    with log.open("wb") as out:
        # Debian's pgbouncer, fixed arguments.
        process = subprocess.Popen(  # noqa: S603
            [str(PGBOUNCER), *run_as_postgres(), str(DEPLOY / "pgbouncer" / "pgbouncer.ini")],
            cwd=tmp_path,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until_listening(port, process, log)
        yield (f"postgresql+asyncpg://postgres:{password}@127.0.0.1:{port}/{pg_cluster.database}")
    finally:
        stop(process)


@contextlib.contextmanager
def haproxy(bind: int, instances: list[int], log: Path) -> Iterator[str]:
    """HAProxy with the repository's configuration, in the foreground."""
    assert HAPROXY.exists(), f"{HAPROXY} is missing: apt-get install haproxy"
    env = dict(os.environ, INKWELL_LB_BIND=f"127.0.0.1:{bind}")
    env.update({f"INKWELL_{n}": f"127.0.0.1:{port}" for n, port in enumerate(instances, 1)})
    command = [str(HAPROXY), "-db", "-f", str(DEPLOY / "haproxy" / "haproxy.cfg")]
    with log.open("wb") as out:
        # Debian's haproxy, fixed arguments.
        process = subprocess.Popen(  # noqa: S603
            command, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        wait_until_listening(bind, process, log)
        yield f"http://127.0.0.1:{bind}"
    finally:
        stop(process)


def _until_both_serve(url: str, ports: list[int]) -> None:
    """Until HAProxy's health checks have put every instance in rotation: each answers
    readiness itself, and HAProxy answers it too."""
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.TransportError):
            direct = [httpx.get(f"http://127.0.0.1:{p}/health/ready", timeout=1) for p in ports]
            if all(r.status_code == 200 for r in direct) and (
                httpx.get(f"{url}/health/ready", timeout=1).status_code == 200
            ):
                time.sleep(1.5)  # HAProxy's two passing checks (rise 2)
                return
        time.sleep(0.2)
    pytest.fail("the instances never became ready behind HAProxy")


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


async def _money(pg_cluster: PgCluster) -> tuple[object, object, int]:
    conn = await asyncpg.connect(asyncpg_dsn(pg_cluster.primary_url))
    try:
        balances = await conn.fetchval("SELECT coalesce(sum(credits), 0) FROM users")
        grants = await conn.fetchval(
            "SELECT coalesce(sum(amount), 0) FROM transfers WHERE kind = 'grant'"
        )
        moved = await conn.fetchval("SELECT count(*) FROM transfers WHERE kind = 'transfer'")
    finally:
        await conn.close()
    return balances, grants, int(moved)


def test_a_rolling_restart_behind_haproxy_loses_no_request(
    pg_cluster: PgCluster, bouncer: str, tmp_path: Path
) -> None:
    run_in_thread(lambda: _empty(pg_cluster))
    env = app_env(
        bouncer,
        DB_PGBOUNCER="true",
        DB_POOL_SIZE="5",
        DATABASE_REPLICA_URLS=pg_cluster.standby_url,
        LOG_LEVEL="WARNING",
    )
    run_inkwell(env, "seed", "--users", "20", "--posts", "200", "--tags", "10")
    ports = [free_port(), free_port()]

    def instance(n: int) -> contextlib.AbstractContextManager[Server]:
        log = tmp_path / f"inkwell{n}-{time.monotonic_ns()}.log"
        return running_server(
            env, log, ready="/health/ready", timeout=READY_TIMEOUT_S, port=ports[n]
        )

    with contextlib.ExitStack() as stack:
        running = [stack.enter_context(instance(n)) for n in range(2)]
        url = stack.enter_context(haproxy(free_port(), ports, tmp_path / "haproxy.log"))
        _until_both_serve(url, ports)
        prefix = tmp_path / "load"
        locust = subprocess.Popen(  # noqa: S603 - our own venv's locust, fixed arguments
            [
                str(BIN / "locust"),
                *("-f", str(ROOT / "locustfile.py"), "--headless"),
                *("--users", str(USERS), "--spawn-rate", str(USERS)),
                *("--run-time", f"{SECONDS}s", "--stop-timeout", "10"),
                *("--think-time", "0.2-0.6", "--host", url),
                *("--csv", str(prefix), "--only-summary"),
            ],
            cwd=tmp_path,
            env={k: v for k, v in os.environ.items() if not k.startswith("LOCUST_")},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        time.sleep(2)
        for n in range(2):
            # The instance drains (SIGTERM: uvicorn stops accepting, finishes what it
            # has begun, then exits by the signal it caught; a kill would be SIGKILL's),
            # and a new one takes its port.
            old = running[n]
            stop(old.process, group=True)
            assert old.process.returncode == -signal.SIGTERM, old.logs()[-3000:]
            running[n] = stack.enter_context(instance(n))
            _until_both_serve(url, ports)
            time.sleep(1)
        assert locust.poll() is None, "the load ended before the restarts did"
        output, _ = locust.communicate(timeout=SECONDS + 60)
        text = output.decode(errors="replace")

    failures = _rows(Path(f"{prefix}_failures.csv"))
    exceptions = _rows(Path(f"{prefix}_exceptions.csv"))
    assert not failures, f"failed requests: {failures}\n{text[-3000:]}"
    assert not exceptions, f"errors in the locustfile: {exceptions}\n{text[-3000:]}"
    assert locust.returncode == 0, text[-3000:]
    total = next(row for row in _rows(Path(f"{prefix}_stats.csv")) if row["Name"] == "Aggregated")
    assert int(total["Failure Count"]) == 0, total
    assert int(total["Request Count"]) >= 250, total
    balances, grants, moved = run_in_thread(lambda: _money(pg_cluster))
    assert moved > 0, "no transfer went through"
    assert balances == grants, f"sum of balances {balances} != sum of grants {grants}"


async def _empty(pg_cluster: PgCluster) -> None:
    engine = create_async_engine(pg_cluster.primary_url)
    try:
        await empty_postgres_tables(engine)
    finally:
        await engine.dispose()
