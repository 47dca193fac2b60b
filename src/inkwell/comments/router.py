"""HTTP endpoints of a post's comments."""

from fastapi import Request, Response, status

from inkwell.auth.dependencies import Viewer, Writer
from inkwell.comments import service
from inkwell.comments.schemas import COMMENT, CommentCreate, CommentRead
from inkwell.core.http.conditional import respond_read, validator_responses
from inkwell.core.http.dependencies import ReadSessionDep, SessionDep, SettingsDep
from inkwell.core.http.paging import PageDep
from inkwell.core.http.params import IdPath
from inkwell.core.http.problems import problem_responses
from inkwell.core.http.responses import respond
from inkwell.core.http.routing import Router
from inkwell.posts import service as posts_service

router = Router(prefix="/posts/{post_id}/comments", tags=["comments"])


@router.get(
    "/",
    response_model=list[CommentRead],
    summary="List a post's comments",
    responses={**validator_responses(), **problem_responses(401, 404, 422)},
)
async def list_comments(
    request: Request,
    post_id: IdPath,
    session: ReadSessionDep,
    viewer: Viewer,
    page: PageDep,
) -> Response:
    """The post's comments with their authors, newest first (ties by id, descending).
    A draft's comments are 404 to anyone but its author, like the draft. Page with
    `skip`, or follow the `Link: rel="next"` header (keyset pagination by `cursor`).
    Send the `ETag` back in `If-None-Match` to get 304 while the page is unchanged."""
    viewer_id = viewer.id if viewer else None
    read = await service.read_page(session, post_id, viewer_id=viewer_id, page=page)
    return await respond_read(request, read, private=viewer is not None, vary=True)


@router.post(
    "/",
    status_code=status.HTTP_201_CREATED,
    response_model=CommentRead,
    summary="Comment on a post",
    responses=problem_responses(401, 404, 422, 429),
)
async def create_comment(
    post_id: IdPath,
    data: CommentCreate,
    caller: Writer,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """Write a comment on a post you can see (a draft only if it is yours). Each account
    may write `COMMENT_MAX_PER_ACCOUNT` comments per `COMMENT_WINDOW_SECONDS` (30 per
    10 minutes); beyond, 429 with `Retry-After`."""
    post = await posts_service.get_or_raise(session, post_id, viewer_id=caller.id)
    comment = await service.create(session, caller, post, body=data.body, settings=settings)
    return respond(COMMENT, comment, status_code=status.HTTP_201_CREATED)


@router.delete(
    "/{comment_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Delete your comment",
    responses=problem_responses(401, 403, 404, 422),
)
async def delete_comment(
    post_id: IdPath, comment_id: IdPath, caller: Writer, session: SessionDep
) -> None:
    """Delete a comment you wrote (403 for anyone else's)."""
    post = await posts_service.get_or_raise(session, post_id, viewer_id=caller.id)
    await service.delete(session, caller, post, comment_id=comment_id)
