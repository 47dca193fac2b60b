"""OpenTelemetry traces (core.ops.tracing), exported to a real OTLP/HTTP receiver: the
spans of a request, what they never carry, and nothing at all when tracing is off."""

import io
import json
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span

from inkwell.core.config import Settings
from inkwell.main import create_app
from tests.factories import make_account, make_post
from tests.support import api_client, empty_postgres_tables

_OTEL_VARIABLES = (
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    "OTEL_SDK_DISABLED",
    "OTEL_TRACES_EXPORTER",
    "OTEL_TRACES_SAMPLER",
    "OTEL_EXPORTER_OTLP_PROTOCOL",
    "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
    "OTEL_SERVICE_NAME",
    "OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_REQUEST",
)


@dataclass
class Receiver:
    """An OTLP/HTTP collector of our own: what was POSTed to /v1/traces, decoded."""

    endpoint: str
    requests: list[ExportTraceServiceRequest] = field(default_factory=list)

    def spans(self) -> list[Span]:
        return [
            span
            for request in self.requests
            for resource in request.resource_spans
            for scope in resource.scope_spans
            for span in scope.spans
        ]

    def resources(self) -> list[dict[str, Any]]:
        return [attributes(r.resource.attributes) for q in self.requests for r in q.resource_spans]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    exports: list[ExportTraceServiceRequest] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            ok = self.path == "/v1/traces"
            if ok:
                exports.append(ExportTraceServiceRequest.FromString(body))
            self.send_response(200 if ok else 404)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Receiver(f"http://127.0.0.1:{server.server_address[1]}", exports)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def otel_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No OTEL variable but those the test sets."""
    for name in _OTEL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.fixture
async def app(
    settings: Settings, receiver: Receiver, otel_env: pytest.MonkeyPatch
) -> AsyncIterator[FastAPI]:
    """The app with traces exported to `receiver`, every request sampled."""
    otel_env.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint)
    otel_env.setenv("OTEL_SERVICE_NAME", "inkwell-test")
    otel_env.setenv("OTEL_TRACES_SAMPLER", "parentbased_always_on")
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        if app.state.engine.dialect.name == "postgresql":
            await empty_postgres_tables(app.state.engine)
        yield app


def attributes(values: Any) -> dict[str, Any]:
    def value(v: AnyValue) -> Any:
        kind = v.WhichOneof("value")
        if kind == "array_value":
            return [value(item) for item in v.array_value.values]
        return getattr(v, kind) if kind else None

    return {kv.key: value(kv.value) for kv in values}


def exported(app: FastAPI, receiver: Receiver) -> list[Span]:
    """Every span the app ended so far, as the receiver decoded them."""
    assert app.state.tracing.provider.force_flush(timeout_millis=10_000)
    return receiver.spans()


def server_span(spans: list[Span], name: str) -> Span:
    found = [s for s in spans if s.kind == Span.SPAN_KIND_SERVER and s.name == name]
    assert len(found) == 1, [s.name for s in spans]
    return found[0]


def children(spans: list[Span], parent: Span) -> list[Span]:
    return [
        s for s in spans if s.trace_id == parent.trace_id and s.parent_span_id == parent.span_id
    ]


async def test_a_request_is_a_span_with_its_statements(
    app: FastAPI, client: AsyncClient, receiver: Receiver
) -> None:
    account = await make_account(client)
    post = await make_post(client, account)
    response = await client.get(f"/posts/{post['id']}", headers=account.headers)
    assert response.status_code == 200
    spans = exported(app, receiver)

    request = server_span(spans, "GET /posts/{post_id}")
    attrs = attributes(request.attributes)
    assert attrs["http.route"] == "/posts/{post_id}"
    assert attrs["http.status_code"] == 200
    # The read statement, then the document built from its own statements.
    direct = children(spans, request)
    assert [s.name for s in direct if s.kind != Span.SPAN_KIND_CLIENT] == ["documents build"]
    statements = [s for s in direct if s.kind == Span.SPAN_KIND_CLIENT]
    statements += children(spans, next(s for s in direct if s.name == "documents build"))
    dialect = app.state.engine.dialect.name
    assert [attributes(s.attributes)["db.system"] for s in statements] == [dialect] * len(
        statements
    )
    texts = [attributes(s.attributes)["db.statement"] for s in statements]
    assert sum("FROM posts" in text for text in texts) >= 2, texts
    assert all(r["service.name"] == "inkwell-test" for r in receiver.resources())


async def test_password_hashing_is_a_span_of_its_request(
    app: FastAPI, client: AsyncClient, receiver: Receiver
) -> None:
    await make_account(client)  # registers, then logs in
    spans = exported(app, receiver)
    register = server_span(spans, "POST /users/")
    assert [s.name for s in children(spans, register) if s.name.startswith("password")] == [
        "password hash"
    ]
    login = server_span(spans, "POST /auth/token")
    assert [s.name for s in children(spans, login) if s.name.startswith("password")] == [
        "password verify"
    ]


@pytest.mark.counts_statements  # READ_CACHE_VERIFY off: a hit is not rebuilt
async def test_a_cache_miss_is_a_span_with_its_statements(
    app: FastAPI, client: AsyncClient, receiver: Receiver
) -> None:
    account = await make_account(client)
    post = await make_post(client, account, published=True)
    for _ in range(2):
        assert (await client.get(f"/posts/{post['id']}")).status_code == 200
    spans = exported(app, receiver)
    missed, hit = sorted(
        (s for s in spans if s.name == "GET /posts/{post_id}"), key=lambda s: s.start_time_unix_nano
    )
    (build,) = [s for s in children(spans, missed) if s.name == "documents build"]
    assert attributes(build.attributes) == {
        "inkwell.documents.kind": "post",
        "inkwell.documents.count": 1,
    }
    assert [s.kind for s in children(spans, build)] == [Span.SPAN_KIND_CLIENT] * len(
        children(spans, build)
    )
    assert children(spans, build)
    assert [s.name for s in children(spans, hit) if s.name == "documents build"] == []


async def test_a_collection_span_is_named_after_its_route(
    app: FastAPI, client: AsyncClient, receiver: Receiver
) -> None:
    # Sent without the trailing slash the route has: the middleware adds it.
    assert (await client.get("/users")).status_code == 200
    request = server_span(exported(app, receiver), "GET /users/")
    assert attributes(request.attributes)["http.route"] == "/users/"


async def test_an_error_is_a_span_with_its_status(
    app: FastAPI, client: AsyncClient, receiver: Receiver
) -> None:
    assert (await client.get("/posts/999999")).status_code == 404
    request = server_span(exported(app, receiver), "GET /posts/{post_id}")
    assert attributes(request.attributes)["http.status_code"] == 404


async def test_health_and_metrics_are_not_traced(
    app: FastAPI, client: AsyncClient, receiver: Receiver
) -> None:
    assert (await client.get("/health/live")).status_code == 200
    assert (await client.get("/metrics")).status_code == 200
    assert not [s for s in exported(app, receiver) if s.kind == Span.SPAN_KIND_SERVER]


async def test_an_incoming_traceparent_is_continued(
    app: FastAPI, client: AsyncClient, receiver: Receiver
) -> None:
    trace_id, parent_id = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
    response = await client.get("/users/", headers={"traceparent": f"00-{trace_id}-{parent_id}-01"})
    assert response.status_code == 200
    spans = exported(app, receiver)
    request = server_span(spans, "GET /users/")
    assert request.trace_id.hex() == trace_id
    assert request.parent_span_id.hex() == parent_id
    assert children(spans, request)


async def test_the_request_id_and_log_lines_carry_the_trace_id(
    app: FastAPI, client: AsyncClient, receiver: Receiver, log_lines: io.StringIO
) -> None:
    response = await client.get("/users/")
    spans = exported(app, receiver)
    request = server_span(spans, "GET /users/")
    trace_id = request.trace_id.hex()
    assert response.headers["x-request-id"] == trace_id
    records = [json.loads(line) for line in log_lines.getvalue().splitlines()]
    (line,) = [r for r in records if r.get("event") == "request"]
    assert line["request_id"] == line["trace_id"] == trace_id
    assert line["span_id"] == request.span_id.hex()


async def test_a_request_id_of_the_client_is_kept_and_recorded(
    app: FastAPI, client: AsyncClient, receiver: Receiver, log_lines: io.StringIO
) -> None:
    response = await client.get("/users/", headers={"X-Request-ID": "lb-7.42"})
    assert response.headers["x-request-id"] == "lb-7.42"
    request = server_span(exported(app, receiver), "GET /users/")
    assert attributes(request.attributes)["inkwell.request_id"] == "lb-7.42"
    records = [json.loads(line) for line in log_lines.getvalue().splitlines()]
    (line,) = [r for r in records if r.get("event") == "request"]
    assert (line["request_id"], line["trace_id"]) == ("lb-7.42", request.trace_id.hex())


async def test_no_secret_is_recorded(
    settings: Settings, receiver: Receiver, otel_env: pytest.MonkeyPatch
) -> None:
    """Not even with every request header captured: Authorization and cookies are
    recorded redacted, statements without their parameters, query values masked."""
    otel_env.setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", f"{receiver.endpoint}/v1/traces")
    otel_env.setenv("OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_REQUEST", ".*")
    app = create_app(settings)
    async with app.router.lifespan_context(app), api_client(app) as client:
        if app.state.engine.dialect.name == "postgresql":
            await empty_postgres_tables(app.state.engine)
        password, email = "correct-horse-battery", "carol.secret@example.org"
        account = await make_account(client, password=password, email=email, username="carol")
        token = account.headers["Authorization"].removeprefix("Bearer ")
        post = await make_post(client, account, title="Unpublished merger", body="Top sekrit")
        me = await client.get(
            f"/users/me?access_token={token}&password={password}",
            headers={**account.headers, "Cookie": f"session={token}"},
        )
        assert me.status_code == 200
        spans = exported(app, receiver)
    assert post["id"]
    request = server_span(spans, "GET /users/me")
    captured = attributes(request.attributes)
    assert captured["http.request.header.authorization"] == ["[REDACTED]"]
    assert captured["http.request.header.cookie"] == ["[REDACTED]"]
    assert len(spans) > 10
    recorded = repr([attributes(s.attributes) for s in spans] + [s.name for s in spans])
    for secret in (password, token, email, "Unpublished merger", "Top sekrit", "$argon2"):
        assert secret not in recorded


async def test_spans_are_flushed_at_shutdown(
    settings: Settings, receiver: Receiver, otel_env: pytest.MonkeyPatch
) -> None:
    otel_env.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint)
    # Never exported on a schedule within the test: only the shutdown can.
    otel_env.setenv("OTEL_BSP_SCHEDULE_DELAY", "600000")
    app = create_app(settings)
    async with app.router.lifespan_context(app), api_client(app) as client:
        assert (await client.get("/users/")).status_code == 200
        assert not receiver.spans()
    assert server_span(receiver.spans(), "GET /users/")
    assert not _exporter_threads()


def _exporter_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("OtelBatch")]


@pytest.mark.parametrize(
    "variables",
    [
        {},
        {"OTEL_SERVICE_NAME": "inkwell", "OTEL_TRACES_SAMPLER": "always_on"},
        {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:9", "OTEL_SDK_DISABLED": "true"},
        {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:9", "OTEL_TRACES_EXPORTER": "none"},
    ],
    ids=["unset", "no-endpoint", "sdk-disabled", "exporter-none"],
)
async def test_off_unless_an_endpoint_is_configured(
    settings: Settings, otel_env: pytest.MonkeyPatch, variables: dict[str, str]
) -> None:
    for name, value in variables.items():
        otel_env.setenv(name, value)
    before = _exporter_threads()
    app = create_app(settings)
    async with app.router.lifespan_context(app), api_client(app) as client:
        assert (await client.get("/users/")).status_code == 200
        assert not app.state.tracing.enabled
        assert _exporter_threads() == before
        assert not getattr(app, "_is_instrumented_by_opentelemetry", False)
        engine = app.state.engine.sync_engine
        assert not [p for p in EngineTracer._remove_event_listener_params if p[0]() is engine]


async def test_only_otlp_over_http_is_accepted(
    settings: Settings, otel_env: pytest.MonkeyPatch
) -> None:
    otel_env.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4317")
    otel_env.setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")
    with pytest.raises(ValueError, match="OTLP/HTTP"):
        create_app(settings)
