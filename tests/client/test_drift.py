"""The committed models are what the live server's OpenAPI description generates, every
field a request can send is an argument of its call, and the client's README example runs
against a live server."""

import inspect
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from inkwell_client.models import PostCreate, PostUpdate, TransferCreate, UserCreate, UserUpdate
from inkwell_client.resources import Posts, Transfers, Users
from pydantic import BaseModel

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


@pytest.mark.parametrize(
    ("call", "body"),
    [
        (Users.create, UserCreate),
        (Users.update, UserUpdate),
        (Posts.create, PostCreate),
        (Posts.update, PostUpdate),
        (Transfers.create, TransferCreate),
    ],
)
def test_every_field_of_a_request_is_an_argument(
    call: Callable[..., Any], body: type[BaseModel]
) -> None:
    """After `make client`, a field the API added to a request body fails here until its
    call takes it as a keyword argument (resources.py)."""
    assert set(body.model_fields) <= set(inspect.signature(call).parameters)


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
