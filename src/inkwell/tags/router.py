"""HTTP endpoints of the tags domain."""

from typing import Annotated

from fastapi import Path, Request, Response

from inkwell.core.http.conditional import respond_read, validator_responses
from inkwell.core.http.dependencies import ReadSessionDep
from inkwell.core.http.paging import Limit, PageDep, Skip
from inkwell.core.http.problems import problem_responses
from inkwell.core.http.responses import respond
from inkwell.core.http.routing import Router
from inkwell.posts import service as posts_service
from inkwell.posts.schemas import PostRead
from inkwell.tags import service
from inkwell.tags.schemas import TAGS_WITH_COUNTS, TagLookup, TagWithCount

router = Router(prefix="/tags", tags=["tags"])


@router.get(
    "/",
    response_model=list[TagWithCount],
    summary="List tags",
    responses=problem_responses(422),
)
async def list_tags(session: ReadSessionDep, skip: Skip = 0, limit: Limit = 100) -> Response:
    """The tags of published posts, sorted by name, each with its number of published
    posts. A tag that only drafts have is not listed."""
    return respond(
        TAGS_WITH_COUNTS, await service.list_with_counts(session, skip=skip, limit=limit)
    )


@router.get(
    "/{name}/posts",
    response_model=list[PostRead],
    summary="List a tag's posts",
    responses={**validator_responses(), **problem_responses(404, 422)},
)
async def list_tag_posts(
    name: Annotated[TagLookup, Path(description="Tag name")],
    request: Request,
    session: ReadSessionDep,
    page: PageDep,
) -> Response:
    """Published posts with this tag, newest first; 404 for a tag no published post
    has (one that only drafts have, too). Page with `skip`, or follow the
    absolute, percent-encoded URL of the `Link: rel="next"` header (by `cursor`).
    Send the `ETag` back in `If-None-Match` to get 304 while the page is unchanged."""
    read = await posts_service.read_tagged(session, name, page=page)
    return await respond_read(request, read)
