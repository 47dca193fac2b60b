"""JSON responses serialized once, in pydantic-core.

Handlers validate ORM objects into their `*Read` schema and dump JSON bytes in
one pass each (both in Rust), instead of letting FastAPI validate the returned
models again and encode them through Python dicts. Every document, read or
written, replayed or not, is rendered by `core.schemas.render`. `response_model=` on the
route still documents the shape in OpenAPI.
"""

from collections.abc import Mapping
from typing import Any, TypeVar

from fastapi import Response
from pydantic import TypeAdapter

from inkwell.core.schemas import render

T = TypeVar("T")


def respond(
    adapter: TypeAdapter[T],
    data: Any,
    *,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Response:
    return json_response(render(adapter, data), status_code=status_code, headers=headers)


def json_response(
    body: bytes, *, status_code: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    return Response(body, status_code=status_code, media_type="application/json", headers=headers)
