"""Liveness and readiness probes."""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError

from inkwell.core.errors import problem, problem_responses
from inkwell.core.migrations import database_revision

router = APIRouter(prefix="/health", tags=["operations"])


@router.get("/live", summary="Liveness")
async def live() -> dict[str, str]:
    """The process is up. Does no I/O: use it as the container's health check."""
    return {"status": "ok"}


@router.get(
    "/ready",
    summary="Readiness",
    responses=problem_responses(503),
    response_model=None,
)
async def ready(request: Request) -> JSONResponse | dict[str, str]:
    """Ready to serve: the database answers within the timeout and is migrated to the
    revision this build expects. Otherwise 503."""
    settings = request.app.state.settings
    expected: str | None = request.app.state.head_revision
    try:
        revision = await database_revision(request.app.state.engine, settings.ready_timeout)
    except (OSError, SQLAlchemyError, TimeoutError):
        return problem(
            request,
            status=503,
            title="Service unavailable",
            detail="The database is unreachable.",
            slug="not-ready",
            headers={"Retry-After": "5"},
        )
    if expected is not None and revision != expected:
        return problem(
            request,
            status=503,
            title="Service unavailable",
            detail=f"The database is at revision {revision}, expected {expected}: run "
            "`inkwell migrate`.",
            slug="not-ready",
            headers={"Retry-After": "5"},
        )
    return {"status": "ready", "revision": revision or "unknown"}
