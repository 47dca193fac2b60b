"""The endpoints, their wrk Lua scripts, a pre-flight check, and running and parsing wrk.

An endpoint that expects 304 is a revalidation: wrk sends `If-None-Match` with the
page's current ETag, which the pre-flight fetches and checks (`revalidate`).
"""

import json
import os
import re
import shutil
import subprocess
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from inkbench.common import (
    DEEP_OFFSET,
    INKWELL,
    INKWELL_APPS,
    VIEWER_FAVORITES,
    VIEWER_FOLLOWS,
    Config,
    log,
    metric_samples,
    run_checked,
)
from inkbench.database import Dataset
from inkbench.servers import Server, cpu_seconds, http


@dataclass(frozen=True)
class Endpoint:
    key: str
    label: str
    apps: tuple[str, ...]
    sample_path: str  # one request of the kind, for the pre-flight check
    script: str | None = None  # the wrk Lua script's name in the work directory
    path: str = "/"  # the wrk URL path when there is no script choosing it
    method: str = "GET"
    expect: int = 200
    # Sent on every request (the Conduit viewer's `Authorization: Token ...`).
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def revalidates(self) -> bool:
        return self.expect == 304


LUA_SEEDING = """
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
end

local function load_ids(path)
  local ids = {}
  for line in io.lines(path) do ids[#ids + 1] = tonumber(line) end
  return ids
end
"""

LUA_RANDOM_ID = (
    LUA_SEEDING
    + """
local ids
function init(args)
  math.randomseed(os.time() * 1000 + (tid or 0))
  ids = load_ids("%(ids)s")
end

function request()
  return wrk.format("GET", "%(prefix)s" .. ids[math.random(#ids)])
end
"""
)

LUA_TRANSFERS = (
    LUA_SEEDING
    + """
local ids = {%(ids)s}
local tokens = {%(tokens)s}
function init(args)
  math.randomseed(os.time() * 1000 + (tid or 0))
end

function request()
  local from = math.random(#ids)
  local to = math.random(#ids - 1)
  if to >= from then to = to + 1 end
  local body = '{"to_user_id":' .. ids[to] .. ',"amount":"0.01"}'
  return wrk.format("POST", "/transfers/", {
    ["Authorization"] = "Bearer " .. tokens[from],
    ["Content-Type"] = "application/json",
  }, body)
end
"""
)


def make_endpoints(
    dataset: Dataset,
    apps: Sequence[str],
    workdir: Path,
    tokens: Sequence[str],
    viewer: Mapping[str, str],
) -> list[Endpoint]:
    """The measured endpoints; `viewer` the headers of the Conduit reader who follows
    and favorites (see `conduit_viewer`)."""
    all_apps = tuple(apps)
    inkwells = tuple(app for app in apps if app in INKWELL_APPS)
    (workdir / "post_ids.txt").write_text("\n".join(map(str, dataset.published_ids)) + "\n")
    (workdir / "user_ids.txt").write_text("\n".join(map(str, dataset.user_ids)) + "\n")
    (workdir / "post_by_id.lua").write_text(
        LUA_RANDOM_ID % {"ids": workdir / "post_ids.txt", "prefix": "/posts/"}
    )
    (workdir / "user_by_id.lua").write_text(
        LUA_RANDOM_ID % {"ids": workdir / "user_ids.txt", "prefix": "/users/"}
    )
    (workdir / "transfers.lua").write_text(
        LUA_TRANSFERS
        % {
            "ids": ", ".join(str(i) for i, _ in dataset.accounts),
            "tokens": ", ".join(f'"{t}"' for t in tokens),
        }
    )
    deep_cursor = f"/posts/?limit=20&cursor={dataset.deep_cursor}"
    deep_offset = f"/posts/?skip={DEEP_OFFSET}&limit=20"
    return [
        Endpoint(
            "posts-20",
            "GET /posts/?limit=20",
            all_apps,
            "/posts/?limit=20",
            path="/posts/?limit=20",
        ),
        Endpoint(
            "posts-100",
            "GET /posts/?limit=100",
            all_apps,
            "/posts/?limit=100",
            path="/posts/?limit=100",
        ),
        Endpoint(
            "post-by-id",
            "GET /posts/{random id}",
            all_apps,
            f"/posts/{dataset.published_ids[0]}",
            script="post_by_id.lua",
        ),
        Endpoint(
            "user-by-id",
            "GET /users/{random id}",
            all_apps,
            f"/users/{dataset.user_ids[0]}",
            script="user_by_id.lua",
        ),
        Endpoint(
            "posts-20-304",
            "GET /posts/?limit=20 (If-None-Match)",
            inkwells,
            "/posts/?limit=20",
            path="/posts/?limit=20",
            expect=304,
        ),
        Endpoint(
            "deep-offset",
            f"GET /posts/?skip={DEEP_OFFSET}&limit=20",
            all_apps,
            deep_offset,
            path=deep_offset,
        ),
        Endpoint(
            "deep-cursor",
            f"GET /posts/?cursor=<row {DEEP_OFFSET}>&limit=20",
            inkwells,
            deep_cursor,
            path=deep_cursor,
        ),
        Endpoint(
            "articles-20",
            "GET /api/articles?limit=20 (anonymous)",
            inkwells,
            "/api/articles?limit=20",
            path="/api/articles?limit=20",
        ),
        Endpoint(
            "articles-20-viewer",
            f"GET /api/articles?limit=20 (follows {VIEWER_FOLLOWS}, {VIEWER_FAVORITES} favorites)",
            inkwells,
            "/api/articles?limit=20",
            path="/api/articles?limit=20",
            headers=viewer,
        ),
        Endpoint(
            "transfers",
            "POST /transfers/ (10 accounts)",
            (INKWELL,),
            "/transfers/",
            script="transfers.lua",
            method="POST",
            expect=201,
        ),
    ]


@dataclass
class Preflight:
    server_timing: dict[str, str]  # Inkwell's Server-Timing header per endpoint
    warnings: list[str]
    etags: dict[tuple[str, str], str]  # (endpoint, app): the tag a revalidation sends


def _header(headers: Mapping[str, str], name: str) -> str | None:
    return next((v for k, v in headers.items() if k.lower() == name.lower()), None)


def revalidate(server: Server, path: str, tag: str | None) -> str:
    """The current ETag of `path`, checked to get 304 with no body: `tag` when it is
    still current, else the one a plain GET answers (the page changed, or no tag yet)."""
    if tag is not None:
        status, _, raw = http("GET", server.base + path, headers={"If-None-Match": tag})
        if status == 304 and not raw:
            return tag
        if status != 200:
            raise RuntimeError(f"{server.name} GET {path} If-None-Match {tag}: {status}")
    status, headers, raw = http("GET", server.base + path)
    current = _header(headers, "ETag")
    if status != 200 or not current:
        raise RuntimeError(f"{server.name} GET {path}: {status}, ETag {current!r}: {raw[:300]!r}")
    status, _, raw = http("GET", server.base + path, headers={"If-None-Match": current})
    if status != 304 or raw:
        raise RuntimeError(
            f"{server.name} GET {path} If-None-Match {current}: {status}, expected 304 "
            f"with no body: {raw[:300]!r}"
        )
    return current


def _sample(
    ep: Endpoint, server: Server, tokens: Sequence[str], dataset: Dataset
) -> tuple[dict[str, str], bytes]:
    """One request of the endpoint's kind; fails unless it has the expected status."""
    if ep.method == "POST":
        body = json.dumps({"to_user_id": dataset.accounts[1][0], "amount": "0.01"})
        status, headers, raw = http(
            "POST",
            server.base + ep.sample_path,
            data=body.encode(),
            headers={
                "Authorization": f"Bearer {tokens[0]}",
                "Content-Type": "application/json",
            },
        )
    else:
        status, headers, raw = http("GET", server.base + ep.sample_path, headers={**ep.headers})
    if status != ep.expect:
        raise RuntimeError(
            f"{server.name} {ep.method} {ep.sample_path}: {status}, expected "
            f"{ep.expect}: {raw[:300]!r}"
        )
    return headers, raw


def preflight(
    endpoints: Sequence[Endpoint],
    servers: dict[str, Server],
    tokens: Sequence[str],
    dataset: Dataset,
) -> Preflight:
    """One request per endpoint and app: the status must be the expected one (for a
    revalidation: the page's ETag, then 304 with it). Warns about differing answers."""
    found = Preflight(server_timing={}, warnings=[], etags={})
    for ep in endpoints:
        ids_by_app: dict[str, list[int | str]] = {}
        for app in ep.apps:
            if ep.revalidates:
                found.etags[ep.key, app] = revalidate(servers[app], ep.path, None)
                continue
            headers, raw = _sample(ep, servers[app], tokens, dataset)
            if app == INKWELL:
                found.server_timing[ep.key] = _header(headers, "Server-Timing") or ""
            data = json.loads(raw)
            if isinstance(data, dict) and "articles" in data:  # Conduit's, by slug
                ids_by_app[app] = [row["slug"] for row in data["articles"]]
            elif isinstance(data, list):
                ids_by_app[app] = [row["id"] for row in data]
        answers = {tuple(ids) for ids in ids_by_app.values()}
        if len(answers) > 1:
            found.warnings.append(f"{ep.label}: the apps return different posts")
    deep = {ep.key: ep.sample_path for ep in endpoints if ep.key in ("deep-offset", "deep-cursor")}
    if len(deep) == 2:
        pages = [
            [r["id"] for r in json.loads(http("GET", servers[INKWELL].base + p)[2])]
            for p in deep.values()
        ]
        if pages[0] != pages[1]:
            found.warnings.append("Inkwell: the cursor page differs from the skip page")
    return found


_UNIT_MS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3, "h": 3600e3}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text)
    if not match:
        raise ValueError(f"not a wrk duration: {text!r}")
    return float(match[1]) * _UNIT_MS[match[2]]


@dataclass
class WrkRun:
    app: str
    endpoint: str
    round: int
    requests_per_s: float
    requests: int
    latency_ms: dict[str, float]
    non_2xx_3xx: int
    socket_errors: dict[str, int]
    cpu_ms_per_request: float | None = None
    # Inkwell's apps only: their non-2xx/3xx answers during the run by status, and
    # on a revalidation the 304s, from /metrics.
    error_statuses: dict[str, int] | None = None
    not_modified: int | None = None

    @property
    def socket_error_total(self) -> int:
        return sum(self.socket_errors.values())

    def describe(self) -> str:
        p50, p99 = self.latency_ms.get("p50", 0.0), self.latency_ms.get("p99", 0.0)
        text = (
            f"{self.app:<15} {self.requests_per_s:>9.1f} req/s  p50 {p50:.2f} ms  p99 {p99:.2f} ms"
        )
        if self.non_2xx_3xx:
            text += f"  non-2xx {self.non_2xx_3xx}"
            if self.error_statuses:
                text += " (" + ", ".join(f"{k}: {v}" for k, v in self.error_statuses.items()) + ")"
        if self.socket_error_total:
            text += f"  socket errors {self.socket_errors}"
        return text


def parse_wrk(output: str) -> dict[str, Any]:
    """requests/s, request count, latency percentiles, non-2xx/3xx and socket errors."""
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.M)
    total = re.search(r"^\s*(\d+) requests in ", output, re.M)
    if not rps or not total:
        raise ValueError(f"unexpected wrk output:\n{output}")
    latency = {f"p{m[1]}": _ms(m[2]) for m in re.finditer(r"^\s+(\d+)%\s+(\S+)\s*$", output, re.M)}
    sock = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    errors = (
        dict(
            zip(
                ("connect", "read", "write", "timeout"),
                (int(g) for g in sock.groups()),
                strict=True,
            )
        )
        if sock
        else {"connect": 0, "read": 0, "write": 0, "timeout": 0}
    )
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "requests_per_s": float(rps[1]),
        "requests": int(total[1]),
        "latency_ms": latency,
        "non_2xx_3xx": int(non2xx[1]) if non2xx else 0,
        "socket_errors": errors,
    }


def wrk_argv(
    config: Config,
    ep: Endpoint,
    server: Server,
    seconds: int,
    workdir: Path,
    headers: Mapping[str, str] | None = None,
) -> list[str]:
    argv = ["wrk", *config.wrk_flags(seconds)]
    for name, value in (headers or {}).items():
        argv += ["--header", f"{name}: {value}"]
    if ep.script:
        argv += ["--script", str(workdir / ep.script)]
    return [*argv, server.base + (ep.path if not ep.script else "/")]


def run_wrk(
    config: Config,
    ep: Endpoint,
    server: Server,
    seconds: int,
    workdir: Path,
    round_no: int,
    headers: Mapping[str, str] | None = None,
) -> WrkRun:
    argv = wrk_argv(config, ep, server, seconds, workdir, headers)
    statuses_before = answered_by_status(server) if server.name in INKWELL_APPS else None
    cpu_before = cpu_seconds(server.pid)
    out = run_checked(argv, capture_output=True).stdout
    cpu = cpu_seconds(server.pid) - cpu_before
    parsed = parse_wrk(out)
    run = WrkRun(app=server.name, endpoint=ep.key, round=round_no, **parsed)
    if run.requests:
        run.cpu_ms_per_request = cpu * 1000 / run.requests
    if statuses_before is not None:
        after = answered_by_status(server)
        run.error_statuses = {
            status: after[status] - statuses_before[status]
            for status in sorted(after)
            if status[0] not in "23" and after[status] > statuses_before[status]
        }
        if ep.revalidates:
            run.not_modified = after["304"] - statuses_before["304"]
    return run


def answered_by_status(server: Server) -> Counter[str]:
    """Inkwell's requests answered so far, by status (all routes), from /metrics."""
    text = http("GET", server.base + "/metrics")[2].decode()
    counts: Counter[str] = Counter()
    for labels, value in metric_samples(text, "inkwell_http_requests_total"):
        counts[labels.get("status", "?")] += int(value)
    return counts


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0:
        raise SystemExit("wrk is missing: `sudo apt-get install -y wrk`")
    log("installing wrk (apt-get install -y wrk)")
    try:
        run_checked(["apt-get", "install", "-y", "wrk"], capture_output=True)
    except subprocess.CalledProcessError:
        run_checked(["apt-get", "update"], capture_output=True)
        run_checked(["apt-get", "install", "-y", "wrk"], capture_output=True)
    return shutil.which("wrk") or "wrk"


# Collections whose every document a random-id endpoint may ask for.
PRIMED = ("/posts/?limit=100", "/users/?limit=100")
_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="next"')


def prime(server: Server, path: str) -> int:
    """Reads every document of a collection once, page by page by `Link: rel="next"`,
    as a service up for a while has read them: Inkwell's read cache then holds what a
    random-id endpoint asks for, as it would in production, instead of warming up during
    the measured rounds. Returns the number of pages read."""
    url: str | None = server.base + path
    pages = 0
    while url:
        status, headers, raw = http("GET", url)
        if status != 200:
            raise RuntimeError(f"{server.name} GET {url}: {status}: {raw[:300]!r}")
        pages += 1
        found = _NEXT.search(_header(headers, "Link") or "")
        url = found.group(1) if found else None
    return pages


def conduit_viewer(
    server: Server, token: str, authors: Sequence[str], slugs: Sequence[str]
) -> dict[str, str]:
    """Makes the holder of `token` follow `authors` and favorite `slugs` through the
    Conduit API (both idempotent, so a rerun changes nothing); its request headers."""
    headers = {"Authorization": f"Token {token}"}
    calls = [f"/api/profiles/{quote(name, safe='')}/follow" for name in authors]
    calls += [f"/api/articles/{quote(slug, safe='')}/favorite" for slug in slugs]
    for path in calls:
        status, _, raw = http("POST", server.base + path, headers=headers)
        if status != 200:
            raise RuntimeError(f"{server.name} POST {path}: {status}: {raw[:300]!r}")
    return headers
