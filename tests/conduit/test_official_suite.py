"""The official RealWorld API suite, run by newman against a real `inkwell serve`, on
SQLite and on PostgreSQL, each on an empty database.

The suite is another project's file (gothinkster/realworld, MIT), never committed here:
it is read from `../shared/realworld/` beside the project, or from the folder that
`REALWORLD_DIR` names. Without it the tests are skipped with the reason; with
`REQUIRE_REALWORLD=1` (CI) its absence fails them. Newman itself is ours to pin
(tests/realworld/package.json and its lock).

Newman counts a test script that throws as no failed assertion, so its JSON report is
read: every assertion must pass, no script may fail, and all of them must have run.
"""

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.servers import ROOT, Server, run_program, sqlite_url

RUNNER = ROOT / "tests" / "realworld"
NEWMAN = RUNNER / "node_modules" / ".bin" / "newman"
SUITE = Path(os.environ.get("REALWORLD_DIR") or ROOT.parent / "shared" / "realworld")
COLLECTION = SUITE / "Conduit.postman_collection.json"
# The collection's assertions on an empty database (more run once articles exist).
ASSERTIONS = 311
NEWMAN_TIMEOUT_S = 300


@pytest.fixture
def collection() -> Path:
    """The official collection; a skip (a failure under REQUIRE_REALWORLD=1) without it."""
    if not COLLECTION.is_file():
        reason = (
            f"the official RealWorld suite is not at {COLLECTION}: put gothinkster/realworld's "
            "api/Conduit.postman_collection.json in ../shared/realworld/ beside the project, "
            "or name its folder in REALWORLD_DIR"
        )
        if os.environ.get("REQUIRE_REALWORLD") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return COLLECTION


def _run_newman(collection: Path, api: str, report: Path) -> dict[str, Any]:
    if not NEWMAN.exists():
        pytest.fail(f"newman is not installed in {RUNNER}: run `make newman` (npm ci there)")
    node = shutil.which("node")
    assert node is not None, "Node.js is needed to run newman"
    env = {"PATH": f"{Path(node).parent}:/usr/bin:/bin", "HOME": str(report.parent)}
    command = [str(NEWMAN), "run", str(collection)]
    for name, value in {
        "APIURL": api,
        "USERNAME": "inkwell_suite",
        "EMAIL": "inkwell_suite@example.com",
        "PASSWORD": "password",
    }.items():
        command += ["--global-var", f"{name}={value}"]
    command += ["--reporters", "cli,json", "--reporter-json-export", str(report), "--color", "off"]
    done = run_program(command, env, cwd=RUNNER, timeout=NEWMAN_TIMEOUT_S)
    assert report.exists(), f"newman wrote no report:\n{done.stdout}\n{done.stderr}"
    run: dict[str, Any] = json.loads(report.read_text())["run"]
    run["output"] = done.stdout + done.stderr
    return run


def _failures(run: dict[str, Any]) -> list[str]:
    """Failed assertions and script errors, named after their request."""
    found = []
    for failure in run["failures"]:
        error = failure.get("error", {})
        source = failure.get("source", {}).get("name", "?")
        found.append(f"{source}: {error.get('name')}: {error.get('test') or error.get('message')}")
    for execution in run["executions"]:
        name = execution.get("item", {}).get("name", "?")
        for script in execution.get("testScript", []) + execution.get("prerequestScript", []):
            if script.get("error"):
                found.append(f"{name}: script error: {script['error'].get('message')}")
    return found


def _check(collection: Path, server: Server, tmp_path: Path) -> None:
    run = _run_newman(collection, f"{server.url}/api", tmp_path / "newman.json")
    failures = _failures(run)
    assert not failures, "\n".join([*failures, run["output"][-4000:], server.logs()[-4000:]])
    assertions = run["stats"]["assertions"]
    assert assertions == {"total": ASSERTIONS, "pending": 0, "failed": 0}, run["output"]
    assert run["stats"]["testScripts"]["failed"] == 0
    assert run["stats"]["requests"] == {"total": 32, "pending": 0, "failed": 0}


def test_official_suite_on_sqlite(
    collection: Path, serve: Callable[..., Server], tmp_path: Path
) -> None:
    _check(collection, serve(sqlite_url(tmp_path / "conduit.db")), tmp_path)


def test_official_suite_on_postgres(
    collection: Path, serve: Callable[..., Server], postgres_database: str, tmp_path: Path
) -> None:
    _check(collection, serve(postgres_database), tmp_path)
