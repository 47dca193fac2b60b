"""The application factory: `uvicorn --factory inkwell.main:create_app`."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from sqlalchemy.ext.asyncio import async_sessionmaker

# Every model mapped before any module builds a statement at import time.
import inkwell.models  # noqa: F401
from inkwell.auth.hashing import PasswordHasher
from inkwell.auth.router import router as auth_router
from inkwell.comments.router import router as comments_router
from inkwell.conduit import errors as conduit_errors
from inkwell.conduit.articles import router as conduit_articles_router
from inkwell.conduit.router import accounts as conduit_accounts_router
from inkwell.conduit.router import router as conduit_router
from inkwell.core.cache import DocumentCache
from inkwell.core.config import Settings, get_settings
from inkwell.core.db import (
    AsyncReadSession,
    Fallback,
    create_engine,
    create_read_sessionmaker,
    create_sessionmaker,
)
from inkwell.core.http.docs import mount_docs
from inkwell.core.http.middleware import RequestContextMiddleware
from inkwell.core.http.openapi import install_openapi
from inkwell.core.http.problems import register_error_handlers
from inkwell.core.http.routing import TrailingSlash, add_routes
from inkwell.core.ops.health import router as health_router
from inkwell.core.ops.logging import configure_logging
from inkwell.core.ops.metrics import router as metrics_router
from inkwell.core.ops.migrations import head_revision, known_revisions
from inkwell.core.ops.observability import instrument_engine
from inkwell.core.ops.runtime import tune_process
from inkwell.core.ops.tracing import Tracing
from inkwell.core.replicas import Reads, Replica, replica_name, watching
from inkwell.favorites.router import router as favorites_router
from inkwell.follows.router import router as follows_router
from inkwell.posts.router import router as posts_router
from inkwell.purge import purging
from inkwell.tags.router import router as tags_router
from inkwell.transfers.router import router as transfers_router
from inkwell.users.router import router as users_router

DESCRIPTION = """
Users, posts, tags and credit transfers over an async SQLAlchemy data layer.

Log in at `POST /auth/token` (or with the **Authorize** button) and send the token as
`Authorization: Bearer <token>`. Retry `POST`s safely with an `Idempotency-Key` header.

Errors are RFC 9457 `application/problem+json` documents.

Under `/api`, the same service speaks the Conduit (RealWorld) API: `Authorization: Token
<token>`, `{"user": ...}` / `{"article": ...}` envelopes and `{"errors": {...}}` errors.
"""


def _replica(
    settings: Settings,
    url: str,
    cache: DocumentCache,
    primary: async_sessionmaker[AsyncReadSession],
    tracing: Tracing,
) -> Replica:
    """A replica whose reads go on on the primary when they cannot reach it."""
    engine = create_engine(settings, url)
    instrument_engine(engine, tracing)
    replica = Replica(name=replica_name(url), engine=engine, sessions=primary)
    fallback = Fallback(sessions=primary, unreachable=replica.unreachable)
    replica.sessions = create_read_sessionmaker(engine, settings, cache, fallback)
    return replica


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    tracing = Tracing.from_env()
    configure_logging(settings, traced=tracing.enabled)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings)
        instrument_engine(engine, tracing)
        app.state.engine = engine
        app.state.write_sessionmaker = create_sessionmaker(engine, write=True)
        app.state.read_sessionmaker = create_read_sessionmaker(
            engine, settings, app.state.read_cache
        )
        cache = app.state.read_cache
        primary = app.state.read_sessionmaker
        replicas = [
            _replica(settings, url, cache, primary, tracing)
            for url in settings.database_replica_urls
        ]
        app.state.reads = Reads(
            primary=primary,
            replicas=replicas,
            max_lag=settings.replica_max_lag_seconds,
        )
        tune_process(settings)
        try:
            interval = settings.purge_interval_seconds
            with tracing.exporting():
                async with (
                    watching(app.state.reads, settings.replica_check_seconds),
                    purging(app.state.write_sessionmaker, interval) as purge_task,
                ):
                    app.state.purge_task = purge_task
                    yield
        finally:
            await engine.dispose()
            for replica in replicas:
                await replica.engine.dispose()

    app = FastAPI(
        title="Inkwell",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        redirect_slashes=False,
        # Prometheus metrics and structlog cover this; FastAPI's OpenTelemetry hooks
        # would add work to every request for nothing, and traces, when configured, come
        # from opentelemetry-instrumentation-fastapi with the app's own provider
        # (core.ops.tracing), not the global one these hooks use.
        telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False},
    )
    app.state.settings = settings
    app.state.tracing = tracing
    app.state.hasher = PasswordHasher(settings, tracer=tracing.tracer)
    app.state.read_cache = DocumentCache(
        settings.read_cache_entries, verify=settings.read_cache_verify, tracer=tracing.tracer
    )
    app.state.head_revision = head_revision()
    app.state.known_revisions = known_revisions()
    register_error_handlers(app, dialects={conduit_errors.PREFIX: conduit_errors.render})
    routers = (
        auth_router,
        users_router,
        follows_router,
        posts_router,
        favorites_router,
        comments_router,
        tags_router,
        transfers_router,
        conduit_accounts_router,
        conduit_router,
        conduit_articles_router,
    )
    add_routes(app, (*routers, health_router, metrics_router))
    app.add_middleware(
        RequestContextMiddleware,
        max_body_bytes=settings.max_body_bytes,
        trailing_slash=TrailingSlash(path for r in routers for path in r.collections),
        server_timing=settings.server_timing,
        traced=tracing.enabled,
    )
    if settings.cors_origins:
        # Outermost: every answer carries the CORS headers, the 500 and 413 that
        # RequestContextMiddleware sends itself included, and preflights end here.
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=[
                "Authorization",
                "Content-Type",
                "Idempotency-Key",
                "If-Match",
                "If-None-Match",
                "X-Request-ID",
                "X-Requested-With",
                "X-Consistency-Token",
            ],
            # ETag: a browser client needs it for its next If-Match.
            expose_headers=[
                "X-Request-ID",
                "X-Consistency-Token",
                "Link",
                "Idempotent-Replayed",
                "ETag",
                *(["Server-Timing"] if settings.server_timing else []),
            ],
        )
    mount_docs(app)
    install_openapi(app)
    tracing.instrument_app(app)
    return app
