"""JSON responses serialized once, in pydantic-core.

Handlers validate ORM objects into their `*Read` schema and dump JSON bytes in
one pass each (both in Rust), instead of letting FastAPI validate the returned
models again and encode them through Python dicts. `response_model=` on the
route still documents the shape in OpenAPI.
"""

from collections.abc import Mapping
from typing import Any, TypeVar

from fastapi import Response
from pydantic import TypeAdapter

T = TypeVar("T")


def respond(
    adapter: TypeAdapter[T],
    data: Any,
    *,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Response:
    body = adapter.dump_json(adapter.validate_python(data, from_attributes=True))
    return Response(body, status_code=status_code, media_type="application/json", headers=headers)
