"""Path parameters shared by routes."""

from typing import Annotated

from fastapi import Path

from inkwell.core.schemas import MAX_ID

IdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="Resource id")]
