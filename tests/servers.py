"""Real processes for any test: the `inkwell` CLI, and `inkwell serve` on a free
loopback port, live when the test starts and stopped when it ends."""

import contextlib
import os
import pwd
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent  # our own venv's programs
INKWELL = BIN / "inkwell"
START_TIMEOUT_S = 20.0
STOP_TIMEOUT_S = 10.0
FAST_HASHING = {"ARGON2_TIME_COST": "1", "ARGON2_MEMORY_KIB": "1024", "ARGON2_PARALLELISM": "1"}


def free_port() -> int:
    """A loopback port nothing listens on (it is closed again when returned)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def sqlite_url(path: Path) -> str:
    """The DATABASE_URL of a SQLite file (created by the first migration)."""
    return f"sqlite+aiosqlite:///{path}"


def app_env(database_url: str, **settings: str) -> dict[str, str]:
    """The environment of an `inkwell` process: test mode, JSON logs, fast hashing,
    registrations unthrottled (every test client registers from one address), and every
    read cache hit verified against the ORM (a difference is a 500, which fails the
    schemathesis and locust runs)."""
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    env.update(ENVIRONMENT="test", LOG_FORMAT="json", DATABASE_URL=database_url)
    env.update(FAST_HASHING, REGISTER_MAX_PER_ADDRESS="1000000", READ_CACHE_VERIFY="true")
    env.update(settings)
    return env


def run_program(
    command: list[str], env: dict[str, str], *, cwd: Path = ROOT, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """One of our own programs (fixed arguments) to its end, its output captured."""
    return subprocess.run(  # noqa: S603 - our own venv's programs, fixed arguments
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def run_inkwell(env: dict[str, str], *args: str, timeout: float = 60) -> str:
    """`inkwell ARGS` to its end, which must be exit status 0; its output."""
    done = run_program([str(INKWELL), *args], env, timeout=timeout)
    output = done.stdout + done.stderr
    assert done.returncode == 0, f"inkwell {' '.join(args)} exited {done.returncode}:\n{output}"
    return output


def migrate(env: dict[str, str]) -> None:
    """`inkwell migrate` on the environment's DATABASE_URL."""
    run_inkwell(env, "migrate")


@dataclass(frozen=True)
class Server:
    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def logs(self) -> str:
        return self.log.read_text(errors="replace")


# `live_server(database_url, **settings)` (tests/conftest.py): a server while entered.
LiveServer = Callable[..., contextlib.AbstractContextManager[Server]]


def stop(process: subprocess.Popen[bytes], *, group: bool = False) -> None:
    """SIGTERM, then SIGKILL if it is still there after STOP_TIMEOUT_S. With `group`,
    to its whole process group (it must have started a session of its own)."""

    def send(signum: int) -> None:
        if group:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signum)
        elif process.poll() is None:
            process.send_signal(signum)

    send(signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        send(signal.SIGKILL)
        process.wait(timeout=STOP_TIMEOUT_S)


def wait_until_answering(
    server: Server, path: str = "/health/live", timeout: float = START_TIMEOUT_S
) -> None:
    """Until GET `path` answers 200; the test fails if the server exits or times out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"inkwell exited with {server.process.returncode}:\n{server.logs()}")
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"{server.url}{path}", timeout=1.0).status_code == 200:
                return
        time.sleep(0.1)
    pytest.fail(f"no 200 from {server.url}{path} after {timeout:.0f} s:\n{server.logs()}")


@contextlib.contextmanager
def running_server(
    env: dict[str, str],
    log: Path,
    *,
    workers: int = 1,
    ready: str = "/health/live",
    timeout: float = START_TIMEOUT_S,
    port: int | None = None,
) -> Iterator[Server]:
    """`inkwell serve` on `port` (a free loopback port by default), entered once GET
    `ready` answers 200 (within `timeout` s), stopped with all its workers when left."""
    port = port or free_port()
    command = [str(INKWELL), "serve", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--workers", str(workers)]
    with log.open("wb") as out:
        # Our own venv's CLI, fixed arguments; its own process group, to stop it whole.
        process = subprocess.Popen(  # noqa: S603
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        server = Server(process, f"http://127.0.0.1:{port}", log)
        wait_until_answering(server, ready, timeout)
        yield server
    finally:
        stop(process, group=True)


def run_as_postgres() -> list[str]:
    """The arguments that make PgBouncer (which refuses to run as root) switch to the
    `postgres` user when we are root."""
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        pytest.skip("running as root and there is no `postgres` user to run PgBouncer as")
    return ["-u", "postgres"]


def wait_until_listening(
    port: int, process: subprocess.Popen[bytes], log: Path, timeout: float = 10.0
) -> None:
    """Until something accepts connections on loopback `port`; the test fails if
    `process` exits first or nothing listens within `timeout` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{process.args!r} exited with {process.returncode}:\n{log.read_text()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
        except OSError:
            time.sleep(0.1)
        else:
            return
    pytest.fail(f"nothing listening on {port} after {timeout:.0f} s:\n{log.read_text()}")


def asyncpg_dsn(url: str, database: str | None = None) -> str:
    """A SQLAlchemy PostgreSQL URL as a plain asyncpg DSN, optionally of another database."""
    dsn = make_url(url).set(drivername="postgresql")
    if database is not None:
        dsn = dsn.set(database=database)
    return dsn.render_as_string(hide_password=False)
