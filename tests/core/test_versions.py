"""Row versions: every write that changes what a document shows moves its row's version
on, whichever way it writes (ORM or Core), and a lost update is a 409, not a 500."""

import asyncio

from httpx import AsyncClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from inkwell.conduit.schemas import Profile
from inkwell.users.models import PUBLIC_COLUMNS, User
from inkwell.users.schemas import UserBrief, UserRead
from tests.factories import assert_problem, deactivate, make_account, make_post
from tests.support import row_lock, until_the_service_waits_on_a_lock


async def _version(engine: AsyncEngine, table: str, row_id: int) -> int:
    async with engine.connect() as conn:
        version = await conn.scalar(
            text(f"SELECT version FROM {table} WHERE id = :id"),  # noqa: S608 - ours
            {"id": row_id},
        )
    assert isinstance(version, int)
    return version


async def _public_version(engine: AsyncEngine, user_id: int) -> int:
    async with engine.connect() as conn:
        version = await conn.scalar(
            text("SELECT public_version FROM users WHERE id = :id"), {"id": user_id}
        )
    assert isinstance(version, int)
    return version


async def test_every_write_of_a_post_moves_its_version(
    client: AsyncClient, engine: AsyncEngine
) -> None:
    author = await make_account(client)
    post = await make_post(client, author, tags=["a"])
    seen = [await _version(engine, "posts", post["id"])]
    for change in ({"title": "New title"}, {"body": "A new body text."}, {"published": True}):
        response = await client.patch(f"/posts/{post['id']}", json=change, headers=author.headers)
        assert response.status_code == 200, response.text
        seen.append(await _version(engine, "posts", post["id"]))
    response = await client.patch(
        f"/posts/{post['id']}", json={"tags": ["b"]}, headers=author.headers
    )
    assert response.status_code == 200
    seen.append(await _version(engine, "posts", post["id"]))
    assert seen == [1, 2, 3, 4, 5]


async def test_every_write_of_a_user_moves_its_version(
    client: AsyncClient, engine: AsyncEngine
) -> None:
    alice = await make_account(client)
    bob = await make_account(client)
    # Registered (1), then granted the starting credits (2).
    assert await _version(engine, "users", alice.id) == 2
    response = await client.patch(
        f"/users/{alice.id}", json={"full_name": "Alice R."}, headers=alice.headers
    )
    assert response.status_code == 200
    assert await _version(engine, "users", alice.id) == 3
    response = await client.post(
        "/transfers/", json={"to_user_id": bob.id, "amount": "1.00"}, headers=alice.headers
    )
    assert response.status_code == 201
    assert await _version(engine, "users", alice.id) == 4
    assert await _version(engine, "users", bob.id) == 3
    await deactivate(engine, bob.id)
    assert await _version(engine, "users", bob.id) == 4
    assert (await client.delete(f"/users/{alice.id}", headers=alice.headers)).status_code == 204
    assert await _version(engine, "users", alice.id) == 5


async def test_a_write_that_read_an_older_version_is_a_409(
    pg_client: AsyncClient, postgres_url: str
) -> None:
    """Another transaction changes Alice's row between the PATCH's read and its write:
    the ORM's version check makes the PATCH lose with a 409, and it writes nothing."""
    alice = await make_account(pg_client)
    # The lock the other transaction's UPDATE takes (not FOR UPDATE, which would also
    # wait for the hold a writing request has on its caller's row, before its read).
    async with row_lock(postgres_url, "users", alice.id, mode="NO KEY UPDATE") as (other, tx):
        patch = asyncio.ensure_future(
            pg_client.patch(f"/users/{alice.id}", json={"full_name": "Late"}, headers=alice.headers)
        )
        await until_the_service_waits_on_a_lock(other)
        await other.execute(
            "UPDATE users SET full_name = 'First', version = version + 1 WHERE id = $1", alice.id
        )
        await tx.commit()
        response = await asyncio.wait_for(patch, timeout=10)
    body = assert_problem(response, 409)
    assert body["type"].endswith("/concurrent-update")
    me = await pg_client.get("/users/me", headers=alice.headers)
    assert me.json()["full_name"] == "First"


def test_the_public_version_covers_every_column_anyone_sees() -> None:
    """What anyone sees of an account (its public document, a Conduit profile, a post's
    or comment's author) is keyed by `public_version`, which moves with PUBLIC_COLUMNS
    alone: every other column they show would go stale in the cache."""
    shown = set(UserRead.model_fields) | set(Profile.model_fields) | set(UserBrief.model_fields)
    columns = {column.key for column in User.__table__.columns}
    never_change = {"id", "created_at"}
    assert shown & columns - never_change == set(PUBLIC_COLUMNS)


async def test_the_public_version_moves_with_what_anyone_sees_alone(
    client: AsyncClient, engine: AsyncEngine
) -> None:
    alice = await make_account(client)
    bob = await make_account(client)
    response = await client.post(
        "/transfers/", json={"to_user_id": bob.id, "amount": "1.00"}, headers=alice.headers
    )
    assert response.status_code == 201
    changes = [{"email": "alice.moved@example.com"}, {"bio": "Hello."}, {"bio": "Hello."}, {}]
    seen = [await _public_version(engine, alice.id)]
    for change in changes:
        response = await client.patch(f"/users/{alice.id}", json=change, headers=alice.headers)
        assert response.status_code == 200, response.text
        seen.append(await _public_version(engine, alice.id))
    assert seen == [1, 1, 2, 2, 2]
    assert await _public_version(engine, bob.id) == 1
