"""Errors as RFC 9457 `application/problem+json` documents (or another dialect's).

`register_error_handlers` maps domain errors (core.errors), request validation errors,
HTTP errors of the framework, database errors and unexpected exceptions to problem
documents, all rendered by `problem_response`, or, under the prefix of another API
dialect (the Conduit API under `/api`), by that dialect's renderer (`render_error`
decides). Clients never see a traceback or SQL.
"""

import logging
from collections.abc import Callable, Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from inkwell.core.errors import (
    RETRYABLE_SQLSTATES,
    ConcurrentUpdate,
    Conflict,
    DatabaseUnavailable,
    DomainError,
    HTTPProblem,
    InternalError,
    TransactionConflict,
    ValidationFailed,
    database_unavailable,
    is_unavailable,
    sqlstate,
)

logger = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://inkwell.dev/problems/"


def problem_response(instance: str, exc: DomainError) -> JSONResponse:
    """The one rendering of every problem document the service sends."""
    body = {
        "type": TYPE_BASE + exc.slug,
        "title": exc.title,
        "status": exc.status,
        "detail": exc.detail,
        "instance": instance,
        **exc.extra,
    }
    return JSONResponse(body, status_code=exc.status, media_type=PROBLEM_JSON, headers=exc.headers)


# Renders a domain error for a request path in another dialect than problem+json.
ErrorRenderer = Callable[[str, DomainError], JSONResponse]


def render_error(app: object, path: str, exc: DomainError) -> JSONResponse:
    """The one choice of an error's rendering: the dialect whose prefix the path has
    (`register_error_handlers`' `dialects`), or else a problem document."""
    state = getattr(app, "state", None)
    dialects: tuple[tuple[str, ErrorRenderer], ...] = getattr(state, "error_dialects", ())
    for prefix, render in dialects:
        if path == prefix or path.startswith(prefix + "/"):
            return render(path, exc)
    return problem_response(path, exc)


def problem_for(request: Request, exc: DomainError) -> JSONResponse:
    """The error document of a domain error, for this request."""
    return render_error(request.app, request.url.path, exc)


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    return problem_for(request, exc)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
        for e in exc.errors()
    ]
    fields = ", ".join(".".join(str(p) for p in e["loc"]) for e in errors)
    detail = f"Invalid input: {fields}" if fields else "Invalid input"
    return problem_for(request, ValidationFailed(detail, errors=jsonable_encoder(errors)))


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else None
    return problem_for(request, HTTPProblem(exc.status_code, detail, exc.headers))


async def _database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DatabaseUnavailable)
    # Logged without a traceback: an outage is not a bug of ours.
    logger.error("database unavailable: %s", type(exc.__cause__).__name__)
    return problem_for(request, exc)


async def _pool_timeout(request: Request, exc: Exception) -> JSONResponse:
    return await _database_unavailable(request, database_unavailable(exc))


def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("unhandled error", exc_info=exc)
    return problem_for(request, InternalError("An unexpected error occurred."))


async def _dbapi_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DBAPIError)
    code = sqlstate(exc) or ""
    if code in RETRYABLE_SQLSTATES:
        logger.warning("transaction conflict: SQLSTATE %s", code)
        conflict = TransactionConflict("A concurrent request conflicted with this one; retry.")
        return problem_for(request, conflict)
    if is_unavailable(exc, code):
        return await _database_unavailable(request, database_unavailable(exc))
    if isinstance(exc, IntegrityError):
        # A constraint that no service maps (a race the service did not foresee): the
        # request conflicts with the data as it is now, and nothing was written.
        logger.warning("unmapped integrity error: SQLSTATE %s", code or "unknown")
        return problem_for(request, Conflict("The request conflicts with the current data."))
    return _unexpected(request, exc)


async def _stale_data(request: Request, exc: Exception) -> JSONResponse:
    concurrent = ConcurrentUpdate(
        "Another request changed this resource while this one ran; read it again and retry."
    )
    return problem_for(request, concurrent)


def register_error_handlers(
    app: FastAPI, dialects: Mapping[str, ErrorRenderer] | None = None
) -> None:
    """Map every error to its document; paths under a prefix of `dialects` (`/api`)
    are rendered by its renderer, all others as problem documents."""
    app.state.error_dialects = tuple((dialects or {}).items())
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(DatabaseUnavailable, _database_unavailable)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(PoolTimeoutError, _pool_timeout)
    app.add_exception_handler(DBAPIError, _dbapi_error)
    app.add_exception_handler(StaleDataError, _stale_data)
    # Any other exception, OSError included, is turned into a 500 problem (with its
    # traceback in the log) by RequestContextMiddleware.


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries for the problem documents a route can return."""
    return {
        status: {
            "description": HTTPStatus(status).phrase,
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in statuses
    }
