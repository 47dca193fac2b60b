"""The OpenAPI document: errors are declared as problem+json everywhere but under the
prefix of another dialect (the Conduit API's `/api`), whose routes declare their own."""

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from inkwell.core.http.problems import PROBLEM_JSON
from inkwell.core.schemas import Problem

_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


def install_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _build(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _build(app: FastAPI) -> dict[str, Any]:
    schema = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
        tags=app.openapi_tags,
    )
    schemas = schema.setdefault("components", {}).setdefault("schemas", {})
    schemas["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    dialects = tuple(prefix + "/" for prefix, _ in app.state.error_dialects)
    for name, path in schema.get("paths", {}).items():
        if name.startswith(dialects):
            continue
        for operation in path.values():
            if "422" in operation.get("responses", {}):
                operation["responses"]["422"] = {
                    "description": "Validation failed",
                    "content": {PROBLEM_JSON: {"schema": _PROBLEM_REF}},
                }
    return schema
