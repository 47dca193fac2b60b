"""The RealWorld front end's build, cached by its source, and the small web server that
serves it: the built files, plus, for a same-origin run, `/api` passed on to Inkwell as a
reverse proxy in front of it would (README: "Serve a front end")."""

import contextlib
import hashlib
import os
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

from tests.servers import ROOT, free_port, run_program

FRONTEND = Path(__file__).resolve().parent / "vue3-realworld"
NODE_MODULES = FRONTEND / "node_modules"
BUILD_CACHE = ROOT / ".cache" / "frontend"
BUILD_TIMEOUT_S = 120.0
START_TIMEOUT_S = 10.0
API_PREFIX = "/api"
# RFC 9110 section 7.6.1: these describe one connection, not the message.
_HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
}


def _source_files() -> list[Path]:
    return sorted(p for p in FRONTEND.rglob("*") if p.is_file() and NODE_MODULES not in p.parents)


def _build_key(api_host: str) -> str:
    """Changes with any source file, the installed packages, or the API address."""
    digest = hashlib.sha256(api_host.encode())
    for path in [*_source_files(), NODE_MODULES / ".package-lock.json"]:
        digest.update(path.relative_to(FRONTEND).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def _require_packages() -> None:
    installed = NODE_MODULES / ".package-lock.json"
    lock = FRONTEND / "package-lock.json"
    if not installed.exists() or installed.stat().st_mtime < lock.stat().st_mtime:
        pytest.fail(
            f"the front end's packages are missing or older than its lockfile in {FRONTEND}: "
            "run `make frontend` (npm ci)"
        )


def build(api_host: str, cache: Path = BUILD_CACHE) -> Path:
    """The front end built for `api_host` ("" for same-origin), in `cache`: built once per
    source, packages and address (about 3 s), by whichever test first needs it."""
    _require_packages()
    out = cache / _build_key(api_host)
    if (out / "index.html").exists():
        return out
    cache.mkdir(parents=True, exist_ok=True)
    partial = cache / f"{out.name}.{os.getpid()}.partial"
    env = {**os.environ, "VITE_API_HOST": api_host}
    command = [str(NODE_MODULES / ".bin" / "vite"), "build", "--logLevel", "warn"]
    command += ["--outDir", str(partial), "--emptyOutDir"]
    done = run_program(command, env, cwd=FRONTEND, timeout=BUILD_TIMEOUT_S)
    assert done.returncode == 0, f"vite build failed:\n{done.stdout}{done.stderr}"
    # Renamed whole, so that a build is either complete or absent (xdist workers race).
    with contextlib.suppress(OSError):
        partial.rename(out)
    shutil.rmtree(partial, ignore_errors=True)
    # Builds of older sources are never asked for again.
    for old in cache.iterdir():
        if old != out and not old.name.endswith(".partial"):
            shutil.rmtree(old, ignore_errors=True)
    return out


class FrontendServer:
    """The built files at `/`, and with `upstream`, everything under `/api` proxied to it
    unchanged (path, query, method, headers, body; no redirect followed), with the
    client's address in `X-Forwarded-For` as a production proxy sends it."""

    def __init__(self, dist: Path, upstream: str | None) -> None:
        self.files = StaticFiles(directory=dist, html=True)
        self.upstream = upstream

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope["path"]
        proxied = path == API_PREFIX or path.startswith(f"{API_PREFIX}/")
        if scope["type"] == "http" and self.upstream is not None and proxied:
            await self._proxy(scope, receive, send)
        else:
            await self.files(scope, receive, send)

    async def _proxy(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        target = scope["raw_path"].decode("latin-1")
        if scope["query_string"]:
            target += "?" + scope["query_string"].decode("latin-1")
        headers = [
            (k.decode("latin-1"), v.decode("latin-1"))
            for k, v in scope["headers"]
            if k.decode("latin-1") not in _HOP_BY_HOP | {"host", "accept-encoding"}
        ]
        headers.append(("x-forwarded-for", scope["client"][0]))
        headers.append(("x-forwarded-proto", scope["scheme"]))
        async with httpx.AsyncClient(base_url=str(self.upstream), timeout=30) as client:
            answer = await client.request(scope["method"], target, headers=headers, content=body)
        kept = [
            (k, v)
            for k, v in answer.headers.multi_items()
            if k not in _HOP_BY_HOP | {"content-length", "content-encoding"}
        ]
        response = Response(answer.content, status_code=answer.status_code)
        response.raw_headers = [
            *((k.encode("latin-1"), v.encode("latin-1")) for k, v in kept),
            (b"content-length", str(len(answer.content)).encode()),
        ]
        await response(scope, receive, send)


@contextlib.contextmanager
def serving(dist: Path, *, upstream: str | None = None, port: int | None = None) -> Iterator[str]:
    """`FrontendServer` on `port` (a free loopback one by default), in a thread of this
    process; its URL."""
    app = FrontendServer(dist, upstream)
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port or free_port(), lifespan="off", log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="frontend-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT_S
    while not server.started:
        assert thread.is_alive(), "the front end's server did not start"
        assert time.monotonic() < deadline, "the front end's server did not start in time"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{config.port}"
    finally:
        server.should_exit = True
        thread.join(timeout=START_TIMEOUT_S)
