"""CORS for front ends on another origin: preflights for every method with the headers
Conduit front ends send, and the CORS headers on every answer, errors included."""

import pytest
from httpx import AsyncClient

from inkwell.conduit import router as conduit_router
from inkwell.core.config import Settings
from tests.factories import assert_conduit_error, make_conduit_user
from tests.support import make_settings

ORIGIN = "https://conduit.example"


@pytest.fixture
def settings(db_url: str, read_cache_entries: int, read_cache_verify: bool) -> Settings:
    return make_settings(
        db_url,
        read_cache_entries=read_cache_entries,
        read_cache_verify=read_cache_verify,
        cors_origins=f"{ORIGIN},https://other.example",
    )


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/articles"),
        ("POST", "/api/articles"),
        ("PUT", "/api/user"),
        ("PUT", "/api/articles/a-slug"),
        ("DELETE", "/api/articles/a-slug/comments/1"),
        ("POST", "/api/profiles/ada/follow"),
        ("PATCH", "/posts/1"),
    ],
)
async def test_preflights_allow_authorization_and_content_type(
    client: AsyncClient, method: str, path: str
) -> None:
    response = await client.options(
        path,
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "authorization, content-type, x-requested-with",
        },
    )
    assert response.status_code == 200, response.text
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert method in response.headers["access-control-allow-methods"].split(", ")
    allowed = response.headers["access-control-allow-headers"].lower()
    for header in ("authorization", "content-type", "x-requested-with"):
        assert header in allowed


async def test_an_unlisted_origin_gets_no_cors_headers(client: AsyncClient) -> None:
    response = await client.get("/api/tags", headers={"Origin": "https://evil.example"})
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers


async def test_answers_carry_cors_headers(client: AsyncClient) -> None:
    writer = await make_conduit_user(client)
    headers = {"Origin": ORIGIN, **writer.headers}
    for response in (
        await client.get("/api/user", headers=headers),
        await client.get("/api/tags", headers={"Origin": ORIGIN}),
    ):
        assert response.status_code == 200
        assert response.headers["access-control-allow-origin"] == ORIGIN


async def test_errors_carry_cors_headers(client: AsyncClient) -> None:
    origin = {"Origin": ORIGIN}
    unauthorized = await client.get("/api/user", headers=origin)
    assert_conduit_error(unauthorized, 401)
    missing = await client.get("/api/nowhere", headers=origin)
    assert_conduit_error(missing, 404)
    invalid = await client.post("/api/users", json={"user": {}}, headers=origin)
    assert_conduit_error(invalid, 422, "username")
    too_large = await client.post(
        "/api/users",
        content=b"x" * 2_000_000,
        headers={**origin, "content-type": "application/json"},
    )
    assert_conduit_error(too_large, 413)
    native = await client.get("/users/me", headers=origin)
    assert native.status_code == 401
    for response in (unauthorized, missing, invalid, too_large, native):
        assert response.headers["access-control-allow-origin"] == ORIGIN, response.request.url


async def test_an_unexpected_error_carries_cors_headers(
    client: AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*_args: object, **_kwargs: object) -> list[str]:
        raise RuntimeError("a bug")

    monkeypatch.setattr(conduit_router.tags_service, "names_in_use", broken)
    response = await client.get("/api/tags", headers={"Origin": ORIGIN})
    assert_conduit_error(response, 500)
    assert response.headers["access-control-allow-origin"] == ORIGIN
