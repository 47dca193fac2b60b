"""Domain errors, and what a database error means.

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

Services raise these, never HTTP exceptions; the HTTP side (core.http.problems) maps
them, and every other error, to the documents clients see.
"""

import re
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from sqlalchemy.exc import DBAPIError, OperationalError

# Where a class name's words meet: before each capital but the first.
_KEBAB = re.compile(r"(?<!^)(?=[A-Z])")


class DomainError(Exception):
    status: int = 400
    title: str = "Bad request"
    # The last part of the problem's `type` URI: the class name in kebab case
    # (`PostNotFound`: "post-not-found"), unless the class says otherwise.
    slug: str = "bad-request"
    headers: Mapping[str, str] | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "slug" not in cls.__dict__:
            cls.slug = _KEBAB.sub("-", cls.__name__).lower()

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

    slug = "unavailable"


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


def database_unavailable(cause: BaseException) -> DatabaseUnavailable:
    """The problem to answer for a database that cannot serve us (`cause` says why)."""
    unavailable = DatabaseUnavailable("The database is unavailable; retry shortly.")
    unavailable.__cause__ = cause
    return unavailable


# query_canceled (statement timeout), cannot_connect_now, admin/crash shutdown
_UNAVAILABLE_SQLSTATES = frozenset({"57014", "57P01", "57P02", "57P03"})
# connection exceptions (08: refused parameters, protocol errors), insufficient resources
# (53: too many connections, out of memory): the database cannot serve us right now.
_UNAVAILABLE_CLASSES = frozenset({"08", "53"})
# serialization failure, deadlock detected: the same request would succeed if retried.
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})


class Restart(Exception):
    """A request lost a race it could only see at its end (a row that a concurrent
    transaction committed after this one's snapshot): run it again from the start."""


def lost_a_race(exc: BaseException) -> bool:
    """Whether the request that raised this would succeed if run again from the start:
    its transaction was aborted for a deadlock or a serialization failure, or it said
    so (`Restart`)."""
    if isinstance(exc, Restart):
        return True
    return isinstance(exc, DBAPIError) and sqlstate(exc) in RETRYABLE_SQLSTATES


def sqlstate(exc: DBAPIError) -> str | None:
    """The SQLSTATE of a driver error (asyncpg keeps it on the error or its cause)."""
    for error in (exc.orig, getattr(exc.orig, "__cause__", None)):
        code = getattr(error, "sqlstate", None)
        if isinstance(code, str):
            return code
    return None


# SQLite names a violated index's columns ("UNIQUE constraint failed: users.email"), or,
# for an index on an expression, the index ("... failed: index 'ix_users_username_open'").
_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: (?:index '(\w+)'|([\w.]+(?:, [\w.]+)*))")


def violated_unique(exc: DBAPIError) -> frozenset[str]:
    """What a unique violation names: PostgreSQL's constraint (or index) name, or
    SQLite's `table.column`s (its index name for an index on an expression). Empty for
    any other error."""
    for error in (exc.orig, getattr(exc.orig, "__cause__", None)):
        name = getattr(error, "constraint_name", None)
        if isinstance(name, str) and sqlstate(exc) == "23505":
            return frozenset({name})
    match = _SQLITE_UNIQUE.fullmatch(str(exc.orig))
    if match is None:
        return frozenset()
    index, columns = match.groups()
    return frozenset({index} if index else columns.split(", "))


def is_unavailable(exc: DBAPIError, code: str) -> bool:
    """Whether a driver error says the database cannot serve us right now."""
    return (
        isinstance(exc, OperationalError)
        or exc.connection_invalidated
        or code in _UNAVAILABLE_SQLSTATES
        or code[:2] in _UNAVAILABLE_CLASSES
    )
