"""posts.service: slugs, lookups by slug, and the filters both dialects list with."""

import asyncio
import json

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from inkwell.core.db import AsyncReadSession
from inkwell.core.documents import Read
from inkwell.core.pagination import Page
from inkwell.favorites import service as favorites_service
from inkwell.follows import service as follows_service
from inkwell.posts import service
from inkwell.posts.documents import DOCUMENT, VIEW
from inkwell.posts.schemas import PostCreate, PostUpdate
from tests.factories import Account, load_user, make_account, make_post

Sessions = async_sessionmaker[AsyncSession]
Readers = async_sessionmaker[AsyncReadSession]
PAGE = Page(skip=0, limit=100, after=None)


async def _ids(read: Read) -> list[int]:
    """The ids of the documents a read of posts shows, in order."""
    body = json.loads(await read.body())
    return [post["id"] for post in (body if isinstance(body, list) else [body])]


async def _create(sessions: Sessions, author: Account, title: str, **over: object) -> str:
    data = PostCreate.model_validate(
        {"title": title, "body": "A body long enough.", "published": True, **over}
    )
    async with sessions() as session, session.begin():
        caller = await load_user(session, author.id)
        post = await service.create(session, caller, user_id=author.id, data=data)
        return post.slug


async def test_slugs_are_unique_and_follow_the_title(
    client: AsyncClient, sessions: Sessions, readers: Readers
) -> None:
    author = await make_account(client)
    first = await _create(sessions, author, "Hello, World", tags=["a"])
    second = await _create(sessions, author, "hello world!", tags=["a"])
    assert first == "hello-world"
    assert second.startswith("hello-world-")
    assert len(second) == len("hello-world-") + 6
    async with sessions() as session, session.begin():
        caller = await load_user(session, author.id)
        post = await service.get_by_slug_or_raise(session, second, viewer_id=None)
        # The same base slug: the slug stays.
        data = PostUpdate(title="Hello WORLD")
        post = await service.update(session, caller, post_id=post.id, data=data)
        assert post.slug == second
        # Another title: a slug of it; the first post's slug is taken, so a suffix.
        post = await service.update(session, caller, post_id=post.id, data=PostUpdate(title="New"))
        assert post.slug == "new"
        post = await service.update(
            session, caller, post_id=post.id, data=PostUpdate(title="Hello world")
        )
        assert post.slug.startswith("hello-world-")
        assert post.slug != second
    async with readers() as reader:
        read = await service.read_published(reader, post.slug, kind=DOCUMENT, view=VIEW)
        assert await _ids(read) == [post.id]


async def test_concurrent_posts_of_one_title_all_get_a_slug(
    client: AsyncClient, sessions: Sessions
) -> None:
    author = await make_account(client)
    made = await asyncio.gather(*(_create(sessions, author, "Same title") for _ in range(8)))
    assert len(set(made)) == 8
    assert "same-title" in made


async def test_a_draft_is_found_by_slug_by_its_author_only(
    client: AsyncClient, sessions: Sessions, readers: Readers
) -> None:
    author = await make_account(client)
    reader = await make_account(client)
    slug = await _create(sessions, author, "Draft", published=False)
    async with readers() as session:
        assert (await service.get_by_slug_or_raise(session, slug, viewer_id=author.id)).slug
        for viewer in (None, reader.id):
            with pytest.raises(service.PostNotFound):
                await service.get_by_slug_or_raise(session, slug, viewer_id=viewer)
        with pytest.raises(service.PostNotFound):  # drafts have no public address
            await service.read_published(session, slug, kind=DOCUMENT, view=VIEW)


async def test_filters_by_favorites_and_follows_and_their_counts(
    client: AsyncClient, sessions: Sessions, readers: Readers
) -> None:
    ada, bob, cy = [await make_account(client) for _ in range(3)]
    ada_posts = [await make_post(client, ada, published=True) for _ in range(3)]
    bob_posts = [await make_post(client, bob, published=True) for _ in range(2)]
    await make_post(client, bob, published=False)
    async with sessions() as session, session.begin():
        reader = await load_user(session, cy.id)
        await follows_service.follow(session, reader, user_id=cy.id, followee=bob.id)
        for post in (ada_posts[0], bob_posts[1]):
            loaded = await service.get_or_raise(session, post["id"], viewer_id=cy.id)
            await favorites_service.favorite(session, reader, loaded)

    async def ids(**filters: object) -> list[int]:
        async with readers() as session:
            read = await service.read_page(
                session,
                viewer_id=None,
                page=PAGE,
                total=True,
                **filters,  # type: ignore[arg-type]
            )
            ids = await _ids(read)
            assert read.total == len(ids)
            return ids

    assert await ids(favorited_by=cy.user["username"]) == [bob_posts[1]["id"], ada_posts[0]["id"]]
    assert await ids(favorited_by=ada.user["username"]) == []
    assert await ids(followed_by=cy.id) == [p["id"] for p in bob_posts[::-1]]
    assert await ids(followed_by=cy.id, favorited_by=cy.user["username"]) == [bob_posts[1]["id"]]
    assert len(await ids()) == 5
    async with readers() as session:
        # A page is a page; the count is of every page together.
        page = await service.read_page(session, viewer_id=None, page=Page(0, 2, None), total=True)
        assert len(await _ids(page)) == 2
        assert page.total == 5
        own = await service.read_page(session, viewer_id=bob.id, page=Page(0, 2, None), total=True)
        assert own.total == 6
