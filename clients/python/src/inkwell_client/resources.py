"""The API's resources: `client.users`, `client.posts`, `client.tags`, `client.transfers`."""

import enum
import uuid
from collections.abc import AsyncIterator, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from inkwell_client._base import Model
from inkwell_client.models import PostRead, TagWithCount, TransferRead, UserPrivate, UserRead
from inkwell_client.pagination import Page

if TYPE_CHECKING:
    from inkwell_client._client import AsyncInkwell


class NotGiven(enum.Enum):
    """The value of an argument left out: a field that an update leaves as it is."""

    NOT_GIVEN = enum.auto()


NOT_GIVEN = NotGiven.NOT_GIVEN


def _sent(**fields: Any) -> dict[str, Any]:
    return {name: value for name, value in fields.items() if value is not NOT_GIVEN}


def _key(idempotency_key: str | None) -> dict[str, str]:
    """One Idempotency-Key for every attempt of one call: yours, or a new random one."""
    return {"Idempotency-Key": idempotency_key or f"inkwell-client-{uuid.uuid4()}"}


def _id(resource: int | Model) -> int:
    value = resource if isinstance(resource, int) else getattr(resource, "id", None)
    if not isinstance(value, int):
        raise TypeError(f"an id or a document with one, not {resource!r}")
    return value


def _precondition(resource: int | Model, if_match: bool | str) -> dict[str, str]:
    """The If-Match header: the given tag, the document's own tag (True), or none."""
    if if_match is False:
        return {}
    if if_match is True:
        if isinstance(resource, int) or resource.etag is None:
            raise ValueError("if_match=True needs a document read with its ETag (get or me)")
        return {"If-Match": resource.etag}
    return {"If-Match": if_match}


class _Resource:
    def __init__(self, client: "AsyncInkwell") -> None:
        self._client = client


class Users(_Resource):
    """Accounts: register, read, change, close."""

    async def create(
        self, username: str, email: str, password: str, *, full_name: str | None = None
    ) -> UserPrivate:
        """Register an account (it starts with the service's starting credits)."""
        body = {"username": username, "email": email, "password": password}
        body |= _sent(full_name=full_name if full_name is not None else NOT_GIVEN)
        response = await self._client.request("POST", "/users/", json=body)
        return self._client.parse(UserPrivate, response)

    async def get(self, user: int | Model) -> UserRead | UserPrivate:
        """One user: their public document, or your own private one (with your token)."""
        response = await self._client.request("GET", f"/users/{_id(user)}")
        if "email" in response.json():
            return self._client.parse(UserPrivate, response)
        return self._client.parse(UserRead, response)

    async def me(self) -> UserPrivate:
        """Your own account, with its e-mail address, credits and ETag."""
        return self._client.parse(UserPrivate, await self._client.request("GET", "/users/me"))

    async def update(
        self,
        user: int | UserPrivate,
        *,
        full_name: str | NotGiven | None = NOT_GIVEN,
        email: str | NotGiven = NOT_GIVEN,
        username: str | NotGiven = NOT_GIVEN,
        if_match: bool | str = False,
    ) -> UserPrivate:
        """Change your account's fields given (`full_name=None` clears it). With
        `if_match=True` only if it is still the version `user` was read at, else
        `PreconditionFailed`; a string is sent as the `If-Match` tag itself."""
        response = await self._client.request(
            "PATCH",
            f"/users/{_id(user)}",
            json=_sent(full_name=full_name, email=email, username=username),
            headers=_precondition(user, if_match),
        )
        return self._client.parse(UserPrivate, response)

    async def delete(self, user: int | UserPrivate, *, if_match: bool | str = False) -> None:
        """Close your account: your posts are deleted, your ledger stays."""
        headers = _precondition(user, if_match)
        await self._client.request("DELETE", f"/users/{_id(user)}", headers=headers)

    async def list(
        self,
        *,
        active_only: bool | None = None,
        limit: int | None = None,
        skip: int | None = None,
        cursor: str | None = None,
    ) -> Page[UserRead]:
        """One page of users' public documents, newest first."""
        params = {"active_only": active_only, "limit": limit, "skip": skip, "cursor": cursor}
        return await self._client.page(UserRead, "/users/", params)

    def iterate(
        self, *, active_only: bool | None = None, page_size: int = 100
    ) -> AsyncIterator[UserRead]:
        """Every user, newest first, page after page by cursor."""
        params = {"active_only": active_only, "limit": page_size}
        return self._client.pages(UserRead, "/users/", params)


class Posts(_Resource):
    """Posts with their author and tags."""

    async def create(
        self,
        title: str,
        body: str,
        *,
        published: bool = False,
        tags: Sequence[str] = (),
        author_id: int | None = None,
        idempotency_key: str | None = None,
    ) -> PostRead:
        """Write a post as the logged-in user (or `author_id`, which must be you); new
        tags are created. Retried safely with one Idempotency-Key (yours or a new one)."""
        author = author_id if author_id is not None else await self._client.caller_id()
        document = {"title": title, "body": body, "published": published, "tags": list(tags)}
        response = await self._client.request(
            "POST", f"/users/{author}/posts/", json=document, headers=_key(idempotency_key)
        )
        return self._client.parse(PostRead, response)

    async def get(self, post: int | PostRead) -> PostRead:
        """One post (a draft only to its author), with its ETag."""
        return self._client.parse(
            PostRead, await self._client.request("GET", f"/posts/{_id(post)}")
        )

    async def update(
        self,
        post: int | PostRead,
        *,
        title: str | NotGiven = NOT_GIVEN,
        body: str | NotGiven = NOT_GIVEN,
        published: bool | NotGiven = NOT_GIVEN,
        tags: Sequence[str] | NotGiven = NOT_GIVEN,
        if_match: bool | str = False,
    ) -> PostRead:
        """Change the fields given (`tags` replaces the set). With `if_match=True` only
        if the post is still the version `post` was read at, else `PreconditionFailed`."""
        fields = _sent(title=title, body=body, published=published)
        if not isinstance(tags, NotGiven):
            fields["tags"] = list(tags)
        response = await self._client.request(
            "PATCH", f"/posts/{_id(post)}", json=fields, headers=_precondition(post, if_match)
        )
        return self._client.parse(PostRead, response)

    async def delete(self, post: int | PostRead, *, if_match: bool | str = False) -> None:
        """Delete a post of yours."""
        headers = _precondition(post, if_match)
        await self._client.request("DELETE", f"/posts/{_id(post)}", headers=headers)

    async def list(
        self,
        *,
        author: str | None = None,
        tag: str | None = None,
        published: bool | None = None,
        limit: int | None = None,
        skip: int | None = None,
        cursor: str | None = None,
    ) -> Page[PostRead]:
        """One page of posts, newest first: by `author` (username), `tag`, published or
        drafts (drafts are only ever yours). Pass a page's `next_cursor` as `cursor`."""
        params = {"author": author, "tag": tag, "published": published, "limit": limit}
        params |= {"skip": skip, "cursor": cursor}
        return await self._client.page(PostRead, "/posts/", params)

    def iterate(
        self,
        *,
        author: str | None = None,
        tag: str | None = None,
        published: bool | None = None,
        page_size: int = 100,
    ) -> AsyncIterator[PostRead]:
        """Every post of the filtered list, newest first, page after page by cursor:
        `async for post in client.posts.iterate(tag="python"): ...`."""
        params = {"author": author, "tag": tag, "published": published, "limit": page_size}
        return self._client.pages(PostRead, "/posts/", params)


class Tags(_Resource):
    """Tags and their published posts."""

    async def list(
        self, *, limit: int | None = None, skip: int | None = None
    ) -> Page[TagWithCount]:
        """One page of tags by name, with their number of published posts."""
        return await self._client.page(TagWithCount, "/tags/", {"limit": limit, "skip": skip})

    async def iterate(self, *, page_size: int = 100) -> AsyncIterator[TagWithCount]:
        """Every tag, by name."""
        skip = 0
        while True:
            page = await self.list(limit=page_size, skip=skip)
            for tag in page:
                yield tag
            if len(page) < page_size:
                return
            skip += len(page)

    async def posts(
        self, name: str, *, limit: int | None = None, cursor: str | None = None
    ) -> Page[PostRead]:
        """One page of the published posts with this tag, newest first."""
        params = {"limit": limit, "cursor": cursor}
        return await self._client.page(PostRead, f"/tags/{quote(name, safe='')}/posts", params)

    def iterate_posts(self, name: str, *, page_size: int = 100) -> AsyncIterator[PostRead]:
        """Every published post with this tag, newest first."""
        path = f"/tags/{quote(name, safe='')}/posts"
        return self._client.pages(PostRead, path, {"limit": page_size})


class Transfers(_Resource):
    """Credits sent and received."""

    async def create(
        self, to_user_id: int, amount: Decimal | str | int, *, idempotency_key: str | None = None
    ) -> TransferRead:
        """Send `amount` credits (at most two decimal places) to another user, exactly
        once: every attempt carries one Idempotency-Key (yours, or a new one), so a retry
        after a dropped connection gets the first answer back instead of paying twice."""
        value = format(amount, "f") if isinstance(amount, Decimal) else str(amount)
        response = await self._client.request(
            "POST",
            "/transfers/",
            json={"to_user_id": to_user_id, "amount": value},
            headers=_key(idempotency_key),
        )
        return self._client.parse(TransferRead, response)

    async def list(
        self, *, limit: int | None = None, skip: int | None = None, cursor: str | None = None
    ) -> Page[TransferRead]:
        """One page of your transfers, sent and received (and your grant), newest first."""
        params = {"limit": limit, "skip": skip, "cursor": cursor}
        return await self._client.page(TransferRead, "/transfers/", params)

    def iterate(self, *, page_size: int = 100) -> AsyncIterator[TransferRead]:
        """All your transfers, newest first, page after page by cursor."""
        return self._client.pages(TransferRead, "/transfers/", {"limit": page_size})
