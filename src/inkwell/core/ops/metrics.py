"""Prometheus metrics, safe with several worker processes.

With `PROMETHEUS_MULTIPROC_DIR` set (`inkwell serve --workers N` sets it), every
worker writes its samples to files there and `/metrics` aggregates them, so a
scrape sees the whole server whichever worker answers it.

Who may scrape is a setting (METRICS_TOKEN, METRICS_PUBLIC): route names, error rates
and the pool's use tell an attacker when and where the service is weak.
"""

import hashlib
import hmac
import os

from fastapi import APIRouter, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import QueuePool

from inkwell.core.config import Settings
from inkwell.core.errors import Forbidden, Unauthorized
from inkwell.core.http.problems import problem_responses

REQUESTS = Counter(
    "inkwell_http_requests_total",
    "HTTP requests answered, by method, route template and status.",
    ["method", "route", "status"],
)
LATENCY = Histogram(
    "inkwell_http_request_duration_seconds",
    "Time from request to response, by method and route template.",
    ["method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
STATEMENTS = Histogram(
    "inkwell_sql_statements_per_request",
    "SQL statements run by one request, by route template.",
    ["route"],
    buckets=(0, 1, 2, 3, 4, 5, 6, 8, 10, 15, 20, 50),
)
POOL_CHECKED_OUT = Gauge(
    "inkwell_db_pool_checked_out",
    "Database connections in use (summed over live workers).",
    multiprocess_mode="livesum",
)
POOL_OVERFLOW = Gauge(
    "inkwell_db_pool_overflow",
    "Connections open beyond the pool size (summed over live workers).",
    multiprocess_mode="livesum",
)

READS = Counter(
    "inkwell_db_reads_total",
    "Reads (requests with a read session), by where they were served: primary or replica.",
    ["target"],
)
REPLICA_LAG = Gauge(
    "inkwell_replica_lag_seconds",
    "How far each replica was behind the primary at this instance's last check (-1: unknown).",
    ["replica"],
    multiprocess_mode="max",
)
REPLICA_HEALTHY = Gauge(
    "inkwell_replica_in_rotation",
    "1 while a replica serves reads (answered its last check, not paused), else 0.",
    ["replica"],
    multiprocess_mode="min",
)

PURGED_ROWS = Counter(
    "inkwell_purged_rows_total",
    "Expired rows deleted by the periodic purge, by kind (idempotency_keys, throttle_hits).",
    ["kind"],
)

router = APIRouter(tags=["operations"])

# The labelled series of each (method, route template, status): `labels()` takes a lock
# and builds its key on every call, a per-request cost for a lookup whose answer never
# changes. Bounded as the series themselves are: route templates are the app's own.
_SERIES: dict[tuple[str, str, int], tuple[Counter, Histogram, Histogram]] = {}


def record_request(method: str, route: str, status: int, seconds: float, statements: int) -> None:
    series = _SERIES.get((method, route, status))
    if series is None:
        series = _SERIES[method, route, status] = (
            REQUESTS.labels(method, route, str(status)),
            LATENCY.labels(method, route),
            STATEMENTS.labels(route),
        )
    requests, latency, statements_per_request = series
    requests.inc()
    latency.observe(seconds)
    statements_per_request.observe(statements)


def observe_pool(engine: AsyncEngine) -> None:
    pool = engine.sync_engine.pool
    if isinstance(pool, QueuePool):
        POOL_CHECKED_OUT.set(pool.checkedout())
        POOL_OVERFLOW.set(max(pool.overflow(), 0))


class MetricsClosed(Forbidden):
    """Production without METRICS_TOKEN or METRICS_PUBLIC: no scraper can be let in."""


def _check_scraper(request: Request) -> None:
    settings: Settings = request.app.state.settings
    if settings.metrics_open:
        return
    if settings.metrics_token is None:
        raise MetricsClosed(
            "Metrics are closed: set METRICS_TOKEN (and scrape with it as a bearer token), "
            "or METRICS_PUBLIC=true if the network keeps /metrics private."
        )
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    expected = settings.metrics_token.get_secret_value()
    # Digests of equal length, compared in constant time: neither the token's characters
    # nor its length can be learnt from how long a refusal takes.
    given = hashlib.sha256(credentials.strip().encode()).digest()
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        given, hashlib.sha256(expected.encode()).digest()
    ):
        raise Unauthorized(
            "Scraping /metrics needs `Authorization: Bearer <METRICS_TOKEN>`.",
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
        )


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={
        200: {"content": {CONTENT_TYPE_LATEST: {}}, "description": "Metrics"},
        **problem_responses(401, 403),
    },
)
async def metrics(request: Request) -> Response:
    """Request counts and latency by route and status, SQL statements per request, the
    database pool and the rows purged, in the Prometheus text format.

    With `METRICS_TOKEN` set, send it as `Authorization: Bearer <token>` (401 otherwise).
    In production without a token, 403 unless `METRICS_PUBLIC=true`."""
    _check_scraper(request)
    observe_pool(request.app.state.engine)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        data = generate_latest(registry)
    else:
        data = generate_latest(REGISTRY)
    return Response(content=data, media_type=CONTENT_TYPE_LATEST)
