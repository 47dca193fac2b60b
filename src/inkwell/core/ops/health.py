"""Liveness and readiness probes."""

from collections.abc import Mapping

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError

from inkwell.core.errors import DatabaseUnavailable, ServiceUnavailable
from inkwell.core.http.problems import problem_for, problem_responses
from inkwell.core.ops.migrations import database_revision
from inkwell.core.replicas import Reads

router = APIRouter(prefix="/health", tags=["operations"])


class NotReady(ServiceUnavailable):
    """The database cannot be reached, or its schema is not the code's."""

    headers: Mapping[str, str] | None = {"Retry-After": "5"}


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
async def ready(request: Request) -> JSONResponse | dict[str, object]:
    """Ready to serve: the database answers within the timeout and is migrated to the
    revision this build expects, or to a later one this build does not know (a newer
    release migrated it during a rolling update: migrations keep the previous release
    working, README "Deploy"). Behind, or unmigrated: 503. Unreachable: 503, unless read
    replicas still serve: then 200 with `"status": "degraded"` (reads are served, writes
    answer 503). With replicas, `replicas` says which are in rotation, by this instance's
    last check."""
    settings = request.app.state.settings
    expected: str | None = request.app.state.head_revision
    reads: Reads = request.app.state.reads
    replicas = {r.name: "in rotation" if r.healthy else "out of rotation" for r in reads.replicas}
    try:
        revision = await database_revision(request.app.state.engine, settings.ready_timeout)
    except (OSError, SQLAlchemyError, DatabaseUnavailable):
        if any(r.healthy for r in reads.replicas):
            return {"status": "degraded", "primary": "unreachable", "replicas": replicas}
        return problem_for(request, NotReady("The database is unreachable."))
    answer: dict[str, object] = {"status": "ready", "revision": revision or "unknown"}
    if expected is not None and revision != expected:
        if revision is None or revision in request.app.state.known_revisions:
            detail = (
                f"The database is at revision {revision}, expected {expected}: "
                "run `inkwell migrate`."
            )
            return problem_for(request, NotReady(detail))
        answer["schema"] = f"newer than this build's {expected}"
    if replicas:
        answer.update(primary="reachable", replicas=replicas)
    return answer
