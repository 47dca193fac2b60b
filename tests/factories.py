"""Builders of test data through the public API, with overridable defaults."""

import itertools
from typing import Any

from httpx import AsyncClient

_seq = itertools.count(1)


def user_payload(**over: Any) -> dict[str, Any]:
    n = next(_seq)
    return {
        "username": f"user{n}",
        "email": f"user{n}@example.com",
        "password": "s3cret-password",
        "full_name": f"User {n}",
        **over,
    }


def post_payload(**over: Any) -> dict[str, Any]:
    n = next(_seq)
    return {"title": f"Post {n}", "body": f"Body of post number {n}.", **over}


async def make_user(client: AsyncClient, **over: Any) -> dict[str, Any]:
    response = await client.post("/users/", json=user_payload(**over))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def make_post(client: AsyncClient, user_id: int, **over: Any) -> dict[str, Any]:
    response = await client.post(f"/users/{user_id}/posts/", json=post_payload(**over))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    """The response is an RFC 9457 problem document with this status."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["type"].startswith("https://")
    assert body["title"]
    assert body["detail"]
    return body
