"""An APIRouter whose collections answer with and without the trailing slash."""

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter


class Router(APIRouter):
    """`/users/` is documented; `/users` answers the same, without a redirect."""

    def add_api_route(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().add_api_route(path, endpoint, **kwargs)
        if path.endswith("/") and (self.prefix or len(path) > 1):
            alias = {**kwargs, "include_in_schema": False, "operation_id": None}
            super().add_api_route(path.rstrip("/"), endpoint, **alias)
