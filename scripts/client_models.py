"""The Python client's models, generated from Inkwell's OpenAPI document (`make client`).

    python scripts/client_models.py                  # from the app, written to the client
    python scripts/client_models.py --url URL        # from a live server's /openapi.json
    python scripts/client_models.py --url URL --check  # exit 1 when the committed models differ

datamodel-code-generator writes the models; ruff formats them with the client's settings,
so the same document always gives the same file (tests/client/test_drift.py relies on it).
"""

import argparse
import difflib
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
CLIENT = ROOT / "clients" / "python"
MODELS = CLIENT / "src" / "inkwell_client" / "models.py"
BIN = Path(sys.executable).parent
HEADER = '''"""Inkwell's API documents, generated from its OpenAPI description: do not edit.

Refresh with `make client` whenever the API changes (a test fails until you do).
"""'''
OPTIONS = [
    "--input-file-type=openapi",
    "--output-model-type=pydantic_v2.BaseModel",
    "--target-python-version=3.11",
    "--base-class=inkwell_client._base.Model",
    # The client depends on httpx and pydantic alone: no email-validator, no SecretStr.
    "--type-mappings",
    "email=string",
    "password=string",
    "--collapse-root-models",
    "--use-annotated",
    "--field-constraints",
    "--use-standard-collections",
    "--use-union-operator",
    "--use-schema-description",
    "--use-field-description",
    "--disable-timestamp",
    "--no-formatters",
]


def app_document() -> dict[str, Any]:
    """The OpenAPI document of the app in this checkout, built in process."""
    from inkwell.main import create_app

    return create_app().openapi()


def live_document(url: str) -> dict[str, Any]:
    """A live server's /openapi.json (`url` is its base URL or the document's)."""
    if not url.endswith("/openapi.json"):
        url = url.rstrip("/") + "/openapi.json"
    response = httpx.get(url, timeout=10)
    response.raise_for_status()
    document: dict[str, Any] = response.json()
    return document


def generate(document: dict[str, Any]) -> str:
    """The models module that `document` gives."""
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "openapi.json"
        source.write_text(json.dumps(document))
        target = Path(tmp) / "models.py"
        done = subprocess.run(  # noqa: S603 - our venv's generator, fixed arguments
            [
                *(str(BIN / "datamodel-codegen"), "--input", str(source), "--output", str(target)),
                *OPTIONS,
                *("--custom-file-header", HEADER),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise SystemExit(f"datamodel-codegen failed:\n{done.stderr}")
        # The repository's ruff settings (the client's pyproject.toml extends them).
        settings = str(CLIENT / "pyproject.toml")
        for command in (["check", "--fix-only", "--exit-zero"], ["format"]):
            _run([str(BIN / "ruff"), *command, "--quiet", "--config", settings, str(target)])
        return target.read_text()


def _run(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise SystemExit(f"{command[0]} failed:\n{done.stdout}{done.stderr}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a live server's base URL (default: the app, in process)")
    parser.add_argument("--check", action="store_true", help="compare, write nothing")
    args = parser.parse_args(argv)
    document = live_document(args.url) if args.url else app_document()
    generated = generate(document)
    committed = MODELS.read_text() if MODELS.exists() else ""
    if not args.check:
        MODELS.write_text(generated)
        print(f"{MODELS.relative_to(ROOT)}: {'unchanged' if generated == committed else 'written'}")
        return 0
    if generated == committed:
        print(f"{MODELS.relative_to(ROOT)} matches the server's OpenAPI document")
        return 0
    diff = difflib.unified_diff(
        committed.splitlines(keepends=True),
        generated.splitlines(keepends=True),
        "committed",
        "generated",
    )
    sys.stdout.writelines(diff)
    print(f"\n{MODELS.relative_to(ROOT)} is out of date: run `make client` and commit it.")
    return 1


if __name__ == "__main__":
    sys.exit(main())
