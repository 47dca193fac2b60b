"""`make bench`: Inkwell against the reference apps of ../shared/bench, driven by wrk.

Prepares the `inkwell_bench` database (create, migrate, seed once), starts Inkwell
(`inkwell serve --workers 1`, production settings), the same server with its read
cache off (`inkwell-nocache`, READ_CACHE_ENTRIES=0) and the two reference apps on
free loopback ports, runs wrk against each endpoint, app after app, round after
round, prints the table and the issue's targets met or not, and writes
`bench/results/latest.json` and `latest.png`. See bench/README.md.

Quick smoke: `BENCH_SECONDS=2 BENCH_ROUNDS=1 make bench`.
"""

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from inkbench.common import INKWELL, INKWELL_APPS, RAW, REPO, Config, log, parse_args
from inkbench.database import (
    check_money,
    inkwell_env,
    prepare_database,
    read_money,
    viewer_plan,
)
from inkbench.load import (
    PRIMED,
    Endpoint,
    WrkRun,
    conduit_viewer,
    ensure_wrk,
    make_endpoints,
    preflight,
    prime,
    revalidate,
    run_wrk,
)
from inkbench.report import Report, describe_machine, parse_statements
from inkbench.servers import (
    Server,
    http,
    log_in,
    make_servers,
    proc_status_kib,
    reset_peak_rss,
)


def rotated(items: Sequence[str], by: int) -> list[str]:
    by %= len(items)
    return [*items[by:], *items[:by]]


@dataclass
class Bench:
    config: Config
    workdir: Path
    servers: list[Server] = field(default_factory=list)
    # (endpoint, app): the ETag a revalidation sends, from the pre-flight.
    etags: dict[tuple[str, str], str] = field(default_factory=dict)

    @property
    def by_name(self) -> dict[str, Server]:
        return {s.name: s for s in self.servers}

    def run(self) -> int:
        started = time.monotonic()
        config = self.config
        ensure_wrk()
        env = inkwell_env(config)
        dataset = prepare_database(config, env)
        machine = describe_machine(config.dsn)
        money_before = read_money(config.dsn)
        self.start_servers(env)
        inkwell = self.by_name[INKWELL]
        started_login = time.monotonic()
        tokens = [log_in(inkwell, username) for _, username in dataset.accounts]
        took = time.monotonic() - started_login
        log(f"logged in {len(tokens)} demo accounts through {INKWELL} in {took:.1f} s")
        viewer = conduit_viewer(inkwell, tokens[0], *viewer_plan(config.dsn, dataset))
        endpoints = self.select(
            make_endpoints(dataset, list(self.by_name), self.workdir, tokens, viewer)
        )
        checked = preflight(endpoints, self.by_name, tokens)
        self.etags = checked.etags
        warnings = checked.warnings
        for warning in warnings:
            log(f"warning: {warning}")
        # Logging in runs Argon2 (19 MiB a hash): note that peak, then measure the load's own.
        peak_before = {s.name: proc_status_kib(s.pid, "VmHWM") for s in self.servers}
        peak_reset = {s.name: reset_peak_rss(s.pid) for s in self.servers}

        runs = self.measure(endpoints)
        warnings += [
            f"{r.app} {r.endpoint} round {r.round}: {r.not_modified} answers 304 "
            f"of {r.requests} requests"
            for r in runs
            if r.not_modified is not None and r.not_modified < r.requests
        ]

        # After the load: memory of each serving process, Inkwell's statement counts.
        memory = {}
        for s in self.servers:
            during = proc_status_kib(s.pid, "VmHWM")
            before = peak_before[s.name]
            memory[s.name] = {
                "pid": s.pid,
                "peak_rss_kib": max(before or 0, during or 0) or None,
                "peak_rss_load_kib": during if peak_reset[s.name] else None,
                "peak_rss_before_load_kib": before,
                "rss_after_load_kib": proc_status_kib(s.pid, "VmRSS"),
                "rss_idle_kib": s.rss_idle_kib,
            }
        statements = {
            s.name: parse_statements(http("GET", s.base + "/metrics")[2].decode())
            for s in self.servers
            if s.name in INKWELL_APPS
        }
        failing = {r.app for r in runs if r.non_2xx_3xx or r.socket_error_total}
        log_tails = {s.name: s.tail(40) for s in self.servers if s.name in failing}
        self.stop()
        machine["loadavg_end"] = os.getloadavg()
        # Every server stopped: nothing is in flight. Whatever each app wrote, the money
        # must add up (see check_money).
        money = check_money(money_before, read_money(config.dsn))

        report = Report(
            config=config,
            machine=machine,
            dataset=dataset,
            servers=self.servers,
            inkwell_env=env,
            endpoints=endpoints,
            runs=runs,
            memory=memory,
            statements=statements,
            server_timing=checked.server_timing,
            warnings=warnings,
            runtime_s=time.monotonic() - started,
            log_tails=log_tails,
            money=money,
        )
        report.print()
        json_path, png_path = report.write(config.out)
        shown = json_path.relative_to(REPO) if json_path.is_relative_to(REPO) else json_path
        log(f"wrote {shown} and {png_path.name}; total {report.runtime_s / 60:.1f} min")
        if not money["conserved"]:
            log(f"bench failed: {report.money_line}")
            return 1
        return 0

    def start_servers(self, env: dict[str, str]) -> None:
        self.servers = make_servers(self.config, env, self.workdir)
        if RAW not in self.by_name:
            log(f"{self.config.refs} not found: benchmarking Inkwell alone")
        for server in self.servers:
            server.start()
        for server in self.servers:
            server.wait_ready()
            log(f"{server.name} ready on {server.base} (pid {server.pid})")

    def select(self, endpoints: list[Endpoint]) -> list[Endpoint]:
        wanted = self.config.endpoints
        if not wanted:
            return endpoints
        known = [ep.key for ep in endpoints]
        unknown = sorted(set(wanted) - set(known))
        if unknown:
            raise SystemExit(f"unknown endpoints {unknown}; known: {known}")
        return [ep for ep in endpoints if ep.key in wanted]

    def measure(self, endpoints: Sequence[Endpoint]) -> list[WrkRun]:
        """Every document read once (Inkwell's cache primed), warm-up, then every round:
        each endpoint, the apps one after the other (the first app rotating from round to
        round, so none always follows the same one)."""
        config, servers = self.config, self.by_name
        for app in INKWELL_APPS:
            if app in servers:
                for path in PRIMED:
                    started = time.monotonic()
                    pages = prime(servers[app], path)
                    took = time.monotonic() - started
                    log(f"primed {app}: {pages} pages of {path} in {took:.1f} s")
        if config.warmup:
            log(f"warm-up: {config.warmup} s per app and endpoint")
            for ep in endpoints:
                for app in ep.apps:
                    headers = self.headers(ep, app)
                    run_wrk(config, ep, servers[app], config.warmup, self.workdir, 0, headers)
        runs: list[WrkRun] = []
        for round_no in range(1, config.rounds + 1):
            for ep in endpoints:
                for app in rotated(ep.apps, round_no - 1):
                    headers = self.headers(ep, app)
                    run = run_wrk(
                        config, ep, servers[app], config.seconds, self.workdir, round_no, headers
                    )
                    runs.append(run)
                    log(f"[round {round_no}/{config.rounds}] {ep.label:<40} {run.describe()}")
        return runs

    def headers(self, ep: Endpoint, app: str) -> dict[str, str]:
        """A revalidation's `If-None-Match`: the pre-flight's tag, or the page's new one
        if a write since (a transfer renews its authors' versions) changed the page."""
        if not ep.revalidates:
            return {**ep.headers}
        tag = self.etags[ep.key, app]
        current = revalidate(self.by_name[app], ep.path, tag)
        if current != tag:
            log(f"{app} {ep.key}: the page changed since the pre-flight, new ETag {current}")
            self.etags[ep.key, app] = current
        return {"If-None-Match": current}

    def stop(self) -> None:
        for server in self.servers:
            server.stop()


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    def handler(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def main(argv: Sequence[str] | None = None) -> int:
    config = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="inkwell-bench-") as tmp, sigterm_as_interrupt():
        bench = Bench(config, Path(tmp))
        try:
            return bench.run()
        except KeyboardInterrupt:
            log("interrupted: stopping the servers")
            return 130
        except (RuntimeError, subprocess.CalledProcessError, ValueError) as exc:
            log(f"bench failed: {exc}")
            for server in bench.servers:
                if server.proc is not None and server.proc.poll() is not None:
                    log(f"--- {server.name} log ---\n{server.tail()}")
            return 1
        finally:
            bench.stop()


if __name__ == "__main__":
    sys.exit(main())
