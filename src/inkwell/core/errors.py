"""Domain errors and their RFC 9457 `application/problem+json` rendering.

    DomainError                 (400, any domain rule)
    ├── Unauthorized            (401, with WWW-Authenticate: Bearer)
    ├── Forbidden               (403)
    ├── NotFound                (404)
    ├── Conflict                (409)
    │   └── ConcurrentUpdate    (409, another request changed the row first: retry)
    ├── PreconditionFailed      (412, If-Match names a version that is no longer current)
    ├── PayloadTooLarge         (413)
    ├── Unprocessable           (422, valid JSON that breaks a rule)
    │   └── ValidationFailed    (422, the request does not match its schema)
    ├── TooManyRequests         (429, with Retry-After)
    ├── InternalError           (500, nothing about the cause)
    ├── ServiceUnavailable      (503, with Retry-After)
    │   ├── DatabaseUnavailable (the database cannot be reached or timed out)
    │   └── TransactionConflict (a deadlock or serialization failure: retry)
    └── HTTPProblem             (any other status the framework answers)

Services raise these; `register_error_handlers` maps them, request validation
errors, HTTP errors of the framework, database errors and unexpected exceptions
to problem documents, all rendered by `problem_response`, or, under the prefix of
another API dialect (the Conduit API under `/api`), by that dialect's renderer
(`render_error` decides). Clients never see a traceback or SQL.
"""

import logging
import re
from collections.abc import Callable, Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException

logger = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://inkwell.dev/problems/"


class DomainError(Exception):
    status: int = 400
    title: str = "Bad request"
    slug: str = "bad-request"
    headers: Mapping[str, str] | None = None

    def __init__(
        self,
        detail: str,
        *,
        headers: Mapping[str, str] | None = None,
        field: str | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = headers if headers is not None else type(self).headers
        # The request field the error is about, when one is (a taken username): a
        # dialect that reports errors by field names it (problem documents do not).
        self.field = field
        # More members of the problem document, e.g. `errors` of a validation failure.
        self.extra = extra


class Unauthorized(DomainError):
    status = 401
    title = "Unauthorized"
    slug = "unauthorized"
    headers: Mapping[str, str] | None = {"WWW-Authenticate": "Bearer"}


class Forbidden(DomainError):
    status = 403
    title = "Forbidden"
    slug = "forbidden"


class NotFound(DomainError):
    status = 404
    title = "Not found"
    slug = "not-found"


class Conflict(DomainError):
    status = 409
    title = "Conflict"
    slug = "conflict"


class ConcurrentUpdate(Conflict):
    """The ORM's version check failed: the row changed since this request read it."""

    slug = "concurrent-update"


class PreconditionFailed(DomainError):
    """A conditional write's `If-Match` does not match the document's current ETag."""

    status = 412
    title = "Precondition failed"
    slug = "precondition-failed"


class PayloadTooLarge(DomainError):
    status = 413
    title = "Content too large"
    slug = "payload-too-large"


class Unprocessable(DomainError):
    status = 422
    title = "Unprocessable content"
    slug = "unprocessable"


class ValidationFailed(Unprocessable):
    title = "Validation failed"
    slug = "validation"


class TooManyRequests(DomainError):
    status = 429
    title = "Too many requests"
    slug = "too-many-requests"


class InternalError(DomainError):
    status = 500
    title = "Internal server error"
    slug = "internal"


class ServiceUnavailable(DomainError):
    status = 503
    title = "Service unavailable"
    slug = "unavailable"
    headers: Mapping[str, str] | None = {"Retry-After": "1"}


class DatabaseUnavailable(ServiceUnavailable):
    """The database cannot be reached or did not answer in time."""


class TransactionConflict(ServiceUnavailable):
    """A concurrent transaction won a deadlock or a serialization check: try again."""

    slug = "transaction-conflict"


class HTTPProblem(DomainError):
    """A status the framework itself answers (404 of an unknown route, 405, ...)."""

    def __init__(self, status: int, detail: str | None, headers: Mapping[str, str] | None) -> None:
        phrase = HTTPStatus(status).phrase
        super().__init__(detail or phrase, headers=headers)
        self.status = status
        self.title = phrase
        self.slug = phrase.lower().replace(" ", "-")


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


def database_unavailable(cause: BaseException) -> DatabaseUnavailable:
    """The problem to answer for a database that cannot serve us (`cause` says why)."""
    unavailable = DatabaseUnavailable("The database is unavailable; retry shortly.")
    unavailable.__cause__ = cause
    return unavailable


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


# query_canceled (statement timeout), cannot_connect_now, admin/crash shutdown
_UNAVAILABLE_SQLSTATES = frozenset({"57014", "57P01", "57P02", "57P03"})
# connection exceptions (08: refused parameters, protocol errors), insufficient resources
# (53: too many connections, out of memory): the database cannot serve us right now.
_UNAVAILABLE_CLASSES = frozenset({"08", "53"})
# serialization failure, deadlock detected: the same request would succeed if retried.
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})


def sqlstate(exc: DBAPIError) -> str | None:
    """The SQLSTATE of a driver error (asyncpg keeps it on the error or its cause)."""
    for error in (exc.orig, getattr(exc.orig, "__cause__", None)):
        code = getattr(error, "sqlstate", None)
        if isinstance(code, str):
            return code
    return None


# SQLite names the columns, not the index: "UNIQUE constraint failed: users.email".
_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: ([\w.]+(?:, [\w.]+)*)")


def violated_unique(exc: DBAPIError) -> frozenset[str]:
    """What a unique violation names: PostgreSQL's constraint (or index) name, or
    SQLite's `table.column`s. Empty for any other error."""
    for error in (exc.orig, getattr(exc.orig, "__cause__", None)):
        name = getattr(error, "constraint_name", None)
        if isinstance(name, str) and sqlstate(exc) == "23505":
            return frozenset({name})
    match = _SQLITE_UNIQUE.fullmatch(str(exc.orig))
    return frozenset(match.group(1).split(", ")) if match else frozenset()


def _is_connection_error(exc: DBAPIError, code: str) -> bool:
    return (
        isinstance(exc, OperationalError)
        or exc.connection_invalidated
        or code in _UNAVAILABLE_SQLSTATES
        or code[:2] in _UNAVAILABLE_CLASSES
    )


async def _dbapi_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DBAPIError)
    code = sqlstate(exc) or ""
    if code in RETRYABLE_SQLSTATES:
        logger.warning("transaction conflict: SQLSTATE %s", code)
        conflict = TransactionConflict("A concurrent request conflicted with this one; retry.")
        return problem_for(request, conflict)
    if _is_connection_error(exc, code):
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
