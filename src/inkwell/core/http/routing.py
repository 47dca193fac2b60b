"""Routing: JSON bodies (numbers read exactly where they are money), uncached
credentials, requests that lost a race run again, and collections with and without
the trailing slash."""

import json
import re
from collections.abc import Callable, Coroutine, Iterable
from contextlib import AsyncExitStack
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.routing import APIRoute

from inkwell.core.errors import lost_a_race


class WrittenNumber(Decimal):
    """A JSON number with a fraction or an exponent: its exact value, and its text as
    written, so that `1.5e1` can be told apart from `15`."""

    written: str

    def __new__(cls, text: str) -> "WrittenNumber":
        number = super().__new__(cls, text)
        number.written = text
        return number


class _JSONRequest(Request):
    """Reads invalid UTF-8 as malformed JSON (a 422 like any other), not a 400."""

    parse_float: Any = float

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            body = await self.body()
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise json.JSONDecodeError("invalid UTF-8", "", exc.start) from None
            self._json = json.loads(text, parse_float=self.parse_float)
        return self._json


class _ExactJSONRequest(_JSONRequest):
    """Reads JSON numbers with a fraction or an exponent as WrittenNumber, not float."""

    parse_float = WrittenNumber


Handler = Callable[[Request], Coroutine[Any, Any, Response]]


ATTEMPTS = 5
# Where FastAPI keeps the dependencies that end with the handler (scope="function": the
# request's database sessions), closed before the answer is sent.
_FUNCTION_STACK = "fastapi_function_astack"
_READS = frozenset({"GET", "HEAD"})


class Route(APIRoute):
    """Every domain route. One that takes a body reads it as `request_class` does.

    A request that lost a race to a concurrent one (core.errors.lost_a_race: a deadlock,
    a serialization failure, a `Restart`) is run again from the start, up to ATTEMPTS
    times, dependencies included: its transaction rolled back (the session's dependency
    ends with the attempt), a new one takes the caller's hold and does the work again.
    Only the last attempt's failure reaches the client (a 503 to retry). Nothing is
    paid for this until a race is lost: no savepoint, no round trip."""

    request_class: type[_JSONRequest] = _JSONRequest

    def get_route_handler(self) -> Handler:
        handler = super().get_route_handler()
        request_class = self.request_class if self.body_field is not None else None
        if self.methods is not None and self.methods <= _READS:
            # A read's snapshot (REPEATABLE READ, READ ONLY) takes no lock and cannot
            # fail to serialize: nothing to run again.
            return handler

        async def handle(request: Request) -> Response:
            if request_class is not None:
                # One request for every attempt: its body is read once, and kept.
                request = request_class(request.scope, request.receive)
            scope = request.scope
            enclosing = scope[_FUNCTION_STACK]
            try:
                for attempt in range(1, ATTEMPTS + 1):
                    try:
                        async with AsyncExitStack() as attempt_stack:
                            scope[_FUNCTION_STACK] = attempt_stack
                            return await handler(request)
                    except Exception as exc:
                        if attempt == ATTEMPTS or not lost_a_race(exc):
                            raise
            finally:
                scope[_FUNCTION_STACK] = enclosing
            raise AssertionError("unreachable")

        return handle


class ExactNumbersRoute(Route):
    """A route whose body has amounts of money: JSON numbers are read exactly
    (`WrittenNumber`), never through a float."""

    request_class = _ExactJSONRequest


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


def add_routes(app: FastAPI, routers: Iterable[APIRouter]) -> None:
    """The routers' routes as the app's own, in order. FastAPI 0.165's `include_router`
    keeps each router behind a layer of its own, through which every request is matched
    against router after router: about 130,000 instructions a request here (callgrind,
    a cached `GET /users/{id}`: 2.00M -> 1.87M). The routes are the routers' own
    objects: what they document and how they answer is unchanged (the OpenAPI document
    is the same). Given up: `app.dependency_overrides`, which no code and no test uses
    (tests run the app as it is), and routers' own lifespans, which none has."""
    for router in routers:
        app.router.routes.extend(router.routes)


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
