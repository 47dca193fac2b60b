"""OWASP API1:2023 broken object level authorization.

Every operation that takes an object id is tried with another user's token and
with none: nothing changes, and the answer is 403, 404 or 401, never the object.
"""

from typing import Any

import pytest
from httpx import AsyncClient

from tests.factories import Account, assert_problem, make_account, make_post, post_payload

# (method, path template, body, status for another user); None body: no body.
OPERATIONS: list[tuple[str, str, dict[str, Any] | None, int]] = [
    ("PATCH", "/users/{user_id}", {"full_name": "Taken over"}, 403),
    ("DELETE", "/users/{user_id}", None, 403),
    ("POST", "/users/{user_id}/posts/", post_payload(), 403),
    ("PATCH", "/posts/{post_id}", {"title": "Taken over"}, 403),
    ("DELETE", "/posts/{post_id}", None, 403),
    ("GET", "/posts/{draft_id}", None, 404),
    ("PATCH", "/posts/{draft_id}", {"title": "Taken over"}, 404),
    ("DELETE", "/posts/{draft_id}", None, 404),
]


async def _snapshot(client: AsyncClient, owner: Account) -> list[Any]:
    me = (await client.get("/users/me", headers=owner.headers)).json()
    posts = (await client.get("/posts/?limit=100", headers=owner.headers)).json()
    return [me, posts]


@pytest.mark.parametrize(("method", "template", "body", "status"), OPERATIONS)
async def test_other_users_and_nobody_are_refused(
    client: AsyncClient,
    method: str,
    template: str,
    body: dict[str, Any] | None,
    status: int,
) -> None:
    owner = await make_account(client)
    intruder = await make_account(client)
    post = await make_post(client, owner, published=True)
    draft = await make_post(client, owner, published=False)
    url = template.format(user_id=owner.id, post_id=post["id"], draft_id=draft["id"])
    before = await _snapshot(client, owner)
    kwargs: dict[str, Any] = {"json": body} if body is not None else {}

    as_intruder = await client.request(method, url, headers=intruder.headers, **kwargs)
    assert_problem(as_intruder, status)
    as_nobody = await client.request(method, url, **kwargs)
    assert_problem(as_nobody, 404 if (method == "GET" and status == 404) else 401)
    assert await _snapshot(client, owner) == before


async def test_transfers_list_only_the_callers(client: AsyncClient) -> None:
    alice = await make_account(client)
    bob = await make_account(client)
    carol = await make_account(client)
    await client.post(
        "/transfers/", json={"to_user_id": carol.id, "amount": "5"}, headers=bob.headers
    )
    rows = (await client.get("/transfers/", headers=alice.headers)).json()
    assert {r["to_user_id"] for r in rows} == {alice.id}
    assert all(r["from_user_id"] in (None, alice.id) for r in rows)


async def test_transfers_always_debit_the_caller(client: AsyncClient) -> None:
    alice = await make_account(client)
    bob = await make_account(client)
    forged = {"to_user_id": alice.id, "amount": "5", "from_user_id": bob.id}
    assert_problem(await client.post("/transfers/", json=forged, headers=alice.headers), 422)
    bob_me = (await client.get("/users/me", headers=bob.headers)).json()
    assert bob_me["credits"] == "100.00"
