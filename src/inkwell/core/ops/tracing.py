"""OpenTelemetry traces, off unless an OTLP endpoint is configured.

The standard variables decide: tracing is on when `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` or
`OTEL_EXPORTER_OTLP_ENDPOINT` is set, unless `OTEL_SDK_DISABLED=true` or
`OTEL_TRACES_EXPORTER=none`. The SDK reads the rest itself (`OTEL_SERVICE_NAME`,
`OTEL_RESOURCE_ATTRIBUTES`, `OTEL_TRACES_SAMPLER[_ARG]`, `OTEL_BSP_*`, the exporter's
headers and timeout). Spans go out over OTLP/HTTP (protobuf) from a batch processor.

Each app has a TracerProvider of its own, handed to the instrumentations explicitly: the
global provider is never set (the API allows that once per process), so tests can make
several apps, and an app with tracing off installs nothing at all (no SDK imported, no
exporter thread, no instrumentation). Its tracer is then the API's no-op one.

What is traced: each request (opentelemetry-instrumentation-fastapi: the server span,
named after the route template, with `http.route` and the status; `traceparent`
continued), each SQL statement (opentelemetry-instrumentation-sqlalchemy on every engine:
the statement's text, never its parameters), and, with this tracer, password hashing
(auth.hashing) and building the documents the read cache missed (core.cache).
"""

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from fastapi import FastAPI
from opentelemetry.trace import NoOpTracer, Span, Tracer
from sqlalchemy.ext.asyncio import AsyncEngine

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider

# Liveness, readiness and scrapes would be most of the spans and tell nothing. Searched
# in the request's URL (scheme://host/path, without the query).
_EXCLUDED_URLS = r"://[^/]+/health/,://[^/]+/metrics$"
# Whatever headers an operator asks to capture (OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_*),
# the values of these are recorded as "[REDACTED]" (searched, case-insensitive, in names).
_REDACTED_HEADERS = ["authorization", "cookie", "token", "secret", "api-key"]
_OTLP_PROTOCOLS = {"http/protobuf"}


def _env(name: str) -> str:
    return os.environ.get(name, "").strip()


def configured() -> bool:
    """Whether the OTEL_* variables ask for traces exported over OTLP."""
    if _env("OTEL_SDK_DISABLED").lower() == "true":
        return False
    if _env("OTEL_TRACES_EXPORTER").lower() == "none":
        return False
    return bool(_env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or _env("OTEL_EXPORTER_OTLP_ENDPOINT"))


def _check_protocol() -> None:
    protocol = _env("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") or _env("OTEL_EXPORTER_OTLP_PROTOCOL")
    if protocol and protocol not in _OTLP_PROTOCOLS:
        raise ValueError(
            f"OTEL_EXPORTER_OTLP_PROTOCOL={protocol}: Inkwell exports traces over OTLP/HTTP "
            "(http/protobuf) only; point the endpoint at the collector's HTTP port (4318)."
        )
    exporter = _env("OTEL_TRACES_EXPORTER")
    if exporter and exporter != "otlp":
        raise ValueError(f"OTEL_TRACES_EXPORTER={exporter}: Inkwell exports with 'otlp' only.")


@dataclass(frozen=True)
class Tracing:
    """An app's tracing: its own provider (None when off) and tracer (no-op when off)."""

    provider: "TracerProvider | None" = None
    tracer: Tracer = field(default_factory=NoOpTracer)

    @property
    def enabled(self) -> bool:
        return self.provider is not None

    @classmethod
    def from_env(cls) -> "Tracing":
        if not configured():
            return cls()
        _check_protocol()
        from opentelemetry.sdk.trace import TracerProvider

        # Resource (OTEL_SERVICE_NAME...) and sampler (OTEL_TRACES_SAMPLER) from the
        # environment, by the SDK.
        provider = TracerProvider()
        return cls(provider, provider.get_tracer("inkwell"))

    def instrument_app(self, app: FastAPI) -> None:
        """A server span per request, continuing an incoming `traceparent`."""
        if self.provider is None:
            return
        from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
        from opentelemetry.metrics import NoOpMeterProvider
        from opentelemetry.util.http import (
            OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SANITIZE_FIELDS,
            get_custom_headers,
        )

        excluded = _env("OTEL_PYTHON_FASTAPI_EXCLUDED_URLS") or _env("OTEL_PYTHON_EXCLUDED_URLS")
        sanitized = get_custom_headers(OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SANITIZE_FIELDS)
        FastAPIInstrumentor.instrument_app(
            app,
            tracer_provider=self.provider,
            # Prometheus (core.ops.metrics) has the request metrics already.
            meter_provider=NoOpMeterProvider(),
            excluded_urls=excluded or _EXCLUDED_URLS,
            http_capture_headers_sanitize_fields=[*sanitized, *_REDACTED_HEADERS],
            # A span per ASGI message would outnumber the statements and say little.
            exclude_spans=["receive", "send"],
            server_request_hook=_scrub_query,
        )

    def instrument_engine(self, engine: AsyncEngine) -> None:
        """A client span per SQL statement run on `engine` (its text, not its parameters)."""
        if self.provider is None:
            return
        from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
        from opentelemetry.instrumentation.sqlalchemy.version import __version__
        from opentelemetry.metrics import NoOpMeterProvider

        # EngineTracer itself, not SQLAlchemyInstrumentor: the instrumentor patches
        # create_engine process-wide with the first provider it is given.
        tracer = self.provider.get_tracer("opentelemetry.instrumentation.sqlalchemy", __version__)
        meter = NoOpMeterProvider().get_meter("opentelemetry.instrumentation.sqlalchemy")
        usage = meter.create_up_down_counter("db.client.connections.usage")
        EngineTracer(tracer, engine.sync_engine, usage)  # type: ignore[no-untyped-call]

    @contextlib.contextmanager
    def exporting(self) -> Iterator[None]:
        """Export spans while the block runs (the app's lifespan); flush them at its end."""
        if self.provider is None:
            yield
            return
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        # The exporter reads its endpoint, headers and timeout from the environment.
        self.provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
        try:
            yield
        finally:
            self.provider.shutdown()


def _scrub_query(span: Span, _scope: object) -> None:
    """The request's URL attributes with secret-shaped query values masked, as log lines
    are (core.ops.logging): the API takes no secret in a query string, but a client
    could put one there."""
    if not span.is_recording():
        return
    from inkwell.core.ops.logging import scrub

    attributes = getattr(span, "attributes", None) or {}
    for name in ("http.url", "http.target", "url.full", "url.query"):
        value = attributes.get(name)
        if isinstance(value, str):
            scrubbed = scrub(value)
            if scrubbed is not value:
                span.set_attribute(name, scrubbed)
