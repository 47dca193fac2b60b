"""The servers under test: start, wait until they answer, find the serving process, stop."""

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from inkbench.common import (
    BIN,
    INKWELL,
    INKWELL_NOCACHE,
    REFERENCE_MODULES,
    SEED_PASSWORD,
    Config,
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                stat = (entry / "stat").read_text()
                if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
    return found


def _listening_inodes(port: int) -> set[str]:
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                cols = line.split()
                if cols[3] == "0A" and int(cols[1].rsplit(":", 1)[1], 16) == port:
                    inodes.add(cols[9])
    return inodes


def serving_pid(root: int, port: int) -> int:
    """The process (root or a descendant) that holds the listening socket, deepest first."""
    inodes = _listening_inodes(port)
    family, frontier = [root], [root]
    while frontier:
        frontier = [c for p in frontier for c in _children(p)]
        family.extend(frontier)
    for pid in reversed(family):
        with contextlib.suppress(OSError):
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                target = os.readlink(fd)
                if target.startswith("socket:[") and target[8:-1] in inodes:
                    return pid
    return root


def proc_status_kib(pid: int, key: str) -> int | None:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{key}:"):
                return int(line.split()[1])
    return None


def reset_peak_rss(pid: int) -> bool:
    """Start VmHWM afresh from the current RSS (`echo 5 > /proc/PID/clear_refs`)."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Server:
    name: str
    argv: list[str]
    env: dict[str, str]
    cwd: Path
    port: int
    probe: str
    log_path: Path
    proc: subprocess.Popen[bytes] | None = None
    pid: int = 0
    rss_idle_kib: int | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with self.log_path.open("wb") as out:
            self.proc = subprocess.Popen(  # noqa: S603 - our own fixed argv
                self.argv,
                env=self.env,
                cwd=self.cwd,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )

    def wait_ready(self, timeout: float = 60.0) -> None:
        assert self.proc is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited ({self.proc.returncode}):\n{self.tail()}")
            with contextlib.suppress(OSError):
                if http("GET", self.base + self.probe, timeout=2)[0] == 200:
                    self.pid = serving_pid(self.proc.pid, self.port)
                    self.rss_idle_kib = proc_status_kib(self.pid, "VmRSS")
                    return
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not answer {self.probe} in {timeout}s:\n{self.tail()}")

    def tail(self, lines: int = 30) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return ""

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=5)


def inkwell_server(name: str, env: dict[str, str], workdir: Path) -> Server:
    """`inkwell serve --workers 1` on a free port, with this environment."""
    port = free_port()
    return Server(
        name=name,
        argv=[
            str(BIN / "inkwell"),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
        ],
        env=env,
        cwd=workdir,  # an empty directory: no stray `.env` is read
        port=port,
        probe="/health/ready",
        log_path=workdir / f"{name}.log",
    )


def make_servers(config: Config, env: dict[str, str], workdir: Path) -> list[Server]:
    servers = [
        inkwell_server(INKWELL, env, workdir),
        inkwell_server(INKWELL_NOCACHE, {**env, "READ_CACHE_ENTRIES": "0"}, workdir),
    ]
    if not config.refs.is_dir():
        return servers
    # The references accept the tokens Inkwell issues: the same HS256 secret.
    ref_env = {
        **os.environ,
        "BENCH_DSN": config.dsn,
        "BENCH_JWT_SECRET": env["JWT_SECRET"],
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    for name, module in REFERENCE_MODULES.items():
        port = free_port()
        servers.append(
            Server(
                name=name,
                argv=[
                    sys.executable,
                    "-m",
                    "uvicorn",
                    f"{module}:app",
                    "--app-dir",
                    str(config.refs),
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--loop",
                    "uvloop",
                    "--http",
                    "httptools",
                    "--no-access-log",
                ],
                env=ref_env,
                cwd=workdir,
                port=port,
                probe="/posts?limit=1",
                log_path=workdir / f"{name}.log",
            )
        )
    return servers


def http(
    method: str,
    url: str,
    *,
    data: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 30,
) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:  # noqa: S310 - loopback
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def log_in(server: Server, username: str) -> str:
    form = urllib.parse.urlencode({"username": username, "password": SEED_PASSWORD}).encode()
    status, _, body = http(
        "POST",
        server.base + "/auth/token",
        data=form,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    if status != 200:
        raise RuntimeError(f"logging in {username} gave {status}: {body[:200]!r}")
    return str(json.loads(body)["access_token"])
