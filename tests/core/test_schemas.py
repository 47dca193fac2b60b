"""Request bodies are strict JSON: each field takes the JSON type its schema states.

Booleans are only `true`/`false`, integers only JSON integers, strings only strings,
amounts only ASCII decimal strings or plain JSON numbers. Anything else is a 422
naming the field, and nothing changes. (Query and path parameters are text by
nature and are parsed, as HTTP defines them.)
"""

import importlib
import re
from typing import Any

import pytest
from httpx import AsyncClient
from pydantic import TypeAdapter, ValidationError

from inkwell.core.schemas import NOT_BLANK
from tests.factories import (
    Account,
    assert_problem,
    make_account,
    make_post,
    post_payload,
    user_payload,
)

# Arabic-Indic and full-width digits: Python's `\d` and Decimal read both as 12.
# Values of every JSON type but the one a field wants (2.0 and 2.5 are JSON numbers
# with a fraction, which the service reads as exact decimals).
NOT_A_STRING = [True, 1, 2.5, [], {}, ["x"]]
NOT_A_BOOLEAN = [0, 1, 2.5, "true", "false", "", None, [], {}, [True]]
NOT_AN_INTEGER = ["2", 2.0, 2.5, True, None, [], {}, [2], {"id": 2}]
NOT_TAGS = ["python", 1, True, None, {}, [1], [True], [None], [["x"]], [{"name": "x"}]]
NOT_AN_AMOUNT = [True, False, None, [], {}, ["5"], "\u0661\u0662", "\uff11\uff12"]
NOT_AN_AMOUNT += ["12e0", " 12", "12.", "-5"]


def _cases(**fields: list[Any]) -> list[Any]:
    return [
        pytest.param(field, value, id=f"{field}={value!r}")
        for field, values in fields.items()
        for value in values
    ]


def _assert_names(response: Any, field: str) -> None:
    body = assert_problem(response, 422)
    assert any(err["loc"][:2] == ["body", field] for err in body["errors"]), body
    assert field in body["detail"]


@pytest.mark.parametrize(
    ("field", "value"),
    _cases(
        username=[*NOT_A_STRING, None],
        email=[*NOT_A_STRING, None],
        password=[*NOT_A_STRING, None],
        full_name=NOT_A_STRING,
    ),
)
async def test_registration_is_strict(client: AsyncClient, field: str, value: Any) -> None:
    _assert_names(await client.post("/users/", json=user_payload(**{field: value})), field)
    assert (await client.get("/users/")).json() == []


@pytest.mark.parametrize(
    ("field", "value"),
    _cases(username=NOT_A_STRING, email=NOT_A_STRING, full_name=NOT_A_STRING),
)
async def test_profile_update_is_strict(client: AsyncClient, field: str, value: Any) -> None:
    account = await make_account(client)
    response = await client.patch(
        f"/users/{account.id}", json={field: value}, headers=account.headers
    )
    _assert_names(response, field)
    assert (await client.get("/users/me", headers=account.headers)).json() == account.user


POST_CASES = _cases(title=NOT_A_STRING, body=NOT_A_STRING, published=NOT_A_BOOLEAN, tags=NOT_TAGS)


async def _posts(client: AsyncClient, author: Account) -> list[dict[str, Any]]:
    response = await client.get("/posts/", params={"author": author.user["username"]})
    listed: list[dict[str, Any]] = response.json()
    return listed


@pytest.mark.parametrize(("field", "value"), POST_CASES)
async def test_post_creation_is_strict(client: AsyncClient, field: str, value: Any) -> None:
    author = await make_account(client)
    response = await client.post(
        f"/users/{author.id}/posts/", json=post_payload(**{field: value}), headers=author.headers
    )
    _assert_names(response, field)
    assert await _posts(client, author) == []
    assert (await client.get("/tags/")).json() == []


@pytest.mark.parametrize(("field", "value"), POST_CASES)
async def test_post_update_is_strict(client: AsyncClient, field: str, value: Any) -> None:
    author = await make_account(client)
    post = await make_post(client, author, tags=["kept"])
    url = f"/posts/{post['id']}"
    _assert_names(await client.patch(url, json={field: value}, headers=author.headers), field)
    assert (await client.get(url, headers=author.headers)).json() == post


@pytest.mark.parametrize(
    ("field", "value"), _cases(to_user_id=NOT_AN_INTEGER, amount=NOT_AN_AMOUNT)
)
async def test_transfer_is_strict(client: AsyncClient, field: str, value: Any) -> None:
    sender = await make_account(client)
    recipient = await make_account(client)
    body = {"to_user_id": recipient.id, "amount": "12", field: value}
    _assert_names(await client.post("/transfers/", json=body, headers=sender.headers), field)
    for account in (sender, recipient):
        me = (await client.get("/users/me", headers=account.headers)).json()
        assert me["credits"] == "100.00"
    assert len((await client.get("/transfers/", headers=sender.headers)).json()) == 1


@pytest.mark.parametrize("body", ["3", "-3.8e16", "2.5", '"x"', "null", "true", "[]", "[{}]"])
@pytest.mark.parametrize("route", ["patch-user", "patch-post"])
async def test_a_body_that_is_not_an_object_is_422(
    client: AsyncClient, body: str, route: str
) -> None:
    """Not even a body whose fields are all optional: `{}` is an object, `3` is not."""
    author = await make_account(client)
    post = await make_post(client, author)
    url = f"/users/{author.id}" if route == "patch-user" else f"/posts/{post['id']}"
    headers = {**author.headers, "content-type": "application/json"}
    response = await client.patch(url, content=body, headers=headers)
    problem = assert_problem(response, 422)
    assert problem["errors"][0]["loc"] == ["body"]


@pytest.mark.parametrize(
    ("body", "amount"),
    [({"amount": "12.50"}, "12.50"), ({"amount": 12}, "12.00"), ({"amount": 12.5}, "12.50")],
)
async def test_the_documented_types_still_pass(
    client: AsyncClient, body: dict[str, Any], amount: str
) -> None:
    sender = await make_account(client)
    recipient = await make_account(client)
    response = await client.post(
        "/transfers/", json={"to_user_id": recipient.id, **body}, headers=sender.headers
    )
    assert response.status_code == 201, response.text
    assert response.json()["amount"] == amount
    created = await make_post(client, sender, published=True, tags=["x"])
    assert created["published"] is True


@pytest.mark.parametrize("text_type", ["posts.Title", "comments.CommentBody"])
def test_the_not_blank_pattern_says_what_validation_accepts(text_type: str) -> None:
    """The JSON schema's pattern of non-blank text accepts exactly what validation does,
    for every character that one of them might call white space (schemathesis sends them)."""
    module, name = text_type.split(".")
    adapter = TypeAdapter(getattr(importlib.import_module(f"inkwell.{module}.schemas"), name))
    pattern = re.compile(NOT_BLANK["pattern"])
    suspects = [chr(c) for c in range(0x3001) if chr(c).isspace() or re.match(r"\s", chr(c))]
    for text in [*suspects, "\ufeff", "\u200b", "x", " x ", "\u0085x"]:
        try:
            adapter.validate_python(text)
            accepted = True
        except ValidationError:
            accepted = False
        assert accepted == bool(pattern.fullmatch(text)), repr(text)
