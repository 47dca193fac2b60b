"""Real processes for the operations tests: the `inkwell` CLI and its server."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
INKWELL = Path(sys.executable).parent / "inkwell"
START_TIMEOUT_S = 20.0
STOP_TIMEOUT_S = 10.0
FAST_HASHING = {"ARGON2_TIME_COST": "1", "ARGON2_MEMORY_KIB": "1024", "ARGON2_PARALLELISM": "1"}


def free_port() -> int:
    """A loopback port nothing listens on (it is closed again when returned)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def app_env(database_url: str, **settings: str) -> dict[str, str]:
    """The environment of an `inkwell` process: test mode, JSON logs, fast hashing."""
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    env.update(ENVIRONMENT="test", LOG_FORMAT="json", DATABASE_URL=database_url)
    env.update(FAST_HASHING)
    env.update(settings)
    return env


def migrate(env: dict[str, str]) -> None:
    """`inkwell migrate` on the environment's DATABASE_URL."""
    done = subprocess.run(  # noqa: S603 - our own venv's CLI, fixed arguments
        [str(INKWELL), "migrate"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@dataclass(frozen=True)
class Server:
    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def logs(self) -> str:
        return self.log.read_text(errors="replace")


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL if it is still there after STOP_TIMEOUT_S."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_TIMEOUT_S)


def wait_until_live(server: Server) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"inkwell exited with {server.process.returncode}:\n{server.logs()}")
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"{server.url}/health/live", timeout=1.0).status_code == 200:
                return
        time.sleep(0.1)
    pytest.fail(f"inkwell not live at {server.url} after {START_TIMEOUT_S:.0f} s:\n{server.logs()}")


@contextlib.contextmanager
def running_server(env: dict[str, str], log: Path, *, workers: int = 1) -> Iterator[Server]:
    """`inkwell serve` on a free loopback port, live when entered, stopped when left."""
    port = free_port()
    command = [str(INKWELL), "serve", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--workers", str(workers)]
    with log.open("wb") as out:
        # Our own venv's CLI, fixed arguments.
        process = subprocess.Popen(  # noqa: S603
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        server = Server(process, f"http://127.0.0.1:{port}", log)
        wait_until_live(server)
        yield server
    finally:
        stop(process)
