"""HTTP endpoints of the posts domain."""

from typing import Annotated

from fastapi import Query, Request, Response, status

from inkwell.auth.dependencies import Viewer, Writer
from inkwell.core.http.conditional import ETAG_HEADER, IfMatch, respond_read, validator_responses
from inkwell.core.http.dependencies import ReadSessionDep, SessionDep
from inkwell.core.http.paging import PageDep
from inkwell.core.http.params import IdPath
from inkwell.core.http.problems import problem_responses
from inkwell.core.http.responses import respond
from inkwell.core.http.routing import Router
from inkwell.core.schemas import render
from inkwell.idempotency.dependencies import IdempotencyDep
from inkwell.posts import service
from inkwell.posts.documents import etag_of
from inkwell.posts.schemas import POST, PostCreate, PostRead, PostUpdate
from inkwell.tags.schemas import TagLookup
from inkwell.users.schemas import UsernameLookup

router = Router(tags=["posts"])


@router.post(
    "/users/{user_id}/posts/",
    status_code=status.HTTP_201_CREATED,
    response_model=PostRead,
    summary="Write a post",
    responses={201: ETAG_HEADER, **problem_responses(401, 403, 409, 422)},
)
async def create_post(
    user_id: IdPath,
    data: PostCreate,
    caller: Writer,
    session: SessionDep,
    idempotency: IdempotencyDep,
) -> Response:
    """Create a post on your own account (403 for anyone else's). Tags not seen
    before are created. Send an `Idempotency-Key` to retry safely. The answer's `ETag`
    is the new post's, for a later `If-Match` (a replay has none)."""

    etags: list[str] = []

    async def work() -> bytes:
        post = await service.create(session, caller, user_id=user_id, data=data)
        etags.append(etag_of(post))
        return render(POST, post)

    response = await idempotency.run(
        user_id=caller.id,
        operation=f"POST /users/{user_id}/posts/",
        request=data,
        status_code=status.HTTP_201_CREATED,
        work=work,
    )
    if etags:  # not on a replay: the post may have changed since it was created
        response.headers["ETag"] = etags[0]
    return response


@router.get(
    "/posts/",
    response_model=list[PostRead],
    summary="List posts",
    responses={**validator_responses(), **problem_responses(401, 422)},
)
async def list_posts(
    request: Request,
    session: ReadSessionDep,
    viewer: Viewer,
    page: PageDep,
    author: Annotated[UsernameLookup | None, Query(description="Author's username")] = None,
    tag: Annotated[TagLookup | None, Query(description="Tag name")] = None,
    published: Annotated[bool | None, Query(description="Published or drafts")] = None,
    favorited_by: Annotated[
        UsernameLookup | None, Query(description="Favorited by the user with this username")
    ] = None,
) -> Response:
    """Posts with their author and tags, newest first (ties by id, descending).
    Drafts are listed only to their author. Page with `skip`, or follow the absolute,
    percent-encoded URL of the `Link: rel="next"` header (keyset pagination by `cursor`,
    as fast deep down as on the first page). The `ETag` changes with any post of the
    page; send it in `If-None-Match` to get 304 while none changed."""
    read = await service.read_page(
        session,
        viewer_id=viewer.id if viewer else None,
        page=page,
        author=author,
        tag=tag,
        published=published,
        favorited_by=favorited_by,
    )
    return await respond_read(request, read, private=viewer is not None, vary=True)


@router.get(
    "/posts/{post_id}",
    response_model=PostRead,
    summary="Get a post",
    responses={**validator_responses(), **problem_responses(401, 404, 422)},
)
async def get_post(
    request: Request,
    post_id: IdPath,
    session: ReadSessionDep,
    viewer: Viewer,
) -> Response:
    """One post with its author and tags. A draft is 404 to anyone but its author.
    The `ETag` changes with the post and its author's name; send it in
    `If-None-Match` to get 304 while neither changed."""
    read = await service.read(session, post_id, viewer_id=viewer.id if viewer else None)
    return await respond_read(request, read, private=viewer is not None, vary=True)


@router.patch(
    "/posts/{post_id}",
    response_model=PostRead,
    summary="Update your post",
    responses={200: ETAG_HEADER, **problem_responses(401, 403, 404, 409, 412, 422)},
)
async def update_post(
    post_id: IdPath,
    data: PostUpdate,
    caller: Writer,
    session: SessionDep,
    if_match: IfMatch = None,
) -> Response:
    """Change only the fields sent; `tags` replaces the post's tags. Author only.
    With `If-Match`, only if the post is still the version you read (412 otherwise);
    the answer's `ETag` is the new version's. A concurrent change that wins the race
    makes this one 409: read the post again and retry."""
    post = await service.update(session, caller, post_id=post_id, data=data, if_match=if_match)
    return respond(POST, post, headers={"ETag": etag_of(post)})


@router.delete(
    "/posts/{post_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Delete your post",
    responses=problem_responses(401, 403, 404, 409, 412, 422),
)
async def delete_post(
    post_id: IdPath, caller: Writer, session: SessionDep, if_match: IfMatch = None
) -> None:
    """Delete the post. Author only. With `If-Match`, only if the post is still the
    version you read (412 otherwise, and nothing is deleted)."""
    await service.delete(session, caller, post_id=post_id, if_match=if_match)
