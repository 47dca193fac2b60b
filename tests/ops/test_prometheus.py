"""deploy/prometheus and deploy/grafana: promtool accepts the scrape configuration and the
alert rules and proves the rules with their unit tests, and the rules and the dashboard
query only metrics the app exports at /metrics.

promtool (Debian's prometheus package, installed by .ci/run) is required: without it
these tests fail rather than skip."""

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from httpx import AsyncClient
from prometheus_client.parser import text_string_to_metric_families

from tests.factories import make_user
from tests.servers import ROOT

PROMETHEUS = ROOT / "deploy" / "prometheus"
DASHBOARD = ROOT / "deploy" / "grafana" / "inkwell.json"
# Where prometheus.yml reads METRICS_TOKEN from (README: Observe).
TOKEN_FILE = "/run/secrets/inkwell-metrics-token"
METRICS_TOKEN = "p" * 40
# Series Prometheus makes itself, not the app.
PROMETHEUS_SERIES = frozenset({"up"})

_FAMILY_SERIES = {
    "counter": ("_total", "_created"),
    "histogram": ("_bucket", "_sum", "_count", "_created"),
    "summary": ("", "_sum", "_count", "_created"),
    "gauge": ("",),
    "info": ("_info",),
}
_PROMQL_NOISE = [
    re.compile(r'"(?:\\.|[^"\\])*"'),  # strings, so `route="/metrics"` names nothing
    re.compile(r"\{[^}]*\}"),  # label matchers
    re.compile(r"\[[^\]]*\]"),  # ranges
    re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)"),
]
# A whole word (not the `m` of `5m`), not a function's name.
_IDENTIFIER = re.compile(r"(?<![\w:.])[A-Za-z_:][\w:]*(?![\w:]|\s*\()")
_KEYWORDS = frozenset(
    {"and", "or", "unless", "bool", "offset", "group_left", "group_right", "inf", "nan"}
)


def promtool(*args: str | Path) -> str:
    """promtool's output; the test fails, showing it, unless promtool exits 0."""
    executable = shutil.which("promtool")
    assert executable, "promtool is missing: install Debian's `prometheus` package"
    result = subprocess.run(  # noqa: S603 (our own arguments)
        [executable, *map(str, args)], capture_output=True, text=True, timeout=60, check=False
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    return output


def metric_names(expr: str) -> set[str]:
    """The metrics a PromQL expression selects (not its functions, labels or keywords)."""
    for noise in _PROMQL_NOISE:
        expr = noise.sub(" ", expr)
    return {name for name in _IDENTIFIER.findall(expr) if name.lower() not in _KEYWORDS}


def alert_rules() -> list[dict[str, Any]]:
    groups = yaml.safe_load((PROMETHEUS / "alerts.yml").read_text())["groups"]
    return [rule for group in groups for rule in group["rules"]]


def dashboard_queries() -> list[str]:
    """Every PromQL query of the dashboard: its panels' and its variables'."""
    dashboard = json.loads(DASHBOARD.read_text())
    queries = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    for variable in dashboard["templating"]["list"]:
        if variable["type"] == "query":
            # Grafana's `label_values(<selector>, <label>)`: the selector is PromQL.
            selector = re.fullmatch(r"label_values\((.+),\s*\w+\)", variable["query"]["query"])
            assert selector, variable
            queries.append(selector.group(1))
    return queries


def as_promql(query: str) -> str:
    """A dashboard query with Grafana's variables given values, as Grafana would."""
    return query.replace("$__rate_interval", "1m").replace("$job", ".+").replace("$instance", ".+")


def test_promtool_accepts_the_scrape_configuration(tmp_path: Path) -> None:
    """Checked as it is but for the token file's path: promtool wants the file to exist."""
    config = (PROMETHEUS / "prometheus.yml").read_text()
    job = yaml.safe_load(config)["scrape_configs"][0]
    assert job["metrics_path"] == "/metrics"
    assert job["authorization"] == {"type": "Bearer", "credentials_file": TOKEN_FILE}
    token = tmp_path / "token"
    token.write_text(METRICS_TOKEN)
    (tmp_path / "prometheus.yml").write_text(config.replace(TOKEN_FILE, str(token)))
    shutil.copy(PROMETHEUS / "alerts.yml", tmp_path)
    output = promtool("check", "config", "--lint=all", "--lint-fatal", tmp_path / "prometheus.yml")
    assert f"SUCCESS: {len(alert_rules())} rules found" in output


def test_promtool_accepts_the_alert_rules() -> None:
    output = promtool("check", "rules", "--lint=all", "--lint-fatal", PROMETHEUS / "alerts.yml")
    assert f"SUCCESS: {len(alert_rules())} rules found" in output


def test_every_alert_is_runbook_ready() -> None:
    for rule in alert_rules():
        assert re.fullmatch(r"\d+m", rule["for"]), rule["alert"]
        assert rule["labels"]["severity"] in {"warning", "critical"}, rule["alert"]
        assert rule["annotations"]["summary"], rule["alert"]
        assert len(rule["annotations"]["description"]) > 100, rule["alert"]


def test_promtool_proves_every_alert_fires_and_stays_quiet() -> None:
    """Each alert's unit tests expect it firing at some time and silent at another."""
    tests = yaml.safe_load((PROMETHEUS / "alerts_test.yml").read_text())["tests"]
    cases = [case for test in tests for case in test["alert_rule_test"]]
    alerts = {rule["alert"] for rule in alert_rules()}
    assert {case["alertname"] for case in cases if case["exp_alerts"]} == alerts
    assert {case["alertname"] for case in cases if not case["exp_alerts"]} == alerts
    assert "SUCCESS" in promtool("test", "rules", PROMETHEUS / "alerts_test.yml")


def test_the_dashboard_is_well_formed() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    variables = {variable["name"]: variable for variable in dashboard["templating"]["list"]}
    assert variables["DS_PROMETHEUS"]["type"] == "datasource"
    panels = dashboard["panels"]
    assert len({panel["id"] for panel in panels}) == len(panels) >= 10
    for panel in panels:
        assert panel["title"], panel
        assert panel["gridPos"]["w"] > 0, panel["title"]
        assert panel["datasource"]["uid"] == "${DS_PROMETHEUS}", panel["title"]
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            assert target["expr"].strip(), panel["title"]
            assert target["refId"], panel["title"]


def test_the_dashboard_queries_are_promql(tmp_path: Path) -> None:
    """promtool parses each query, as the expression of a recording rule."""
    rules = [
        {"record": f"inkwell:dashboard_query_{number}", "expr": as_promql(query)}
        for number, query in enumerate(dashboard_queries())
    ]
    path = tmp_path / "dashboard_queries.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}))
    assert f"SUCCESS: {len(rules)} rules found" in promtool("check", "rules", path)


def test_metric_names_are_read_from_promql() -> None:
    expr = (
        'sum by (job, le) (rate(inkwell_x_bucket{route!~"/health/.+|/metrics"}[5m])) '
        "/ on (job) group_left up > bool 1 and absent(inkwell_y offset 5m)"
    )
    assert metric_names(expr) == {"inkwell_x_bucket", "up", "inkwell_y"}


def exported_series(text: str) -> set[str]:
    """The series names /metrics declares, sampled or not (a labelled metric none of
    whose labels has been seen yet, a replica's before any replica is configured, has
    only its HELP and TYPE lines)."""
    names: set[str] = set()
    for family in text_string_to_metric_families(text):
        names.update(sample.name for sample in family.samples)
        base = family.name.removesuffix("_total") if family.type == "counter" else family.name
        names.update(base + suffix for suffix in _FAMILY_SERIES.get(family.type, ("",)))
    return names


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.settings(metrics_token=METRICS_TOKEN)
async def test_rules_and_dashboard_query_only_exported_metrics(client: AsyncClient) -> None:
    user = await make_user(client)
    assert (await client.get(f"/users/{user['id']}")).status_code == 200
    assert (await client.get("/posts/999999")).status_code == 404
    assert (await client.get("/health/ready")).status_code == 200
    assert (await client.get("/metrics")).status_code == 401
    scrape = await client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert scrape.status_code == 200
    exported = exported_series(scrape.text) | PROMETHEUS_SERIES
    assert "inkwell_http_request_duration_seconds_bucket" in exported
    assert "inkwell_replica_lag_seconds" in exported

    alerted = set().union(*(metric_names(rule["expr"]) for rule in alert_rules()))
    assert alerted - exported == set()
    assert alerted >= {"up", "inkwell_http_requests_total", "inkwell_replica_in_rotation"}
    shown = set().union(*(metric_names(query) for query in dashboard_queries()))
    assert shown - exported == set()
    # And the dashboard shows every metric of the app's own (`_created`: when a series began).
    families = {f.name for f in text_string_to_metric_families(scrape.text)}
    unshown = {
        family
        for family in families
        if family.startswith("inkwell_")
        and not family.endswith("_created")
        and not any(name.startswith(family) for name in shown)
    }
    assert unshown == set()
