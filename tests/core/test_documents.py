"""core.documents: a read whose documents change while it is read is found again."""

from collections.abc import Callable
from datetime import datetime

import pytest
from httpx import AsyncClient
from sqlalchemy import bindparam
from sqlalchemy.ext.asyncio import async_sessionmaker

from inkwell.core import documents
from inkwell.core.db import AsyncReadSession
from inkwell.core.documents import DocumentKind
from inkwell.core.errors import NotFound, TransactionConflict
from inkwell.core.etag import etag
from inkwell.posts.models import Post
from tests.factories import make_account, make_post

Readers = async_sessionmaker[AsyncReadSession]


def _kind(versions_of: Callable[[Post], tuple[int, ...]]) -> DocumentKind[Post]:
    return DocumentKind(
        name="test-post",
        entity=Post,
        versions=(Post.version,),
        versions_of=versions_of,
        views={"title": lambda post, _view: post.title.encode()},
    )


async def _read(
    session: AsyncReadSession, kind: DocumentKind[Post], post_id: int
) -> documents.Read:
    statement = kind.rows().where(Post.id == bindparam("post_id"))
    params = {"post_id": post_id}
    missing = lambda: NotFound("gone")  # noqa: E731
    return await documents.one(session, kind, statement, params, view=("title",), missing=missing)


async def test_a_read_whose_documents_keep_changing_is_a_conflict_to_retry(
    client: AsyncClient, readers: Readers
) -> None:
    post = await make_post(client, await make_account(client), published=True)
    built: list[int] = []

    def moved_on(loaded: Post) -> tuple[int, ...]:
        # As if a write committed between the read statement and the load, each time.
        built.append(loaded.id)
        return (loaded.version + 1,)

    async with readers() as session:
        read = await _read(session, _kind(moved_on), post["id"])
        with pytest.raises(TransactionConflict):
            await read.body()
    assert built == [post["id"]] * documents.ATTEMPTS


async def test_a_read_whose_documents_changed_once_is_found_again(
    client: AsyncClient, readers: Readers
) -> None:
    post = await make_post(client, await make_account(client), published=True)
    built: list[int] = []

    def moved_on_once(loaded: Post) -> tuple[int, ...]:
        built.append(loaded.id)
        return (loaded.version + (len(built) == 1),)

    async with readers() as session:
        read = await _read(session, _kind(moved_on_once), post["id"])
        assert await read.body() == post["title"].encode()
    assert len(built) == 2
    created_at = datetime.fromisoformat(post["created_at"])
    assert read.etag == etag("test-post", post["id"], created_at, 1, "title")
