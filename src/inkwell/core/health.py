"""Liveness and readiness probes."""

import asyncio
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from inkwell.core.errors import problem, problem_responses

router = APIRouter(prefix="/health", tags=["operations"])


def migrations_dir() -> Path:
    """`migrations/` beside the working directory (the image) or the source tree."""
    for candidate in (
        Path.cwd() / "migrations",
        Path(__file__).resolve().parents[3] / "migrations",
    ):
        if (candidate / "env.py").is_file():
            return candidate
    raise FileNotFoundError("no migrations/ directory found (run from the project root)")


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    return config


def head_revision() -> str | None:
    """The newest migration this build ships, or None when the scripts are absent."""
    try:
        return ScriptDirectory.from_config(alembic_config()).get_current_head()
    except FileNotFoundError:
        return None


async def database_revision(engine: AsyncEngine, within: float) -> str | None:
    """The database's migration revision (None when unmigrated); raises when unreachable."""

    async def query() -> str | None:
        async with engine.connect() as conn:
            try:
                version: str | None = await conn.scalar(
                    text("SELECT version_num FROM alembic_version")
                )
            except SQLAlchemyError:
                return None
            return version

    return await asyncio.wait_for(query(), within)


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
