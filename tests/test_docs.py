"""OpenAPI and the offline /docs page."""

import re

from fastapi import FastAPI
from httpx import AsyncClient

from tests.factories import assert_problem
from tests.support import api_routes


async def test_docs_page_uses_local_assets(client: AsyncClient) -> None:
    response = await client.get("/docs")
    assert response.status_code == 200
    assets = re.findall(r'(?:src|href)="([^"]+)"', response.text)
    assert assets
    assert all(a.startswith("/") for a in assets), assets
    for asset in assets:
        served = await client.get(asset)
        assert served.status_code == 200, asset
        assert len(served.content) > 1000


async def test_every_operation_is_documented(app: FastAPI, client: AsyncClient) -> None:
    """The native API's operations (the Conduit dialect's: tests/conduit/test_docs.py)."""
    spec = (await client.get("/openapi.json")).json()
    native = {p: ops for p, ops in spec["paths"].items() if not p.startswith("/api/")}
    operations = [op for path in native.values() for op in path.values()]
    # Each operation the app routes to a handler in its schema is described, once.
    routed = [
        (route.path_format, method.lower())
        for route in api_routes(app.routes)
        if route.include_in_schema and not route.path_format.startswith("/api/")
        for method in route.methods
    ]
    assert routed
    assert sorted((path, method) for path, ops in native.items() for method in ops) == sorted(
        routed
    )
    for op in operations:
        assert op.get("summary"), op["operationId"]
        assert op.get("description"), op["operationId"]
        for status, response in op["responses"].items():
            if status.startswith(("4", "5")):
                assert "application/problem+json" in response["content"], op["operationId"]
        body = op.get("requestBody", {}).get("content", {}).get("application/json")
        if body:
            ref = body["schema"]["$ref"].rsplit("/", 1)[-1]
            assert spec["components"]["schemas"][ref].get("examples"), ref


async def test_unknown_route_and_method_are_problems(client: AsyncClient) -> None:
    assert_problem(await client.get("/nowhere"), 404)
    assert_problem(await client.put("/users/"), 405)


async def test_protected_operations_declare_bearer_auth(client: AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    schemes = spec["components"]["securitySchemes"]
    assert schemes["OAuth2PasswordBearer"]["flows"]["password"]["tokenUrl"] == "/auth/token"
    protected = {
        ("/users/me", "get"),
        ("/users/{user_id}", "patch"),
        ("/users/{user_id}", "delete"),
        ("/users/{user_id}/posts/", "post"),
        ("/posts/{post_id}", "patch"),
        ("/posts/{post_id}", "delete"),
        ("/transfers/", "post"),
        ("/transfers/", "get"),
        ("/users/{user_id}/following/{followee_id}", "put"),
        ("/users/{user_id}/following/{followee_id}", "delete"),
        ("/posts/{post_id}/favorite", "put"),
        ("/posts/{post_id}/favorite", "delete"),
        ("/posts/{post_id}/comments/", "post"),
        ("/posts/{post_id}/comments/{comment_id}", "delete"),
    }
    for path, method in protected:
        operation = spec["paths"][path][method]
        assert {"OAuth2PasswordBearer": []} in operation["security"], (path, method)
        assert "401" in operation["responses"], (path, method)


async def test_conditional_writes_are_documented(client: AsyncClient) -> None:
    """PATCH and DELETE of posts and users take an optional If-Match, may answer 412,
    and a PATCH's answer (and a creation's) names the new version's ETag."""
    spec = (await client.get("/openapi.json")).json()
    conditional = [
        (path, method)
        for path in ("/posts/{post_id}", "/users/{user_id}")
        for method in ("patch", "delete")
    ]
    for path, method in conditional:
        operation = spec["paths"][path][method]
        (if_match,) = [p for p in operation["parameters"] if p["name"] == "If-Match"]
        assert if_match["in"] == "header"
        assert if_match["required"] is False
        assert "412" in if_match["description"]
        problem = operation["responses"]["412"]["content"]["application/problem+json"]
        assert problem["schema"]["$ref"] == "#/components/schemas/Problem"
        assert "409" in operation["responses"]
    tagged = [
        ("/posts/{post_id}", "patch", "200"),
        ("/users/{user_id}", "patch", "200"),
        ("/users/{user_id}/posts/", "post", "201"),
        ("/users/", "post", "201"),
        ("/posts/{post_id}/favorite", "put", "200"),
        ("/posts/{post_id}/favorite", "delete", "200"),
    ]
    for path, method, status in tagged:
        headers = spec["paths"][path][method]["responses"][status]["headers"]
        assert headers["ETag"]["schema"] == {"type": "string"}, (path, method)
