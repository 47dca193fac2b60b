"""`AsyncInkwell`: the connection, the token, and every request's retries."""

import asyncio
from collections.abc import AsyncIterator, Mapping
from types import TracebackType
from typing import Any, Self, TypeVar

import httpx

from inkwell_client._base import Model
from inkwell_client._retry import Attempts, RetryPolicy
from inkwell_client.errors import ConnectionFailed, InkwellError, error_from
from inkwell_client.models import Token, UserPrivate
from inkwell_client.pagination import Page
from inkwell_client.resources import Posts, Tags, Transfers, Users

__version__ = "0.1.0"
M = TypeVar("M", bound=Model)
INVALID_TOKEN = "invalid-token"  # noqa: S105 - a problem type, not a secret


class AsyncInkwell:
    """An async client of one Inkwell service; use it as an async context manager.

        async with AsyncInkwell("http://127.0.0.1:8000") as inkwell:
            await inkwell.login("ada", "correct horse")
            post = await inkwell.posts.create("Hello", "My first post.", published=True)

    `token` is a bearer token you already have (or call `login`). Requests that fail
    without an answer, time out, or get 429 or 503 are retried up to `max_retries` times
    with exponential backoff and jitter, honouring `Retry-After`, wherever that is safe:
    reads always; creating a post or a transfer always, with one `Idempotency-Key` for
    all the attempts, so the server does the work once; other writes only when the
    request surely did not reach the server or was refused undone (429, 503).
    `retry` sets every knob of that at once (`RetryPolicy`, which `max_retries` then
    leaves alone). `timeout` is in seconds per request (or an `httpx.Timeout`).
    `http_client` lets you bring your own `httpx.AsyncClient` (transport, proxies, event
    hooks, its own timeout); it is then yours to close."""

    def __init__(
        self,
        base_url: str = "http://127.0.0.1:8000",
        *,
        token: str | None = None,
        timeout: float | httpx.Timeout = 10.0,
        max_retries: int = 3,
        retry: RetryPolicy | None = None,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.retry = retry or RetryPolicy(max_retries=max_retries)
        self._own_http = http_client is None
        self._http = http_client or httpx.AsyncClient(timeout=timeout)
        self._credentials: tuple[str, str] | None = None
        self._me: tuple[str, int] | None = None  # (token, id) of the caller
        # Where the server said our last write is (X-Consistency-Token): sent back with
        # every request, so a read served by a replica is never older than our writes.
        self.consistency_token: str | None = None
        self.users = Users(self)
        self.posts = Posts(self)
        self.tags = Tags(self)
        self.transfers = Transfers(self)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connections (not those of an `http_client` you passed in)."""
        if self._own_http:
            await self._http.aclose()

    async def login(self, username_or_email: str, password: str) -> Token:
        """Log in with the OAuth2 password flow and use the token for every later call.

        The credentials are kept in memory so that an expired token is renewed by
        logging in again once, when a request is refused with 401 `invalid-token`."""
        response = await self.request(
            "POST",
            "/auth/token",
            data={"username": username_or_email, "password": password},
            authenticate=False,
        )
        token = Token.model_validate(response.json())
        self.token = token.access_token
        self._credentials = (username_or_email, password)
        return token

    async def change_password(self, current_password: str, new_password: str) -> Token:
        """Change the logged-in user's password. Every token issued before stops
        working, this client's included; the client goes on with the new one (and
        renews it with the new password). A wrong `current_password` is `Forbidden`
        and counts as a failed login."""
        response = await self.request(
            "POST",
            "/auth/password",
            json={"current_password": current_password, "new_password": new_password},
        )
        token = Token.model_validate(response.json())
        self.token = token.access_token
        if self._credentials is not None:
            self._credentials = (self._credentials[0], new_password)
        return token

    async def caller_id(self) -> int:
        """The id of the logged-in user (read once per token with GET /users/me)."""
        if self._me is None or self._me[0] != self.token:
            me = self.parse(UserPrivate, await self.request("GET", "/users/me"))
            self._me = (self.token or "", me.id)
        return self._me[1]

    async def request(
        self,
        method: str,
        path_or_url: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        replayable: bool | None = None,
        authenticate: bool = True,
    ) -> httpx.Response:
        """Send a request, with retries, and return its successful response; an error
        response is raised as its `InkwellError` subclass.

        `replayable` says the request may be sent again even after it may have reached
        the server (by default: GET, or any request with an `Idempotency-Key`)."""
        url = path_or_url if "://" in path_or_url else self.base_url + path_or_url
        query = {k: _query_value(v) for k, v in (params or {}).items() if v is not None}
        if replayable is None:
            replayable = method == "GET" or "Idempotency-Key" in (headers or {})
        attempts = Attempts(self.retry, replayable)
        renewable = authenticate and self._credentials is not None
        while True:
            sent = dict(headers or {})
            if authenticate and self.token:
                sent["Authorization"] = f"Bearer {self.token}"
            if self.consistency_token is not None:
                sent.setdefault("X-Consistency-Token", self.consistency_token)
            try:
                # No `params` at all for a link: httpx would replace its query with them.
                response = await self._http.request(
                    method, url, params=query or None, json=json, data=data, headers=sent
                )
            except httpx.TransportError as exc:
                if (wait := attempts.after_failure(exc)) is None:
                    raise ConnectionFailed(f"{method} {url}: {exc!r}") from exc
                await asyncio.sleep(wait)
                continue
            if written_at := response.headers.get("x-consistency-token"):
                self.consistency_token = written_at
            if response.is_success:
                return response
            error = error_from(response)
            if renewable and error.status == 401 and error.slug == INVALID_TOKEN:
                renewable = False
                await self._renew_token()
            elif (wait := attempts.after_error(error)) is not None:
                await asyncio.sleep(wait)
            else:
                raise error

    async def _renew_token(self) -> None:
        assert self._credentials is not None
        try:
            await self.login(*self._credentials)
        except InkwellError:
            self._credentials = None
            raise

    def parse(self, model: type[M], response: httpx.Response) -> M:
        """The response's document as `model`, keeping its `ETag`."""
        document = model.model_validate(response.json())
        document._etag = response.headers.get("etag")
        return document

    async def page(
        self, model: type[M], path_or_url: str, params: Mapping[str, Any] | None = None
    ) -> Page[M]:
        """One page of a collection, with the link to the next one."""
        response = await self.request("GET", path_or_url, params=params)
        items = [model.model_validate(item) for item in response.json()]
        following = response.links.get("next", {}).get("url")
        return Page(items, following, response.headers.get("etag"))

    async def pages(
        self, model: type[M], path: str, params: Mapping[str, Any] | None = None
    ) -> AsyncIterator[M]:
        """Every item of a collection, following `Link: rel="next"` page after page."""
        page = await self.page(model, path, params)
        while True:
            for item in page:
                yield item
            if page.next_url is None:
                return
            page = await self.page(model, page.next_url)


def _query_value(value: Any) -> Any:
    """Query parameters as the API spells them (booleans are `true`/`false`)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value
