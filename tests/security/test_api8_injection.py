"""OWASP API8:2023 security misconfiguration, and injection.

Hostile strings in every string field and query parameter come back verbatim or
as 422, never as a 500; no error shows a traceback or SQL. Each case asserts the
one answer the schemas give it.
"""

import json
from typing import Any
from urllib.parse import quote

import pytest
from httpx import AsyncClient, Response

from tests.factories import (
    assert_problem,
    login,
    make_account,
    make_post,
    post_payload,
    user_payload,
)

LONG = "x" * 10_000
HOSTILE = [
    "' OR '1'='1",
    '"; DROP TABLE users; --',
    "%_\\",
    "Robert'); DELETE FROM posts;--",
    "e\u0301\u0301\u0301 combining",
    "\u202eRTL override\u202c",
    "\U0001f600\U0001f4a9 emoji",
    "\ufeffzero\u200bwidth",
    LONG,
]
# What the schemas keep of these (201); they refuse the rest (422). A username is 3-50
# of `A-Za-z0-9_.-` and none is an e-mail address; a full name is at most 100
# characters, a password 8-128; a tag holds letters and digits (Unicode categories L
# and N, not marks, format characters or symbols), spaces and `_ . + # -`.
KEPT: dict[str, set[str]] = {
    "username": set(),
    "email": set(),
    "full_name": set(HOSTILE) - {LONG},
    "password": set(HOSTILE) - {"%_\\", LONG},
    "tag": {LONG},  # its first 50 characters
}
# Sent as raw JSON text, so that the escapes reach the server unchanged.
RAW_REFUSED = ['"nul\\u0000byte"', '"lone \\ud800 surrogate"', '"\\udfff"']


def _never_leaks(response: Response) -> None:
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        text = response.text
        for leak in ("Traceback", "SELECT ", "INSERT ", "sqlalchemy", "asyncpg", "sqlite3"):
            assert leak not in text, text


async def _post_raw(client: AsyncClient, url: str, raw: str, headers: dict[str, str]) -> Response:
    return await client.post(
        url, content=raw, headers={**headers, "content-type": "application/json"}
    )


@pytest.mark.parametrize("value", HOSTILE)
async def test_user_fields_keep_or_refuse_hostile_text(client: AsyncClient, value: str) -> None:
    for field in ("username", "full_name", "email", "password"):
        payload = user_payload(**{field: value})
        response = await client.post("/users/", json=payload)
        _never_leaks(response)
        if value not in KEPT[field]:
            assert_problem(response, 422)
            continue
        assert response.status_code == 201, (field, response.text)
        if field == "full_name":
            assert response.json()["full_name"] == value.strip()
        if field == "password":  # kept verbatim: it logs in
            await login(client, payload["username"], value)


@pytest.mark.parametrize("value", HOSTILE)
async def test_post_fields_keep_or_refuse_hostile_text(client: AsyncClient, value: str) -> None:
    account = await make_account(client)
    url = f"/users/{account.id}/posts/"
    body = value if len(value) >= 10 else value + " (padding)"
    response = await client.post(
        url, json=post_payload(title=value[:200], body=body), headers=account.headers
    )
    _never_leaks(response)
    assert response.status_code == 201, response.text
    post = response.json()
    assert post["title"] == value[:200].strip()
    assert post["body"] == body
    fetched = await client.get(f"/posts/{post['id']}", headers=account.headers)
    assert fetched.json() == post
    tagged = await client.post(url, json=post_payload(tags=[value[:50]]), headers=account.headers)
    _never_leaks(tagged)
    if value in KEPT["tag"]:
        assert tagged.status_code == 201, tagged.text
        assert [t["name"] for t in tagged.json()["tags"]] == [value[:50].strip().lower()]
    else:
        assert_problem(tagged, 422)


@pytest.mark.parametrize("value", [*HOSTILE, "\x00", "a\x00b"])
async def test_query_parameters_never_break(client: AsyncClient, value: str) -> None:
    """Filters take any text up to their length (255 for an author, 200 for a tag) and
    no NUL, and find nothing here; a cursor is only one the service issued."""
    account = await make_account(client)
    await make_post(client, account, published=True, tags=["t"])
    storable = "\x00" not in value
    for path, params, max_length in (
        ("/posts/", {"author": value}, 255),
        ("/posts/", {"tag": value}, 200),
        ("/posts/", {"cursor": value}, 0),
        ("/users/", {"cursor": value}, 0),
        (f"/tags/{quote(value[:300], safe='')}/posts", {}, 200),
    ):
        response = await client.get(path, params=params)
        _never_leaks(response)
        if not (storable and len(value[:300]) <= max_length):
            assert_problem(response, 422)
        elif path.startswith("/tags/"):
            assert_problem(response, 404)
        else:
            assert response.status_code == 200, (path, response.text)
            assert response.json() == []


@pytest.mark.parametrize("raw", RAW_REFUSED)
async def test_unstorable_strings_are_422(client: AsyncClient, raw: str) -> None:
    account = await make_account(client)
    payloads: list[tuple[str, str]] = [
        ("/users/", f'{{"username": "abc", "email": "a@b.co", "password": {raw}}}'),
        (
            "/users/",
            f'{{"username": "abc", "email": "a@b.co", "password": "pw123456", "full_name": {raw}}}',
        ),
        (f"/users/{account.id}/posts/", f'{{"title": {raw}, "body": "long enough body"}}'),
        (
            f"/users/{account.id}/posts/",
            f'{{"title": "t", "body": "long enough body", "tags": [{raw}]}}',
        ),
    ]
    for url, raw_body in payloads:
        response = await _post_raw(client, url, raw_body, account.headers)
        _never_leaks(response)
        assert_problem(response, 422)


@pytest.mark.parametrize(
    "raw",
    ['{"username": ', "[]", '"just a string"', "{" * 5000, '{"a": 1}' * 2, "\xff\xfe"],
)
async def test_malformed_bodies_are_422(client: AsyncClient, raw: str) -> None:
    """Not JSON, or JSON that is not an object: the body is invalid, as the OpenAPI
    document declares for every operation (422 with the errors), not a 400."""
    response = await client.post(
        "/users/", content=raw.encode("latin-1"), headers={"content-type": "application/json"}
    )
    _never_leaks(response)
    body = assert_problem(response, 422)
    assert body["errors"][0]["loc"][0] == "body"


async def test_security_headers_on_errors_too(client: AsyncClient) -> None:
    for response in (
        await client.get("/nowhere"),
        await client.get("/users/abc"),
        await client.post("/users/", json={}),
    ):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        body: dict[str, Any] = json.loads(response.text)
        assert set(body) >= {"type", "title", "status", "detail"}


async def test_invalid_utf8_body_is_422(client: AsyncClient) -> None:
    response = await client.post(
        "/users/", content=b'{"username": "\xff\xfe"}', headers={"content-type": "application/json"}
    )
    _never_leaks(response)
    assert_problem(response, 422)
