"""Routing: exact JSON numbers, uncached credentials, and collections with and without
the trailing slash."""

import json
from collections.abc import Callable, Coroutine
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.routing import APIRoute


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


class ExactJSONRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def exact(request: Request) -> Response:
            return await handler(_ExactJSONRequest(request.scope, request.receive))

        return exact


class NoStoreRoute(ExactJSONRoute):
    """A route whose every answer, errors included, must not be cached (it carries
    credentials): RequestContextMiddleware adds `Cache-Control: no-store`."""

    no_store = True


class Router(APIRouter):
    """`/users/` is documented; `/users` answers the same, without a redirect."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("route_class", ExactJSONRoute)
        super().__init__(**kwargs)

    def add_api_route(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().add_api_route(path, endpoint, **kwargs)
        if path.endswith("/") and (self.prefix or len(path) > 1):
            alias = {**kwargs, "include_in_schema": False, "operation_id": None}
            super().add_api_route(path.rstrip("/"), endpoint, **alias)
