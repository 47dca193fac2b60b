"""Structured logs: one JSON line per request, errors with tracebacks, no secrets."""

import io
import json
import logging
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import event
from sqlalchemy.orm import Session

from inkwell.core.ops.logging import redact
from tests.factories import make_account, user_payload
from tests.support import api_client


def _records(buffer: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines() if line.startswith("{")]


async def test_one_line_per_request(client: AsyncClient, log_lines: io.StringIO) -> None:
    response = await client.get("/users/", headers={"X-Request-ID": "req-123"})
    lines = [r for r in _records(log_lines) if r.get("event") == "request"]
    assert len(lines) == 1
    line = lines[0]
    assert line["method"] == "GET"
    assert line["route"] == "/users/"
    assert line["status"] == response.status_code == 200
    assert line["request_id"] == "req-123"
    assert line["statements"] == 1
    assert line["duration_ms"] >= 0
    assert line["level"] == "info"
    assert line["timestamp"].endswith("Z")


async def test_secrets_never_reach_the_logs(client: AsyncClient, log_lines: io.StringIO) -> None:
    account = await make_account(client, password="hunter2-very-secret")
    token = account.headers["Authorization"].removeprefix("Bearer ")
    await client.get("/users/me", headers=account.headers)
    logging.getLogger("inkwell.test").info(
        "debugging %s", f"Authorization: Bearer {token}", extra={"password": "hunter2"}
    )
    text = log_lines.getvalue()
    assert text
    assert "hunter2" not in text
    assert token not in text
    assert "$argon2" not in text
    assert "[redacted]" in text


@pytest.mark.parametrize(
    "error",
    [
        RuntimeError("boom at commit"),
        # Not the database's: a missing file or a timeout of something else is a bug
        # of ours (500, traceback logged), not an outage (503).
        FileNotFoundError("boom at commit: missing.cfg"),
        TimeoutError("boom at commit: a timeout elsewhere"),
    ],
    ids=lambda error: type(error).__name__,
)
async def test_errors_are_logged_with_traceback(
    app: FastAPI, log_lines: io.StringIO, error: Exception
) -> None:
    def fail(_session: Session) -> None:
        raise error

    event.listen(Session, "before_commit", fail)
    try:
        async with api_client(app, raise_app_exceptions=False) as client:
            # A write: reads have no commit (their snapshot is read only).
            response = await client.post(
                "/users/", json=user_payload(), headers={"X-Request-ID": "err-1"}
            )
    finally:
        event.remove(Session, "before_commit", fail)
    assert response.status_code == 500
    assert response.headers["x-request-id"] == "err-1"
    assert "boom" not in response.text
    errors = [r for r in _records(log_lines) if r["level"] == "error"]
    assert errors
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["title"] == "Internal server error"
    line = f"{type(error).__name__}: {error}"
    assert any(line in r.get("exception", "") for r in errors), errors
    assert all(r.get("request_id") == "err-1" for r in errors), errors


def test_redact_masks_secret_fields_and_shapes() -> None:
    event_dict = {
        "event": "login with password=abc&user=x",
        "token": "anything",
        "header": "Bearer abc.def.ghi",
        "note": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig",
        "color_message": "dup",
    }
    out = redact(None, "info", event_dict)
    assert out == {
        "event": "login with password=[redacted]&user=x",
        "token": "[redacted]",
        "header": "Bearer [redacted]",
        "note": "[redacted-jwt]",
    }
