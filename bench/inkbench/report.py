"""The machine description, the summary table, the issue's targets, the statement counts
and the chart."""

import asyncio
import contextlib
import importlib.metadata
import json
import os
import platform
import statistics
import subprocess
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg

from inkbench.common import (
    CONTENDED_ACCOUNTS,
    DEEP_OFFSET,
    INKWELL,
    INKWELL_APPS,
    INKWELL_NOCACHE,
    NAIVE,
    RAW,
    REPO,
    SEED,
    Config,
    log,
    metric_samples,
)
from inkbench.database import Dataset
from inkbench.load import Endpoint, WrkRun
from inkbench.servers import Server
from inkbench.targets import check_targets, format_targets


def _first(path: str, key: str) -> str | None:
    with contextlib.suppress(OSError):
        for line in Path(path).read_text().splitlines():
            if line.startswith(key):
                return line.split(":", 1)[1].strip()
    return None


def _command_line(argv: Sequence[str]) -> str:
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        done = subprocess.run(argv, capture_output=True, text=True, timeout=10)  # noqa: S603
        return (done.stdout or done.stderr).strip().splitlines()[0]
    return "unknown"


async def _postgres_version(dsn: str) -> str:
    conn = await asyncpg.connect(dsn)
    try:
        return str(await conn.fetchval("SELECT version()"))
    finally:
        await conn.close()


def describe_machine(dsn: str) -> dict[str, Any]:
    mem_kib = int((_first("/proc/meminfo", "MemTotal") or "0 kB").split()[0])
    packages = {}
    for name in (
        "fastapi",
        "starlette",
        "pydantic",
        "sqlalchemy",
        "asyncpg",
        "uvicorn",
        "uvloop",
        "httptools",
        "orjson",
    ):
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            packages[name] = importlib.metadata.version(name)
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpu_model": _first("/proc/cpuinfo", "model name") or platform.processor() or "unknown",
        "cpu_cores": os.cpu_count(),
        "cpu_cores_usable": len(os.sched_getaffinity(0)),
        "ram_gib": round(mem_kib / 1024 / 1024, 1),
        "kernel": f"{platform.system()} {platform.release()}",
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "postgresql": asyncio.run(_postgres_version(dsn)),
        "wrk": _command_line(["wrk", "--version"]),
        "inkwell_commit": _command_line(
            ["git", "-C", str(REPO), "describe", "--always", "--dirty"]
        ),
        "packages": packages,
        # Other work on the machine skews the numbers: compare with cpu_cores.
        "loadavg_start": os.getloadavg(),
    }


def summarize(runs: Sequence[WrkRun]) -> dict[str, Any]:
    rps = [r.requests_per_s for r in runs]
    cpu = [r.cpu_ms_per_request for r in runs if r.cpu_ms_per_request is not None]
    return {
        "median_rps": statistics.median(rps),
        "min_rps": min(rps),
        "max_rps": max(rps),
        "p50_ms": statistics.median(r.latency_ms.get("p50", float("nan")) for r in runs),
        "p99_ms": statistics.median(r.latency_ms.get("p99", float("nan")) for r in runs),
        "cpu_ms_per_request": statistics.median(cpu) if cpu else None,
        "requests": sum(r.requests for r in runs),
        "non_2xx_3xx": sum(r.non_2xx_3xx for r in runs),
        "socket_errors": sum(r.socket_error_total for r in runs),
        "error_statuses": dict(sum((Counter(r.error_statuses or {}) for r in runs), Counter())),
        # A write's answers by status (every app's, counted by its wrk script).
        "statuses": (
            dict(sorted(sum((Counter(r.statuses or {}) for r in runs), Counter()).items()))
            if any(r.statuses is not None for r in runs)
            else None
        ),
    }


def build_rows(endpoints: Sequence[Endpoint], runs: Sequence[WrkRun]) -> list[dict[str, Any]]:
    rows = []
    for ep in endpoints:
        summaries = {
            app: summarize([r for r in runs if r.endpoint == ep.key and r.app == app])
            for app in ep.apps
        }
        for app in ep.apps:
            row: dict[str, Any] = {
                "endpoint": ep.key,
                "label": ep.label,
                "app": app,
                **summaries[app],
            }
            if app in INKWELL_APPS:
                for ref in (RAW, NAIVE):
                    if ref in summaries and summaries[ref]["median_rps"]:
                        ratio = summaries[app]["median_rps"] / summaries[ref]["median_rps"]
                        row[f"{app}/{ref}"] = round(ratio, 3)
            rows.append(row)
    return rows


def format_table(rows: Sequence[dict[str, Any]], with_refs: bool) -> str:
    """One line per endpoint and app; the ratios (ink/raw, ink/naive) are those of the
    line's own Inkwell app, with or without its read cache."""
    width = max([8, *(len(row["app"]) for row in rows)])
    head = (
        f"{'endpoint':<40} {'app':<{width}} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'CPU ms/req':>10} {'non-2xx':>8} {'sock err':>8}"
    )
    if with_refs:
        head += f" {'ink/raw':>8} {'ink/naive':>9}"
    lines = [head, "-" * len(head)]
    previous = None
    for row in rows:
        label = row["label"] if row["endpoint"] != previous else ""
        previous = row["endpoint"]
        cpu = row["cpu_ms_per_request"]
        line = (
            f"{label:<40} {row['app']:<{width}} {row['median_rps']:>9.1f} {row['p50_ms']:>8.2f} "
            f"{row['p99_ms']:>8.2f} {'' if cpu is None else f'{cpu:.2f}':>10} "
            f"{row['non_2xx_3xx']:>8} {row['socket_errors']:>8}"
        )
        if with_refs:
            ratios = [row.get(f"{row['app']}/{ref}") for ref in (RAW, NAIVE)]
            line += "".join(
                f" {'' if r is None else f'{r:.2f}x':>{w}}"
                for r, w in zip(ratios, (8, 9), strict=True)
            )
        lines.append(line.rstrip())
    return "\n".join(lines)


def parse_statements(metrics: str) -> dict[str, dict[str, float]]:
    """Mean SQL statements per request per route, from the histogram's _sum and _count."""
    found: dict[str, dict[str, float]] = {}
    for kind in ("sum", "count"):
        for labels, value in metric_samples(metrics, f"inkwell_sql_statements_per_request_{kind}"):
            found.setdefault(labels.get("route", "?"), {})[kind] = value
    for numbers in found.values():
        count = numbers.get("count", 0.0)
        numbers["per_request"] = round(numbers.get("sum", 0.0) / count, 3) if count else 0.0
    return found


def draw_chart(
    path: Path,
    endpoints: Sequence[Endpoint],
    rows: Sequence[dict[str, Any]],
    apps: Sequence[str],
    subtitle: str,
) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    colours = {INKWELL: "#2b6cb0", INKWELL_NOCACHE: "#90cdf4", RAW: "#38a169", NAIVE: "#dd6b20"}
    by_key = {(r["endpoint"], r["app"]): r for r in rows}
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(13, 9), sharex=True)
    width = 0.8 / len(apps)
    for i, app in enumerate(apps):
        xs, rps, low, high, p99 = [], [], [], [], []
        for x, ep in enumerate(endpoints):
            row = by_key.get((ep.key, app))
            if row is None:
                continue
            xs.append(x + (i - (len(apps) - 1) / 2) * width)
            rps.append(row["median_rps"])
            low.append(row["median_rps"] - row["min_rps"])
            high.append(row["max_rps"] - row["median_rps"])
            p99.append(row["p99_ms"])
        bars = top.bar(
            xs, rps, width, yerr=[low, high], capsize=3, label=app, color=colours.get(app)
        )
        top.bar_label(bars, fmt="%.0f", fontsize=7, padding=2)
        bars = bottom.bar(xs, p99, width, label=app, color=colours.get(app))
        bottom.bar_label(bars, fmt="%.0f", fontsize=7, padding=2)
    top.set_ylabel("requests/s (median; whiskers: min-max over rounds)")
    bottom.set_ylabel("p99 latency, ms (median over rounds)")
    top.set_title(f"Inkwell benchmark\n{subtitle}", fontsize=10)
    top.legend()
    bottom.set_xticks(range(len(endpoints)))
    bottom.set_xticklabels(
        [ep.label.replace("?", "\n?", 1).replace(" (", "\n(") for ep in endpoints], fontsize=8
    )
    for axes in (top, bottom):
        axes.grid(axis="y", alpha=0.3)
        axes.set_axisbelow(True)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


@dataclass
class Report:
    """Everything a run measured: printed as a table, written as JSON and as a chart."""

    config: Config
    machine: dict[str, Any]
    dataset: Dataset
    servers: Sequence[Server]
    inkwell_env: dict[str, str]
    endpoints: Sequence[Endpoint]
    runs: Sequence[WrkRun]
    memory: dict[str, dict[str, Any]]
    statements: dict[str, dict[str, dict[str, float]]]  # per Inkwell app, per route
    server_timing: dict[str, str]
    warnings: list[str]
    runtime_s: float
    log_tails: dict[str, str]  # the servers' last log lines, for those with errors
    money: dict[str, Any]  # check_money: credits against grants before and after the load

    @property
    def apps(self) -> list[str]:
        return [s.name for s in self.servers]

    @property
    def rows(self) -> list[dict[str, Any]]:
        return build_rows(self.endpoints, self.runs)

    @property
    def targets(self) -> list[dict[str, Any]]:
        return check_targets(self.rows, self.memory)

    @property
    def errors(self) -> dict[str, dict[str, int]]:
        return {
            app: {
                "non_2xx_3xx": sum(r.non_2xx_3xx for r in self.runs if r.app == app),
                "socket_errors": sum(r.socket_error_total for r in self.runs if r.app == app),
            }
            for app in self.apps
        }

    @property
    def settings_line(self) -> str:
        c = self.config
        return (
            f"median over {c.rounds} round(s) of {c.seconds} s, wrk --threads {c.threads} "
            f"--connections {c.connections} --timeout {c.timeout} --latency"
        )

    def print(self) -> None:
        log("")
        log(f"Inkwell benchmark: {self.settings_line}")
        rows = self.rows
        log(format_table(rows, RAW in self.apps))
        log("")
        log(format_targets(self.targets, rows))
        log("")
        log("peak RSS (VmHWM of the serving process): " + ", ".join(self._peaks()))
        for app, statements in self.statements.items():
            per_route = [f"{r} {n['per_request']:.2f}" for r, n in sorted(statements.items())]
            log(f"{app} SQL statements per request: " + ", ".join(per_route))
        errors = [
            f"{app} non-2xx {e['non_2xx_3xx']}, socket errors {e['socket_errors']}"
            for app, e in self.errors.items()
        ]
        log("errors: " + "; ".join(errors))
        log(self.money_line)
        for app, tail in self.log_tails.items():
            log(f"--- the end of {app}'s log ---\n{tail}\n---")
        start, end = self.machine["loadavg_start"][0], self.machine.get("loadavg_end", (0,))[0]
        cores = self.machine["cpu_cores"]
        log(f"load average at start/end: {start:.2f}/{end:.2f} on {cores} cores")

    @property
    def money_line(self) -> str:
        after = self.money["after"]
        verdict = (
            "conserved" if self.money["conserved"] else "NOT CONSERVED: money was created or lost"
        )
        return (
            f"money: credits of all users {after['credits']}, grants {after['grants']}, "
            f"{after['accounts_off_ledger']} accounts off their ledger: {verdict}; "
            f"this run wrote {self.money['transfer_rows_written']} transfer rows and "
            f"{self.money['posts_written']} posts"
        )

    def _peaks(self) -> list[str]:
        def mib(kib: int | None) -> str:
            return "?" if kib is None else f"{kib / 1024:.1f} MiB"

        return [
            f"{app} {mib(m['peak_rss_kib'])} (under load alone {mib(m['peak_rss_load_kib'])})"
            for app, m in self.memory.items()
        ]

    def as_json(self) -> dict[str, Any]:
        c, d = self.config, self.dataset
        return {
            "machine": self.machine,
            "settings": {
                "wrk": {
                    "threads": c.threads,
                    "connections": c.connections,
                    "timeout": c.timeout,
                    "latency": True,
                    "duration_s": c.seconds,
                    "rounds": c.rounds,
                    "warmup_s": c.warmup,
                    "command": "wrk "
                    + " ".join(c.wrk_flags(c.seconds))
                    + " [--script <endpoint>.lua] <url>",
                    "order": "per round: each endpoint, the apps one after the other, the "
                    "first app rotating from round to round",
                    "statistic": "median over rounds of requests/s, p50 and p99",
                },
                "servers": {s.name: " ".join(s.argv) for s in self.servers},
                "inkwell_env": {
                    "ENVIRONMENT": "production",
                    "LOG_LEVEL": "WARNING",
                    "JWT_SECRET": "<random 64 hex>",
                    "ACCESS_TOKEN_MINUTES": self.inkwell_env["ACCESS_TOKEN_MINUTES"],
                    "DATABASE_URL": self.inkwell_env["DATABASE_URL"],
                },
                # What differs between Inkwell's apps (unset: the setting's default).
                "read_cache_entries": {
                    s.name: s.env.get("READ_CACHE_ENTRIES", "default")
                    for s in self.servers
                    if s.name in INKWELL_APPS
                },
            },
            "dataset": {
                "database": c.database,
                "users": d.users,
                "posts": d.posts,
                "published_posts": d.published,
                "tags": d.tags,
                "seed": SEED,
                "seeded_this_run": d.seeded_now,
                "deep_offset": DEEP_OFFSET,
                "transfer_accounts": [i for i, _ in d.accounts],
                "contended_accounts": [i for i, _ in d.accounts[:CONTENDED_ACCOUNTS]],
                "post_tags": d.tag_names,
            },
            "endpoints": {ep.key: ep.label for ep in self.endpoints},
            "table": self.rows,
            "errors": self.errors,
            "memory": self.memory,
            "sql_statements_per_request": self.statements.get(INKWELL, {}),
            "sql_statements_per_request_by_app": self.statements,
            "targets": self.targets,
            "server_timing_sample": self.server_timing,
            "warnings": self.warnings,
            "money": self.money,
            "log_tails": self.log_tails,
            "runs": [vars(r) for r in self.runs],
            "runtime_s": round(self.runtime_s, 1),
            "table_text": format_table(self.rows, RAW in self.apps),
        }

    def write(self, out: Path) -> tuple[Path, Path]:
        out.mkdir(parents=True, exist_ok=True)
        json_path, png_path = out / "latest.json", out / "latest.png"
        json_path.write_text(json.dumps(self.as_json(), indent=2, default=str) + "\n")
        subtitle = (
            f"{self.settings_line}; {self.machine['cpu_cores']} cores, "
            f"{self.machine['cpu_model']}, {self.machine['date']}"
        )
        draw_chart(png_path, self.endpoints, self.rows, self.apps, subtitle)
        return json_path, png_path
