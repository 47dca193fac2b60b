"""The Conduit dialect in OpenAPI: every operation described, its errors Conduit's."""

from httpx import AsyncClient


async def test_every_conduit_operation_is_documented(client: AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    conduit = {p: ops for p, ops in spec["paths"].items() if p.startswith("/api/")}
    assert conduit
    for path, operations in conduit.items():
        for method, op in operations.items():
            assert op.get("summary"), (path, method)
            assert op.get("description"), (path, method)
            for status, response in op["responses"].items():
                if status.startswith(("4", "5")):
                    schema = response["content"]["application/json"]["schema"]
                    assert schema["$ref"] == "#/components/schemas/Errors", (path, method)
    assert spec["components"]["securitySchemes"]["Token"]["in"] == "header"
