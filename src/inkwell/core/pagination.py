"""Query parameters shared by every paginated collection."""

from typing import Annotated

from fastapi import Query

Skip = Annotated[int, Query(ge=0, le=1_000_000, description="Rows to skip")]
Limit = Annotated[int, Query(ge=1, le=100, description="Page size (1-100)")]
