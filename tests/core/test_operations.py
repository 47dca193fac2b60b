"""Health probes, metrics, request ids, Server-Timing, security headers, CORS, body limit."""

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from pydantic import SecretStr
from sqlalchemy import text

from inkwell.core.ops import metrics
from inkwell.main import create_app
from tests.factories import assert_problem, make_user, user_payload
from tests.support import api_client, make_settings


async def _client_for(app: FastAPI) -> AsyncIterator[AsyncClient]:
    async with (
        app.router.lifespan_context(app),
        api_client(app) as client,
    ):
        yield client


async def test_liveness_and_readiness(client: AsyncClient) -> None:
    assert (await client.get("/health/live")).json() == {"status": "ok"}
    ready = await client.get("/health/ready")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ready"


async def test_unmigrated_database_is_not_ready(tmp_path: Path) -> None:
    app = create_app(make_settings(f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"))
    async for client in _client_for(app):
        response = await client.get("/health/ready")
        body = assert_problem(response, 503)
        assert "inkwell migrate" in body["detail"]
        assert response.headers["retry-after"]
        assert (await client.get("/health/live")).status_code == 200


async def test_a_database_migrated_by_a_newer_release_stays_ready(
    app: FastAPI, client: AsyncClient
) -> None:
    """A rolling update: the new release migrated the database (a revision this build
    does not know); the instances of this one keep serving. A database behind this
    build's head is not ready."""
    known = sorted(app.state.known_revisions - {app.state.head_revision})[0]
    for revision, status in (("f00dfacef00d", 200), (known, 503), (app.state.head_revision, 200)):
        async with app.state.engine.begin() as conn:
            await conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": revision})
        ready = await client.get("/health/ready")
        assert ready.status_code == status, (revision, ready.text)
        if status == 200:
            assert ready.json()["revision"] == revision
        else:
            assert f"expected {app.state.head_revision}" in ready.json()["detail"]
    ready = await client.get("/health/ready")
    assert "schema" not in ready.json()


async def test_unreachable_database_is_503_not_500() -> None:
    url = "postgresql+asyncpg://postgres@127.0.0.1:9/nowhere"
    app = create_app(make_settings(url, db_connect_timeout=2))
    async for client in _client_for(app):
        assert_problem(await client.get("/health/ready"), 503)
        response = await client.get("/users/")
        body = assert_problem(response, 503)
        assert response.headers["retry-after"] == "1"
        assert "Traceback" not in response.text
        assert "asyncpg" not in body["detail"]
        assert (await client.get("/health/live")).status_code == 200


async def test_metrics_count_requests_by_route_template(client: AsyncClient) -> None:
    user = await make_user(client)
    await client.get(f"/users/{user['id']}")
    text = (await client.get("/metrics")).text
    assert re.search(
        r'inkwell_http_requests_total\{method="GET",route="/users/\{user_id\}",status="200"\} '
        r"[1-9]",
        text,
    )
    assert 'inkwell_sql_statements_per_request_bucket{le="1.0",route="/users/{user_id}"}' in text
    assert "inkwell_http_request_duration_seconds_bucket" in text
    assert "inkwell_db_pool_checked_out" in text


METRICS_TOKEN = "m" * 40


async def test_metrics_want_the_token_when_one_is_set(db_url: str) -> None:
    app = create_app(make_settings(db_url, metrics_token=METRICS_TOKEN))
    async for client in _client_for(app):
        refused: list[dict[str, str]] = [
            {},
            {"Authorization": f"Bearer {METRICS_TOKEN[:-1]}"},
            {"Authorization": f"Bearer {METRICS_TOKEN}x"},
            {"Authorization": f"Token {METRICS_TOKEN}"},
            {"Authorization": METRICS_TOKEN},
            {"Authorization": "Bearer "},
        ]
        for headers in refused:
            response = await client.get("/metrics", headers=headers)
            assert_problem(response, 401)
            assert response.headers["www-authenticate"].startswith("Bearer"), headers
            assert "inkwell_http_requests_total" not in response.text
        for scheme in ("Bearer", "bearer"):
            ok = await client.get(
                "/metrics", headers={"Authorization": f"{scheme} {METRICS_TOKEN}"}
            )
            assert ok.status_code == 200
            assert "inkwell_http_requests_total" in ok.text


async def test_production_metrics_are_closed_without_a_token(db_url: str) -> None:
    production = make_settings(db_url).model_copy(
        update={"environment": "production", "jwt_secret": SecretStr("s" * 32)}
    )
    async for client in _client_for(create_app(production)):
        body = assert_problem(await client.get("/metrics"), 403)
        assert "METRICS_TOKEN" in body["detail"]
        assert (await client.get("/health/live")).status_code == 200
    public = production.model_copy(update={"metrics_public": True})
    async for client in _client_for(create_app(public)):
        assert (await client.get("/metrics")).status_code == 200
    token = production.model_copy(update={"metrics_token": SecretStr(METRICS_TOKEN)})
    async for client in _client_for(create_app(token)):
        assert_problem(await client.get("/metrics"), 401)
        authorized = {"Authorization": f"Bearer {METRICS_TOKEN}"}
        assert (await client.get("/metrics", headers=authorized)).status_code == 200


async def test_metric_series_are_looked_up_once_per_route_and_status(
    client: AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A request adds to its series without looking them up again (`labels()` locks)."""
    user = await make_user(client)
    calls: list[tuple[str, ...]] = []
    labels = metrics.REQUESTS.labels

    def counted(*values: str) -> Any:
        calls.append(values)
        return labels(*values)

    monkeypatch.setattr(metrics.REQUESTS, "labels", counted)
    for _ in range(3):
        assert (await client.get(f"/users/{user['id']}")).status_code == 200
    assert calls.count(("GET", "/users/{user_id}", "200")) <= 1


async def test_a_collection_without_its_slash_is_its_documented_route(
    client: AsyncClient,
) -> None:
    """`/tags` and `/users/1/posts` are routed as `/tags/` and `/users/{user_id}/posts/`
    (each route registered once), so metrics count them under the documented template."""
    assert (await client.get("/tags")).status_code == 200
    assert_problem(await client.post("/users/1/posts", json={}), 401)
    text = (await client.get("/metrics")).text
    assert 'route="/tags"' not in text
    assert 'route="/users/{user_id}/posts"' not in text
    for template, status in (("/tags/", "GET.*200"), ("/users/{user_id}/posts/", "POST.*401")):
        method, code = status.split(".*")
        assert re.search(
            rf'inkwell_http_requests_total\{{method="{method}",route="{re.escape(template)}",'
            rf'status="{code}"\}} [1-9]',
            text,
        ), template


async def test_request_id_is_generated_or_kept(client: AsyncClient) -> None:
    generated = (await client.get("/users/")).headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", generated)
    kept = await client.get("/users/", headers={"X-Request-ID": "trace-42.a"})
    assert kept.headers["x-request-id"] == "trace-42.a"
    unsafe = await client.get("/users/", headers={"X-Request-ID": 'a b"<script>'})
    assert re.fullmatch(r"[0-9a-f]{32}", unsafe.headers["x-request-id"])


async def test_server_timing_is_off_by_default(client: AsyncClient) -> None:
    """It shows how many statements a read took, and so whether someone else's read had
    filled the cache: nobody sees it unless SERVER_TIMING turns it on."""
    await make_user(client)
    for path in ("/users/", "/users/1", "/health/live", "/nowhere"):
        assert "server-timing" not in (await client.get(path)).headers, path


async def test_cors_exposes_server_timing_only_when_it_is_sent(db_url: str) -> None:
    for on in (False, True):
        settings = make_settings(db_url, cors_origins="https://app.example", server_timing=on)
        async for client in _client_for(create_app(settings)):
            response = await client.get("/health/live", headers={"Origin": "https://app.example"})
            exposed = response.headers["access-control-expose-headers"].split(", ")
            assert ("Server-Timing" in exposed) is on
            assert ("server-timing" in response.headers) is on


@pytest.mark.settings(server_timing=True)
async def test_server_timing_shows_the_statement_count(app: FastAPI, client: AsyncClient) -> None:
    app.state.read_cache.verify = False  # a verified hit is built again: one more statement
    await make_user(client)
    await client.get("/users/")  # caches the user's document (a second statement)
    timing = (await client.get("/users/")).headers["server-timing"]
    assert re.fullmatch(r'db;dur=\d+\.\d, sql;desc="1 statements", total;dur=\d+\.\d', timing), (
        timing
    )
    posts = (await client.get("/posts/?limit=100")).headers["server-timing"]
    assert 'sql;desc="1 statements"' in posts  # no posts: the selectin loads never run


async def test_security_headers(client: AsyncClient) -> None:
    for path in ("/users/", "/nowhere", "/docs"):
        headers = (await client.get(path)).headers
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
    api = (await client.get("/users/")).headers["content-security-policy"]
    docs = (await client.get("/docs")).headers["content-security-policy"]
    assert api.startswith("default-src 'none'")
    assert "script-src 'self'" in docs


async def test_cors_is_closed_by_default(client: AsyncClient) -> None:
    preflight = await client.options(
        "/users/",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in preflight.headers
    simple = await client.get("/users/", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in simple.headers


async def test_cors_allows_configured_origins(db_url: str) -> None:
    app = create_app(make_settings(db_url, cors_origins="https://app.example"))
    async for client in _client_for(app):
        allowed = await client.get("/users/", headers={"Origin": "https://app.example"})
        assert allowed.headers["access-control-allow-origin"] == "https://app.example"
        assert "ETag" in allowed.headers["access-control-expose-headers"].split(", ")
        other = await client.get("/users/", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers


async def test_cors_lets_browsers_write_conditionally(db_url: str) -> None:
    """A browser may send If-Match and read the ETag it needs for the next one."""
    app = create_app(make_settings(db_url, cors_origins="https://app.example"))
    async for client in _client_for(app):
        preflight = await client.options(
            "/posts/1",
            headers={
                "Origin": "https://app.example",
                "Access-Control-Request-Method": "PATCH",
                "Access-Control-Request-Headers": "authorization, content-type, if-match",
            },
        )
        assert preflight.status_code == 200
        assert "if-match" in preflight.headers["access-control-allow-headers"].lower()
        simple = await client.get("/users/", headers={"Origin": "https://app.example"})
        assert "etag" in simple.headers["access-control-expose-headers"].lower()


async def test_declared_oversized_body_is_413(client: AsyncClient) -> None:
    big = b'{"username": "' + b"x" * 1_100_000 + b'"}'
    response = await client.post(
        "/users/", content=big, headers={"content-type": "application/json"}
    )
    assert_problem(response, 413)
    assert (await client.get("/users/")).json() == []


async def test_streamed_oversized_body_is_413(client: AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"username": "'
        for _ in range(20):
            yield b"y" * 100_000

    response = await client.post(
        "/users/", content=chunks(), headers={"content-type": "application/json"}
    )
    assert_problem(response, 413)


async def test_body_limit_is_configurable(db_url: str) -> None:
    app = create_app(make_settings(db_url, max_body_bytes=2048))
    async for client in _client_for(app):
        payload = user_payload(full_name="x" * 100)
        assert (await client.post("/users/", json=payload)).status_code == 201
        too_big = user_payload(password="p" * 3000)
        assert_problem(await client.post("/users/", json=too_big), 413)


@pytest.mark.settings(server_timing=True)
@pytest.mark.parametrize("path", ["/health/live", "/metrics", "/openapi.json"])
async def test_operational_endpoints_do_not_touch_the_database(
    client: AsyncClient, path: str
) -> None:
    response = await client.get(path)
    assert response.status_code == 200
    assert 'sql;desc="0 statements"' in response.headers["server-timing"]
