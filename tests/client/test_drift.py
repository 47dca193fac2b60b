"""The committed models are what the live server's OpenAPI description generates, and the
client's README example runs against a live server."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.client.conftest import Live
from tests.servers import ROOT

pytestmark = pytest.mark.xdist_group("client")
README = ROOT / "clients" / "python" / "README.md"


def _run(args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our venv's Python, fixed arguments
        [sys.executable, *args], cwd=ROOT, capture_output=True, text=True, check=False, env=env
    )


def test_the_committed_models_match_the_live_openapi(live: Live) -> None:
    done = _run(["scripts/client_models.py", "--url", live.url, "--check"])
    assert done.returncode == 0, f"run `make client`:\n{done.stdout}{done.stderr}"


def test_the_readme_example_runs(live: Live, tmp_path: Path) -> None:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.DOTALL)
    assert len(blocks) == 1
    example = tmp_path / "example.py"
    example.write_text(blocks[0])
    done = _run([str(example)], env={**os.environ, "INKWELL_URL": live.url})
    assert done.returncode == 0, done.stdout + done.stderr
    assert "refused: 412 Precondition failed" in done.stdout
    assert "sent 12.50 to user" in done.stdout
    assert "- Hello again" in done.stdout
    assert "credits left: 87.50 of 100.00" in done.stdout
