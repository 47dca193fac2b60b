"""Conduit's error documents: `{"errors": {"field": ["message"]}}`, for paths under `/api`.

The services raise the same domain errors for both dialects; only the rendering
differs. Statuses are the domain's, but for two of Conduit's conventions: a token is
asked for with `WWW-Authenticate: Token`, and a taken username or e-mail is a 422
about that field (`{"errors": {"username": ["has already been taken"]}}`).
"""

from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

from fastapi.responses import JSONResponse
from pydantic import BaseModel

from inkwell.core.errors import Conflict, DomainError, ValidationFailed

PREFIX = "/api"


def _field(loc: Sequence[Any]) -> str:
    """The member an error is about: `["body", "user", "email", ...]` -> `email` (the
    envelope's member, whatever follows: list indexes, union members),
    `["body", "user"]` -> `user`, `["query", "limit"]` -> `limit`; else `body`."""
    names = [part for part in loc[1:] if isinstance(part, str)]
    if loc and loc[0] == "body":
        return names[1] if len(names) > 1 else (names[0] if names else "body")
    return names[0] if names else "body"


def _message(error: dict[str, Any]) -> str:
    if error.get("type") == "missing":
        return "can't be blank"
    return str(error.get("msg", "is invalid"))


def _validation_errors(errors: Sequence[dict[str, Any]]) -> dict[str, list[str]]:
    by_field: dict[str, list[str]] = {}
    for error in errors:
        # `Email | Literal[""]`: the "" alternative's own complaint says nothing useful.
        if error.get("type") == "literal_error" and len(errors) > 1:
            continue
        messages = by_field.setdefault(_field(error.get("loc", ())), [])
        if (message := _message(error)) not in messages:
            messages.append(message)
    return by_field or {"body": ["is invalid"]}


def render(_path: str, exc: DomainError) -> JSONResponse:
    """The Conduit error document of a domain error."""
    status = exc.status
    headers = dict(exc.headers or {})
    if isinstance(exc, ValidationFailed):
        errors = _validation_errors(exc.extra.get("errors", ()))
    elif isinstance(exc, Conflict) and exc.field is not None:
        status, errors = 422, {exc.field: ["has already been taken"]}
    else:
        errors = {exc.field or "body": [exc.detail]}
    if status == 401:
        headers["WWW-Authenticate"] = "Token"
    return JSONResponse({"errors": errors}, status_code=status, headers=headers)


class Errors(BaseModel):
    """Conduit's error document: messages by the field they are about (`body` when the
    error is about no one field)."""

    errors: dict[str, list[str]]


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries for the error documents a route can return."""
    return {
        status: {"description": HTTPStatus(status).phrase, "model": Errors} for status in statuses
    }
