"""The client is typed for its users: `mypy --strict` on code that uses it, as installed."""

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import inkwell_client
import pytest

from tests.client import typed_example
from tests.client.conftest import PASSWORD, MemberFactory

pytestmark = pytest.mark.xdist_group("client")
EXAMPLE = Path(typed_example.__file__)


def test_code_using_the_client_passes_mypy_strict(tmp_path: Path) -> None:
    package = Path(inkwell_client.__file__).parent
    assert (package / "py.typed").exists()
    env = {"MYPY_CACHE_DIR": str(tmp_path / "mypy")}
    # As installed (site-packages), mypy finds it by py.typed; from a source tree, by path.
    if "site-packages" not in package.parts:
        env["MYPYPATH"] = str(package.parent)
    done = subprocess.run(  # noqa: S603 - our venv's mypy, fixed arguments
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(EXAMPLE)],
        cwd=tmp_path,  # not the repository's mypy settings: a user's defaults
        env={**env, "PATH": str(Path(sys.executable).parent)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


async def test_the_typed_example_runs(member: MemberFactory) -> None:
    ada = await member()
    bob = await member()
    result = await typed_example.run(ada.client.base_url, ada.user.username, PASSWORD, bob.id)
    assert result["sent"] == "1.25"
    assert result["credits"] == Decimal("98.75")
    assert result["status"] == 404
    assert "Typed, again" in result["titles"]  # type: ignore[operator]
    assert result["etag"]
