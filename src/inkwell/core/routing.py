"""Routing: exact JSON numbers, reads' sessions ended before the answer is sent, uncached
credentials, and collections with and without the trailing slash."""

import json
import re
from collections.abc import Callable, Coroutine, Iterable
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.routing import APIRoute

from inkwell.core.db import end_read


class WrittenNumber(Decimal):
    """A JSON number with a fraction or an exponent: its exact value, and its text as
    written, so that `1.5e1` can be told apart from `15`."""

    written: str

    def __new__(cls, text: str) -> "WrittenNumber":
        number = super().__new__(cls, text)
        number.written = text
        return number


class _ExactJSONRequest(Request):
    """Reads JSON numbers with a fraction or an exponent as WrittenNumber, not float."""

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            body = await self.body()
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError as exc:
                # A JSON decode error, so that it is a 422 like any other malformed JSON.
                raise json.JSONDecodeError("invalid UTF-8", "", exc.start) from None
            self._json = json.loads(text, parse_float=WrittenNumber)
        return self._json


Handler = Callable[[Request], Coroutine[Any, Any, Response]]


class Route(APIRoute):
    """Every domain route. One that takes a body hands the endpoint a request that reads
    JSON numbers exactly (and invalid UTF-8 as malformed JSON). Each ends the request's
    read snapshot, if one began, when the handler is done, raised or not, before the
    answer is sent (`core.db.end_read`): the read session is a plain dependency, and
    this wrapper costs a fraction of a generator dependency's exit stack."""

    def get_route_handler(self) -> Handler:
        handler = super().get_route_handler()
        if self.body_field is not None:
            handler = _exact_json(handler)
        return _ending_read(handler)


def _exact_json(handler: Handler) -> Handler:
    async def exact(request: Request) -> Response:
        return await handler(_ExactJSONRequest(request.scope, request.receive))

    return exact


def _ending_read(handler: Handler) -> Handler:
    async def reading(request: Request) -> Response:
        try:
            return await handler(request)
        finally:
            await end_read(request.scope)

    return reading


class NoStoreRoute(Route):
    """A route whose every answer, errors included, must not be cached (it carries
    credentials): RequestContextMiddleware adds `Cache-Control: no-store`."""

    no_store = True


class Router(APIRouter):
    """Records its collections (paths ending in `/`), which `TrailingSlash` lets answer
    without the slash too."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("route_class", Route)
        super().__init__(**kwargs)
        self.collections: list[str] = []

    def add_api_route(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().add_api_route(path, endpoint, **kwargs)
        if path.endswith("/") and (self.prefix or len(path) > 1):
            self.collections.append(self.prefix + path)


class TrailingSlash:
    """`/users/` is documented; `/users` answers the same, without a redirect.

    Each route is registered once, at its documented path: the middleware gives a
    collection's path its slash before routing (one regular expression), rather than
    every collection being registered twice and every request matched against both.
    """

    def __init__(self, collections: Iterable[str]) -> None:
        alternatives = [_template_pattern(path.rstrip("/")) for path in collections]
        self._bare = re.compile("|".join(alternatives)) if alternatives else None

    def canonical(self, path: str) -> str:
        if path.endswith("/") or self._bare is None or not self._bare.fullmatch(path):
            return path
        return path + "/"


def _template_pattern(template: str) -> str:
    """`/users/{user_id}/posts` as a pattern: each parameter one path segment."""
    parts = re.split(r"\{[^}]*\}", template)
    return "[^/]+".join(re.escape(part) for part in parts)
