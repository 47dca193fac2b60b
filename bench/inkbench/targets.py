"""The targets of issue 11 against a run's table: met, only the floor met, or not met.

Ratios are of median requests/s (the table's ink/naive and ink/raw), p99 shares of
median p99s, all from one run in which every app was measured side by side.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from inkbench.common import INKWELL, INKWELL_NOCACHE, NAIVE, RAW

READS = ("posts-20", "posts-100", "post-by-id", "user-by-id")
REVALIDATIONS = ("posts-20-304",)  # reported: req/s and CPU ms/request
P99_SHARE = 0.5  # Inkwell's p99 at most half of naive's, on every endpoint naive serves
PEAK_RSS_MIB = 150.0  # Inkwell's serving process, its read cache full at the default size


@dataclass(frozen=True)
class Ratio:
    endpoint: str
    app: str
    ref: str
    target: float
    floor: float | None = None


RATIOS = (
    Ratio("posts-20", INKWELL, NAIVE, 3.0, 2.5),
    Ratio("posts-100", INKWELL, NAIVE, 3.0, 2.5),
    Ratio("post-by-id", INKWELL, NAIVE, 3.0, 2.5),
    Ratio("user-by-id", INKWELL, NAIVE, 1.5, 1.2),
    Ratio("posts-20", INKWELL, RAW, 0.3, 0.25),
    *(Ratio(endpoint, INKWELL_NOCACHE, NAIVE, 1.0) for endpoint in READS),
)


def _status(value: float | None, met: bool, floor_met: bool = False) -> str:
    if value is None:
        return "not measured"
    return "met" if met else "floor met" if floor_met else "not met"


def check_targets(
    rows: Sequence[dict[str, Any]], memory: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    """One entry per target: what is compared, the value, the bound and the status."""
    by_key = {(row["endpoint"], row["app"]): row for row in rows}
    found: list[dict[str, Any]] = []
    for r in RATIOS:
        value = by_key.get((r.endpoint, r.app), {}).get(f"{r.app}/{r.ref}")
        bound = f">= {r.target}x" + (f" (floor {r.floor}x)" if r.floor else "")
        found.append(
            {
                "endpoint": r.endpoint,
                "what": f"{r.app}/{r.ref} req/s",
                "value": value,
                "target": bound,
                "status": _status(
                    value,
                    value is not None and value >= r.target,
                    value is not None and r.floor is not None and value >= r.floor,
                ),
            }
        )
    for (endpoint, app), row in by_key.items():
        naive = by_key.get((endpoint, NAIVE))
        if app != INKWELL or naive is None or not naive["p99_ms"]:
            continue
        share = round(row["p99_ms"] / naive["p99_ms"], 3)
        found.append(
            {
                "endpoint": endpoint,
                "what": f"{INKWELL} p99 / {NAIVE} p99",
                "value": share,
                "target": f"<= {P99_SHARE}",
                "status": _status(share, share <= P99_SHARE),
            }
        )
    peak_kib = memory.get(INKWELL, {}).get("peak_rss_kib")
    peak = None if peak_kib is None else round(peak_kib / 1024, 1)
    found.append(
        {
            "endpoint": "all",
            "what": f"{INKWELL} peak RSS MiB",
            "value": peak,
            "target": f"< {PEAK_RSS_MIB:.0f}",
            "status": _status(peak, peak is not None and peak < PEAK_RSS_MIB),
        }
    )
    return found


def revalidation_lines(rows: Sequence[dict[str, Any]]) -> list[str]:
    """The conditional GETs, reported without a target: req/s and CPU ms/request."""
    lines = []
    for row in rows:
        if row["endpoint"] in REVALIDATIONS:
            cpu = row["cpu_ms_per_request"]
            lines.append(
                f"  {row['endpoint']:<13} {row['app']:<28} {row['median_rps']:>9.1f} req/s, "
                f"CPU {'?' if cpu is None else f'{cpu:.3f}'} ms/request (report)"
            )
    return lines


def format_targets(targets: Sequence[dict[str, Any]], rows: Sequence[dict[str, Any]]) -> str:
    lines = ["targets of issue 11 (ratios of median req/s, shares of median p99):"]
    for t in targets:
        value = t["value"]
        shown = "-" if value is None else f"{value:.2f}" + ("x" if "req/s" in t["what"] else "")
        lines.append(
            f"  {t['endpoint']:<13} {t['what']:<28} {shown:>9}  {t['target']:<22} {t['status']}"
        )
    lines += revalidation_lines(rows)
    counts = {
        s: sum(t["status"] == s for t in targets)
        for s in ("met", "floor met", "not met", "not measured")
    }
    lines.append(
        f"targets: {counts['met']} met, {counts['floor met']} only at the floor, "
        f"{counts['not met']} not met, {counts['not measured']} not measured, of {len(targets)}"
    )
    return "\n".join(lines)
