"""HTTP endpoints of the tags domain."""

from functools import partial
from typing import Annotated

from fastapi import Path, Request, Response

from inkwell.core.cache import Read, listing, respond_read
from inkwell.core.db import ReadSessionDep
from inkwell.core.errors import problem_responses
from inkwell.core.etag import validator_responses
from inkwell.core.pagination import Limit, PageDep, Skip
from inkwell.core.responses import respond
from inkwell.core.routing import Router
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
    """Tags sorted by name, each with its number of published posts."""
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
    """Published posts with this tag, newest first. Page with `skip`, or follow the
    absolute, percent-encoded URL of the `Link: rel="next"` header (by `cursor`).
    Send the `ETag` back in `If-None-Match` to get 304 while the page is unchanged."""

    async def read() -> Read:
        rows = await posts_service.list_rows(
            session, viewer_id=None, page=page, tag=name, published=True
        )
        if not rows:  # no post: is there such a tag at all (404)?
            await service.get_by_name_or_raise(session, name)
        keys = [posts_service.key(row) for row in rows]
        build = partial(posts_service.documents, session)
        return listing("posts-page", keys, page.links(request, rows), build)

    return await respond_read(request, read)
