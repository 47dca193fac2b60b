"""HTTP endpoints of the tags domain."""

from typing import Annotated

from fastapi import Path, Request, Response

from inkwell.core.db import ReadSessionDep, StatementSessionDep
from inkwell.core.errors import problem_responses
from inkwell.core.pagination import Limit, PageDep, Skip
from inkwell.core.responses import respond
from inkwell.core.routing import Router
from inkwell.posts import service as posts_service
from inkwell.posts.schemas import POSTS, PostRead
from inkwell.tags import service
from inkwell.tags.schemas import TAGS_WITH_COUNTS, TagLookup, TagWithCount

router = Router(prefix="/tags", tags=["tags"])


@router.get(
    "/",
    response_model=list[TagWithCount],
    summary="List tags",
    responses=problem_responses(422),
)
async def list_tags(session: StatementSessionDep, skip: Skip = 0, limit: Limit = 100) -> Response:
    """Tags sorted by name, each with its number of published posts."""
    return respond(
        TAGS_WITH_COUNTS, await service.list_with_counts(session, skip=skip, limit=limit)
    )


@router.get(
    "/{name}/posts",
    response_model=list[PostRead],
    summary="List a tag's posts",
    responses=problem_responses(404, 422),
)
async def list_tag_posts(
    name: Annotated[TagLookup, Path(description="Tag name")],
    request: Request,
    session: ReadSessionDep,
    page: PageDep,
) -> Response:
    """Published posts with this tag, newest first. Page with `skip`, or follow the
    absolute, percent-encoded URL of the `Link: rel="next"` header (by `cursor`)."""
    tag = await service.get_by_name_or_raise(session, name)
    posts = await posts_service.list_(
        session, viewer_id=None, page=page, tag=tag.name, published=True
    )
    return respond(POSTS, posts, headers=page.links(request, posts))
