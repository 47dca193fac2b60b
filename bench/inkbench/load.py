"""The endpoints, their wrk Lua scripts, a pre-flight check, and running and parsing wrk.

An endpoint that expects 304 is a revalidation: wrk sends `If-None-Match` with the
page's current ETag, which the pre-flight fetches and checks (`revalidate`).
"""

import json
import os
import re
import secrets
import shutil
import subprocess
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from inkbench.common import (
    CONTENDED_ACCOUNTS,
    DEEP_OFFSET,
    INKWELL,
    INKWELL_APPS,
    NAIVE,
    RAW,
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
    # A write's pre-flight request: its JSON body, sent with the first account's token.
    body: str | None = None
    # A write: wrk is given a fresh key prefix per run for its `Idempotency-Key`s and
    # counts the answers by status (`Statuses:` in its output).
    writes: bool = False

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

# The write scripts: `wrk ... --script <name>.lua <url> -- <prefix>`. Every request
# carries a fresh `Idempotency-Key`, `<prefix>-<thread>-<n>`, unique across threads and
# (by the prefix, new for each wrk run) across runs; the answers are counted by status
# and printed at the end as `Statuses: 201=1234 409=2`.
LUA_WRITING = """
local counter = 0
local threads = {}
function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  threads[#threads + 1] = thread
end

local key_prefix, sent = "", 0
statuses = {}
function init(args)
  math.randomseed(os.time() * 1000 + (tid or 0))
  key_prefix = (args[1] or "bench") .. "-" .. (tid or 0) .. "-"
end

local function next_key()
  sent = sent + 1
  return key_prefix .. sent
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses") or {}) do
      total[status] = (total[status] or 0) + n
    end
  end
  local parts = {}
  for status, n in pairs(total) do parts[#parts + 1] = status .. "=" .. n end
  table.sort(parts)
  io.write("Statuses: " .. table.concat(parts, " ") .. "\\n")
end

local ids = {%(ids)s}
local tokens = {%(tokens)s}
"""

LUA_TRANSFERS = (
    LUA_WRITING
    + """
function request()
  local from = math.random(#ids)
  local to = math.random(#ids - 1)
  if to >= from then to = to + 1 end
  local body = '{"to_user_id":' .. ids[to] .. ',"amount":"0.01"}'
  return wrk.format("POST", "/transfers/", {
    ["Authorization"] = "Bearer " .. tokens[from],
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = next_key(),
  }, body)
end
"""
)

# A draft by a random account on its own page, titled by its key (so every slug
# differs), with 3 distinct tags of the list, spaced a third of it apart.
LUA_POSTS = (
    LUA_WRITING
    + """
local tags = {%(tags)s}
local text = %(text)s
local step = math.floor(#tags / 3)
function request()
  local who = math.random(#ids)
  local key = next_key()
  local t = math.random(#tags)
  local body = '{"title":"Bench draft ' .. key .. '","body":' .. text
    .. ',"published":false,"tags":[' .. tags[t] .. ',' .. tags[(t + step - 1) %% #tags + 1]
    .. ',' .. tags[(t + 2 * step - 1) %% #tags + 1] .. ']}'
  return wrk.format("POST", "/users/" .. ids[who] .. "/posts/", {
    ["Authorization"] = "Bearer " .. tokens[who],
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = key,
  }, body)
end
"""
)


def lua_string(text: str) -> str:
    """`text` as a Lua string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def write_script(
    path: Path,
    template: str,
    accounts: Sequence[tuple[int, str]],
    tokens: Sequence[str],
    **more: str,
) -> None:
    path.write_text(
        template
        % {
            "ids": ", ".join(str(i) for i, _ in accounts),
            "tokens": ", ".join(lua_string(t) for t in tokens[: len(accounts)]),
            **more,
        }
    )


DRAFT_TEXT = "Written by the benchmark as a draft: never published."


def draft_body(title: str, tags: Sequence[str]) -> str:
    """A `posts-write` request's body, as the Lua script sends it (for the pre-flight)."""
    return json.dumps({"title": title, "body": DRAFT_TEXT, "published": False, "tags": [*tags]})


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
    accounts = dataset.accounts
    write_script(workdir / "transfers.lua", LUA_TRANSFERS, accounts, tokens)
    write_script(
        workdir / "transfers_contended.lua",
        LUA_TRANSFERS,
        accounts[:CONTENDED_ACCOUNTS],
        tokens,
    )
    write_script(
        workdir / "posts_write.lua",
        LUA_POSTS,
        accounts,
        tokens,
        tags=", ".join(lua_string(json.dumps(name)) for name in dataset.tag_names),
        text=lua_string(json.dumps(DRAFT_TEXT)),
    )
    transfer_apps = tuple(app for app in apps if app in (INKWELL, RAW, NAIVE))
    transfer_body = json.dumps({"to_user_id": accounts[1][0], "amount": "0.01"})
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
            f"POST /transfers/ ({len(accounts)} accounts)",
            transfer_apps,
            "/transfers/",
            script="transfers.lua",
            method="POST",
            expect=201,
            body=transfer_body,
            writes=True,
        ),
        Endpoint(
            "transfers-contended",
            f"POST /transfers/ ({CONTENDED_ACCOUNTS} accounts)",
            transfer_apps,
            "/transfers/",
            script="transfers_contended.lua",
            method="POST",
            expect=201,
            body=transfer_body,
            writes=True,
        ),
        Endpoint(
            "posts-write",
            f"POST /users/{{id}}/posts/ ({len(accounts)} accounts)",
            (INKWELL,),
            f"/users/{accounts[0][0]}/posts/",
            script="posts_write.lua",
            method="POST",
            expect=201,
            # A title of its own (slugs differ): the pre-flight runs once per run.
            body=draft_body(f"Bench draft preflight-{secrets.token_hex(6)}", dataset.tag_names[:3]),
            writes=True,
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


def _sample(ep: Endpoint, server: Server, tokens: Sequence[str]) -> tuple[dict[str, str], bytes]:
    """One request of the endpoint's kind (a write with the first account's token and a
    fresh `Idempotency-Key`); fails unless it has the expected status."""
    if ep.method == "POST":
        body = ep.body or "{}"
        status, headers, raw = http(
            "POST",
            server.base + ep.sample_path,
            data=body.encode(),
            headers={
                "Authorization": f"Bearer {tokens[0]}",
                "Content-Type": "application/json",
                "Idempotency-Key": f"bench-preflight-{secrets.token_hex(8)}",
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
            headers, raw = _sample(ep, servers[app], tokens)
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
    # A write's answers by status, every app's, counted by its wrk script.
    statuses: dict[str, int] | None = None

    @property
    def socket_error_total(self) -> int:
        return sum(self.socket_errors.values())

    @property
    def failed_statuses(self) -> dict[str, int]:
        """A write's answers other than 2xx/3xx, by status, as its wrk script counted."""
        return {k: v for k, v in sorted((self.statuses or {}).items()) if k[0] not in "23"}

    def describe(self) -> str:
        p50, p99 = self.latency_ms.get("p50", 0.0), self.latency_ms.get("p99", 0.0)
        text = (
            f"{self.app:<15} {self.requests_per_s:>9.1f} req/s  p50 {p50:.2f} ms  p99 {p99:.2f} ms"
        )
        if self.non_2xx_3xx:
            text += f"  non-2xx {self.non_2xx_3xx}"
            errors = self.error_statuses or self.failed_statuses
            if errors:
                text += " (" + ", ".join(f"{k}: {v}" for k, v in errors.items()) + ")"
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
    counted = re.search(r"^Statuses:(.*)$", output, re.M)
    return {
        "requests_per_s": float(rps[1]),
        "requests": int(total[1]),
        "latency_ms": latency,
        "non_2xx_3xx": int(non2xx[1]) if non2xx else 0,
        "socket_errors": errors,
        "statuses": (
            {k: int(v) for k, v in re.findall(r"(\d+)=(\d+)", counted[1])} if counted else None
        ),
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
    argv.append(server.base + (ep.path if not ep.script else "/"))
    if ep.writes:  # the Idempotency-Keys' prefix, new for every run
        argv += ["--", secrets.token_hex(8)]
    return argv


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
