"""Domain errors and their RFC 9457 `application/problem+json` rendering.

    DomainError                 (400, any domain rule)
    ├── Unauthorized            (401, with WWW-Authenticate: Bearer)
    ├── NotFound                (404)
    ├── Conflict                (409)
    ├── Forbidden               (403)
    ├── PayloadTooLarge         (413)
    ├── TooManyRequests         (429, with Retry-After)
    └── Unprocessable           (422, valid JSON that breaks a rule)

Services raise these; `register_error_handlers` maps them, request validation
errors, HTTP errors of the framework and unexpected exceptions to problem
documents. Clients never see a traceback or SQL.
"""

import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

logger = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://inkwell.dev/problems/"


class DomainError(Exception):
    status: ClassVar[int] = 400
    title: ClassVar[str] = "Bad request"
    slug: ClassVar[str] = "bad-request"
    headers: Mapping[str, str] | None = None

    def __init__(self, detail: str, *, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = headers if headers is not None else type(self).headers


class Unauthorized(DomainError):
    status = 401
    title = "Unauthorized"
    slug = "unauthorized"
    headers: Mapping[str, str] | None = {"WWW-Authenticate": "Bearer"}


class NotFound(DomainError):
    status = 404
    title = "Not found"
    slug = "not-found"


class Conflict(DomainError):
    status = 409
    title = "Conflict"
    slug = "conflict"


class Forbidden(DomainError):
    status = 403
    title = "Forbidden"
    slug = "forbidden"


class PayloadTooLarge(DomainError):
    status = 413
    title = "Content too large"
    slug = "payload-too-large"


class TooManyRequests(DomainError):
    status = 429
    title = "Too many requests"
    slug = "too-many-requests"


class Unprocessable(DomainError):
    status = 422
    title = "Unprocessable content"
    slug = "unprocessable"


def problem(
    request: Request,
    *,
    status: int,
    title: str,
    detail: str,
    slug: str,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body = {
        "type": TYPE_BASE + slug,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        **extra,
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def problem_for(request: Request, exc: DomainError) -> JSONResponse:
    """The problem document of a domain error."""
    return problem(
        request,
        status=exc.status,
        title=exc.title,
        detail=exc.detail,
        slug=exc.slug,
        headers=exc.headers,
    )


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
    return problem(
        request,
        status=422,
        title="Validation failed",
        detail=f"Invalid input: {fields}" if fields else "Invalid input",
        slug="validation",
        errors=jsonable_encoder(errors),
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    phrase = HTTPStatus(exc.status_code).phrase
    detail = exc.detail if isinstance(exc.detail, str) else phrase
    return problem(
        request,
        status=exc.status_code,
        title=phrase,
        detail=detail,
        slug=phrase.lower().replace(" ", "-"),
        headers=exc.headers,
    )


async def _database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    logger.error("database unavailable: %s", type(exc).__name__)
    return problem(
        request,
        status=503,
        title="Service unavailable",
        detail="The database is unavailable; retry shortly.",
        slug="unavailable",
        headers={"Retry-After": "1"},
    )


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("unhandled error", exc_info=exc)
    return problem(
        request,
        status=500,
        title="Internal server error",
        detail="An unexpected error occurred.",
        slug="internal",
    )


# query_canceled (statement timeout), cannot_connect_now, admin/crash shutdown
_UNAVAILABLE_SQLSTATES = frozenset({"57014", "57P01", "57P02", "57P03"})
# connection exceptions (08: refused parameters, protocol errors), insufficient resources
# (53: too many connections, out of memory): the database cannot serve us right now.
_UNAVAILABLE_CLASSES = frozenset({"08", "53"})


def sqlstate(exc: DBAPIError) -> str | None:
    """The SQLSTATE of a driver error (asyncpg keeps it on the error or its cause)."""
    for error in (exc.orig, getattr(exc.orig, "__cause__", None)):
        code = getattr(error, "sqlstate", None)
        if isinstance(code, str):
            return code
    return None


def _is_connection_error(exc: DBAPIError) -> bool:
    code = sqlstate(exc) or ""
    return (
        isinstance(exc, OperationalError)
        or exc.connection_invalidated
        or code in _UNAVAILABLE_SQLSTATES
        or code[:2] in _UNAVAILABLE_CLASSES
    )


async def _dbapi_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DBAPIError)
    if _is_connection_error(exc):
        return await _database_unavailable(request, exc)
    return await _unexpected(request, exc)


def register_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(PoolTimeoutError, _database_unavailable)
    app.add_exception_handler(OSError, _database_unavailable)
    app.add_exception_handler(DBAPIError, _dbapi_error)
    # Any other exception is turned into a 500 problem by RequestContextMiddleware.


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries for the problem documents a route can return."""
    return {
        status: {
            "description": HTTPStatus(status).phrase,
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in statuses
    }
