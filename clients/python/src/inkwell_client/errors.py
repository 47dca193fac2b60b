"""Errors of the client: one class per kind of RFC 9457 problem the API answers.

    InkwellError                (any failure; status, type, title, detail, instance)
    ├── BadRequest              (400)
    ├── Unauthorized            (401: no token, or an expired or invalid one)
    ├── Forbidden               (403: not yours)
    ├── NotFound                (404)
    ├── Conflict                (409: see `in_progress` and `concurrent_update`)
    ├── PreconditionFailed      (412: the `If-Match` version is no longer current)
    ├── PayloadTooLarge         (413)
    ├── ValidationFailed        (422, with the field `errors`)
    ├── RateLimited             (429, with `retry_after`)
    ├── ServerError             (500 and other 5xx than 503)
    ├── Unavailable             (503, with `retry_after`)
    └── ConnectionFailed        (no answer at all: connection refused or dropped, timeout)

The client raises them after its retries (429, 503, connection errors and timeouts are
retried first, as far as that is safe); every other error is raised at once.
"""

import email.utils
import time
from typing import Any

import httpx

IN_PROGRESS = "idempotency-key-in-flight"
CONCURRENT_UPDATE = "concurrent-update"


class InkwellError(Exception):
    """An error of the API, built from its problem document.

    `status` is the HTTP status (None when no response came), `type` the problem's URI,
    `title` its summary, `detail` the explanation of this occurrence, `instance` the
    path it concerns, and `problem` the whole document as received."""

    def __init__(
        self,
        detail: str,
        *,
        status: int | None = None,
        type: str = "about:blank",
        title: str = "",
        instance: str | None = None,
        problem: dict[str, Any] | None = None,
        response: httpx.Response | None = None,
    ) -> None:
        super().__init__(f"{status} {title}: {detail}" if status else detail)
        self.status = status
        self.type = type
        self.title = title
        self.detail = detail
        self.instance = instance
        self.problem: dict[str, Any] = problem or {}
        self.response = response

    @property
    def slug(self) -> str:
        """The last segment of `type` (`insufficient-credits`, `post-not-found`, ...)."""
        return self.type.rstrip("/").rsplit("/", 1)[-1]


class BadRequest(InkwellError):
    """400: the request was refused as malformed."""


class Unauthorized(InkwellError):
    """401: no token, or one that expired or is not valid; log in again."""


class Forbidden(InkwellError):
    """403: the resource is someone else's."""


class NotFound(InkwellError):
    """404: no such resource (or a draft that is not yours)."""


class Conflict(InkwellError):
    """409: the request conflicts with the resource's state (insufficient credits, a
    duplicate username, a concurrent update, an idempotent request still in progress)."""

    @property
    def in_progress(self) -> bool:
        """A request with the same Idempotency-Key is still running (the client waits
        these out by itself before raising)."""
        return self.slug == IN_PROGRESS

    @property
    def concurrent_update(self) -> bool:
        """Another write of the same resource won; read it again and retry."""
        return self.slug == CONCURRENT_UPDATE


class PreconditionFailed(InkwellError):
    """412: someone changed the resource since you read it; read it again."""


class PayloadTooLarge(InkwellError):
    """413: the body is over the server's limit."""


class ValidationFailed(InkwellError):
    """422: the request breaks a rule; `errors` lists the offending fields, if any."""

    @property
    def errors(self) -> list[dict[str, Any]]:
        """One entry per offending field (`loc`, `msg`, `type`), as the server sent them."""
        errors = self.problem.get("errors")
        return list(errors) if isinstance(errors, list) else []


class _RetryAfter(InkwellError):
    @property
    def retry_after(self) -> float | None:
        """Seconds the server asked to wait (its `Retry-After`), or None."""
        if self.response is None:
            return None
        return retry_after(self.response)


class RateLimited(_RetryAfter):
    """429: too many requests; retry after `retry_after` seconds."""


class ServerError(InkwellError):
    """5xx other than 503: a fault of the server."""


class Unavailable(_RetryAfter):
    """503: the service or its database is unavailable for now; retry after `retry_after`."""


class ConnectionFailed(InkwellError):
    """No response: the connection could not be made, was dropped, or timed out."""


_BY_STATUS: dict[int, type[InkwellError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    412: PreconditionFailed,
    413: PayloadTooLarge,
    422: ValidationFailed,
    429: RateLimited,
    503: Unavailable,
}


def retry_after(response: httpx.Response) -> float | None:
    """The response's `Retry-After` in seconds (delay-seconds or an HTTP date), or None."""
    value = response.headers.get("retry-after")
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def error_from(response: httpx.Response) -> InkwellError:
    """The exception for an error response, from its problem document if it has one."""
    try:
        body = response.json()
    except ValueError:
        body = None
    problem: dict[str, Any] = body if isinstance(body, dict) else {}
    status = response.status_code
    kind = _BY_STATUS.get(status, ServerError if status >= 500 else InkwellError)
    reason = response.reason_phrase or "Error"
    return kind(
        str(problem.get("detail") or reason),
        status=status,
        type=str(problem.get("type") or "about:blank"),
        title=str(problem.get("title") or reason),
        instance=problem.get("instance") if isinstance(problem.get("instance"), str) else None,
        problem=problem,
        response=response,
    )
