"""One pure ASGI middleware for what every response needs.

It gives a collection's path its trailing slash (core.http.routing.TrailingSlash), gives
each request an id (`X-Request-ID`, kept from the client when sane, else the trace id
when traced), enforces the body size limit (413), adds `Server-Timing` with the
request's DB time and statement count (with SERVER_TIMING on only: it tells anyone
whether others' reads filled the cache), adds security headers (and `Cache-Control:
no-store` on the routes that hand out credentials), records Prometheus metrics and
writes one structured log line per request.
"""

import logging
import re
import secrets
import time

from opentelemetry import trace
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from inkwell.core.errors import DomainError, InternalError, PayloadTooLarge
from inkwell.core.http.problems import render_error
from inkwell.core.http.routing import TrailingSlash
from inkwell.core.ops.logging import get_logger
from inkwell.core.ops.metrics import record_request
from inkwell.core.ops.observability import RequestStats, current_stats

logger = get_logger("inkwell.request")
# Asked first, so a request line below the level (WARNING in many deployments) costs one
# cached check, not a call into structlog.
_level_check = logging.getLogger("inkwell.request")

_SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:\-]{1,128}")
_QUIET_ROUTES = frozenset({"/health/live", "/health/ready", "/metrics"})
_API_CSP = "default-src 'none'; frame-ancestors 'none'"
# Swagger UI runs an inline initialiser and inline styles; everything is same-origin.
_DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; frame-ancestors 'none'"
)


_SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
]
_API_HEADERS = [*_SECURITY_HEADERS, (b"content-security-policy", _API_CSP.encode())]
# RFC 6749 5.1: token responses must not be cached (Pragma for HTTP/1.0 caches).
_NO_STORE_HEADERS = [(b"cache-control", b"no-store"), (b"pragma", b"no-cache")]
_DOCS_HEADERS = [*_SECURITY_HEADERS, (b"content-security-policy", _DOCS_CSP.encode())]


def _request_id(scope: Scope, traced: bool) -> str:
    """The client's X-Request-ID when sane; else, when traced, the request's trace id
    (32 hex digits, as W3C `traceparent` and trace back ends write it); else random, in
    the same shape."""
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            candidate: str = value.decode("latin-1")
            if _SAFE_REQUEST_ID.fullmatch(candidate):
                return candidate
    if traced:
        context = trace.get_current_span().get_span_context()
        if context.is_valid:
            return trace.format_trace_id(context.trace_id)
    return secrets.token_hex(16)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class RequestContextMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        trailing_slash: TrailingSlash,
        server_timing: bool = False,
        traced: bool = False,
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.trailing_slash = trailing_slash
        self.server_timing = server_timing
        # A request span (core.ops.tracing) is current while this middleware runs.
        self.traced = traced

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = self.trailing_slash.canonical(scope["path"])
        if path is not scope["path"]:
            scope = _with_path(scope, path)
        stats = RequestStats(request_id=_request_id(scope, self.traced))
        token = current_stats.set(stats)
        status = 500
        limit = self.max_body_bytes
        received = 0
        too_large = False
        started = False

        async def receive_limited() -> Message:
            nonlocal received, too_large
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    too_large = True
                    raise PayloadTooLarge(f"The request body exceeds {limit} bytes.")
            return message

        async def send_decorated(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                status, started = message["status"], True
                message["headers"] = headers = list(message.get("headers", ()))
                self._decorate(scope, headers, stats)
            await send(message)

        async def send_with_headers(message: Message) -> None:
            # A body that outgrew the limit while streaming: whatever the framework
            # made of the aborted read, the client gets the 413 problem.
            if too_large:
                if message["type"] == "http.response.start":
                    await _too_large(scope, receive, send_decorated, limit)
                return
            await send_decorated(message)

        try:
            length = _content_length(scope)
            if length is not None and length > limit:
                await _too_large(scope, receive, send_decorated, limit)
                return
            await self.app(scope, receive_limited, send_with_headers)
        except Exception:
            # Handled here rather than by Starlette's outermost error middleware, so
            # the log line keeps its request id and the 500 keeps its headers.
            logger.exception("unhandled error", path=scope["path"])
            if started:
                raise
            internal = InternalError("An unexpected error occurred.")
            await _send_problem(scope, receive, send_decorated, internal)
        finally:
            self._record(scope, status, stats)
            current_stats.reset(token)

    def _decorate(
        self, scope: Scope, headers: list[tuple[bytes, bytes]], stats: RequestStats
    ) -> None:
        path: str = scope["path"]
        docs = path == "/docs" or path.startswith(("/docs/", "/docs-static/"))
        headers.append((b"x-request-id", stats.request_id.encode("latin-1")))
        if self.server_timing:
            headers.append((b"server-timing", _server_timing(stats)))
        if stats.written_at is not None:
            headers.append((b"x-consistency-token", stats.written_at.encode("latin-1")))
        headers.extend(_DOCS_HEADERS if docs else _API_HEADERS)
        route = scope.get("route")
        if getattr(route, "no_store", False):
            headers.extend(_NO_STORE_HEADERS)
        if self.traced:
            _annotate_span(scope["method"], getattr(route, "path", None), stats.request_id)

    @staticmethod
    def _record(scope: Scope, status: int, stats: RequestStats) -> None:
        route = getattr(scope.get("route"), "path", None) or "<unmatched>"
        method: str = scope["method"]
        elapsed = time.perf_counter() - stats.started
        record_request(method, route, status, elapsed, stats.statements)
        level = logging.DEBUG if route in _QUIET_ROUTES else logging.INFO
        if not _level_check.isEnabledFor(level):
            return
        logger.log(
            level,
            "request",
            method=method,
            route=route,
            status=status,
            duration_ms=round(elapsed * 1000, 2),
            statements=stats.statements,
            db_ms=round(stats.db_seconds * 1000, 2),
        )


def _annotate_span(method: str, route: str | None, request_id: str) -> None:
    """Name the request's span after the route that answers it, before the answer ends
    the span (the instrumentation matched the path before this middleware gave a
    collection its trailing slash), and give it the client's own request id, if any."""
    span = trace.get_current_span()
    if not span.is_recording():
        return
    if route is not None:
        span.set_attribute("http.route", route)
        span.update_name(f"{method} {route}")
    if request_id != trace.format_trace_id(span.get_span_context().trace_id):
        span.set_attribute("inkwell.request_id", request_id)


def _server_timing(stats: RequestStats) -> bytes:
    total_ms = (time.perf_counter() - stats.started) * 1000
    timing = (
        f'db;dur={stats.db_seconds * 1000:.1f}, sql;desc="{stats.statements} statements", '
        f"total;dur={total_ms:.1f}"
    )
    return timing.encode("latin-1")


def _with_path(scope: Scope, path: str) -> Scope:
    """The request as if sent to `path`, the same path with a trailing slash."""
    raw_path = scope.get("raw_path")
    scope = {**scope, "path": path}
    if raw_path:
        scope["raw_path"] = raw_path + b"/"
    return scope


async def _too_large(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
    """Refuse an oversized body, and close the connection rather than read the rest."""
    too_large = PayloadTooLarge(
        f"The request body exceeds {limit} bytes.", headers={"Connection": "close"}
    )
    await _send_problem(scope, receive, send, too_large)


async def _send_problem(scope: Scope, receive: Receive, send: Send, exc: DomainError) -> None:
    await render_error(scope.get("app"), scope["path"], exc)(scope, receive, send)
