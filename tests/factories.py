"""Builders of test data through the public API, with overridable defaults."""

import itertools
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

from httpx import AsyncClient, Response
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.pool import QueuePool

from inkwell.models import Comment, Favorite, Follow, Post, Tag, User
from inkwell.users import service as users_service

_seq = itertools.count(1)


# What a user's public document shows (to anyone), and what the holder's own adds.
USER_FIELDS = {"id", "username", "full_name", "bio", "image", "created_at"}
PRIVATE_USER_FIELDS = USER_FIELDS | {"email", "credits", "is_active"}


def public(user: dict[str, Any]) -> dict[str, Any]:
    """The public document of a user from the holder's own."""
    return {k: v for k, v in user.items() if k in USER_FIELDS}


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


@dataclass(frozen=True)
class Account:
    """A registered user with a valid bearer token."""

    user: dict[str, Any]
    password: str
    headers: dict[str, str]

    @property
    def id(self) -> int:
        user_id: int = self.user["id"]
        return user_id


async def request_token(client: AsyncClient, username: str, password: str) -> Response:
    """POST /auth/token with the password form: its answer, whatever it is."""
    return await client.post("/auth/token", data={"username": username, "password": password})


async def login(client: AsyncClient, username: str, password: str) -> dict[str, str]:
    response = await request_token(client, username, password)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def make_account(client: AsyncClient, **over: Any) -> Account:
    payload = user_payload(**over)
    user = await make_user(client, **payload)
    headers = await login(client, user["username"], payload["password"])
    return Account(user=user, password=payload["password"], headers=headers)


async def make_post(client: AsyncClient, author: Account, **over: Any) -> dict[str, Any]:
    response = await client.post(
        f"/users/{author.id}/posts/", json=post_payload(**over), headers=author.headers
    )
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


async def deactivate(engine: AsyncEngine, user_id: int) -> None:
    """What an operator's `inkwell users deactivate` does (no API can)."""
    sessionmaker = async_sessionmaker(engine, expire_on_commit=False)
    async with sessionmaker() as session, session.begin():
        await users_service.set_active(session, ref=str(user_id), active=False)


async def seed_posts(engine: AsyncEngine, count: int, *, tags_per_post: int = 3) -> None:
    """Insert `count` published posts, each by its own author, with shared tags."""
    sessionmaker = async_sessionmaker(engine, expire_on_commit=False)
    async with sessionmaker() as session, session.begin():
        tags = [Tag(name=f"seed-tag-{i}") for i in range(10)]
        session.add_all(tags)
        for i in range(count):
            n = next(_seq)
            author = User(username=f"seed{n}", email=f"seed{n}@example.com", hashed_password="x")
            post_tags = [tags[(i + k) % len(tags)] for k in range(tags_per_post)]
            session.add(
                Post(
                    title=f"Seed {i}",
                    slug=f"seed-{n}",
                    body="Seeded body text.",
                    published=True,
                    author=author,
                    tags=post_tags,
                )
            )


async def load_user(session: AsyncSession, user_id: int) -> User:
    """The account as a service receives it (Writer loads it so)."""
    return await users_service.get_or_raise(session, user_id)


async def seed_social(engine: AsyncEngine, count: int, *, fan_id: int) -> tuple[int, int]:
    """A hub user with `count` published posts, and `count` users who each follow the
    hub, are followed by it and by the fan, favorite its first post and comment on it; the
    fan favorites every post. Returns the hub's id and its first post's id."""
    sessionmaker = async_sessionmaker(engine, expire_on_commit=False)
    async with sessionmaker() as session, session.begin():
        n = next(_seq)
        hub = User(username=f"hub{n}", email=f"hub{n}@example.com", hashed_password="x")
        posts = [
            Post(title="Hub", slug=f"hub-{n}-{i}", body="Hub body.", published=True, author=hub)
            for i in range(count)
        ]
        others = [
            User(username=f"fan{n}-{i}", email=f"fan{n}-{i}@example.com", hashed_password="x")
            for i in range(count)
        ]
        session.add_all([hub, *posts, *others])
        await session.flush()
        first = posts[0]
        session.add_all(
            [Follow(follower_id=o.id, followee_id=hub.id) for o in others]
            + [Follow(follower_id=hub.id, followee_id=o.id) for o in others]
            + [Follow(follower_id=fan_id, followee_id=o.id) for o in [*others, hub]]
            + [Favorite(user_id=o.id, post_id=first.id) for o in others]
            + [Favorite(user_id=fan_id, post_id=p.id) for p in posts]
            + [Comment(post_id=first.id, author_id=o.id, body="Nice.") for o in others]
        )
        for post in posts:
            post.favorites_count = 1
        first.favorites_count = count + 1
        return hub.id, first.id


async def warm_pool(engine: AsyncEngine) -> None:
    """Open the pool's connections one after another before a race test runs its
    requests at once: on a busy machine, opening many at the same moment may take
    longer than DB_CONNECT_TIMEOUT, which is not what those tests are about. (Only the
    pool's size: connections beyond it are closed when they are given back.)"""
    pool = engine.pool
    size = pool.size() if isinstance(pool, QueuePool) else 1
    async with AsyncExitStack() as stack:
        for _ in range(size):
            await stack.enter_async_context(engine.connect())


# The Conduit dialect (/api) ------------------------------------------------------------


@dataclass(frozen=True)
class ConduitUser:
    """A user registered through /api/users, with its `Authorization: Token` header."""

    user: dict[str, Any]
    password: str

    @property
    def username(self) -> str:
        name: str = self.user["username"]
        return name

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Token {self.user['token']}"}


async def make_conduit_user(client: AsyncClient, **over: Any) -> ConduitUser:
    n = next(_seq)
    payload = {
        "username": f"writer{n}",
        "email": f"writer{n}@example.com",
        "password": "pass-word-1",
    }
    payload.update(over)
    response = await client.post("/api/users", json={"user": payload})
    assert response.status_code == 201, response.text
    return ConduitUser(user=response.json()["user"], password=payload["password"])


def article_payload(**over: Any) -> dict[str, Any]:
    n = next(_seq)
    return {
        "title": f"Article {n}",
        "description": f"About article {n}",
        "body": f"The body of article number {n}.",
        "tagList": [],
        **over,
    }


async def make_article(client: AsyncClient, author: ConduitUser, **over: Any) -> dict[str, Any]:
    response = await client.post(
        "/api/articles", json={"article": article_payload(**over)}, headers=author.headers
    )
    assert response.status_code == 201, response.text
    article: dict[str, Any] = response.json()["article"]
    return article


def assert_conduit_error(response: Any, status: int, *fields: str) -> dict[str, list[str]]:
    """The response is Conduit's `{"errors": {field: [message, ...]}}` with this status."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    errors: dict[str, list[str]] = response.json()["errors"]
    assert errors
    assert all(isinstance(m, list) and m for m in errors.values()), errors
    for field in fields:
        assert field in errors, errors
    return errors
