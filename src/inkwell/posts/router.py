"""HTTP endpoints of the posts domain."""

from typing import Annotated

from fastapi import Query, Request, Response, status

from inkwell.auth.dependencies import CurrentUser, OptionalUser
from inkwell.core.db import ReadSessionDep, SessionDep
from inkwell.core.errors import problem_responses
from inkwell.core.pagination import PageDep
from inkwell.core.responses import render, respond
from inkwell.core.routing import Router
from inkwell.core.schemas import IdPath
from inkwell.idempotency.dependencies import IdempotencyDep
from inkwell.posts import service
from inkwell.posts.schemas import POST, POSTS, PostCreate, PostRead, PostUpdate
from inkwell.tags.schemas import TagLookup
from inkwell.users.schemas import UsernameLookup

router = Router(tags=["posts"])


@router.post(
    "/users/{user_id}/posts/",
    status_code=status.HTTP_201_CREATED,
    response_model=PostRead,
    summary="Write a post",
    responses=problem_responses(401, 403, 409, 422),
)
async def create_post(
    user_id: IdPath,
    data: PostCreate,
    caller: CurrentUser,
    session: SessionDep,
    idempotency: IdempotencyDep,
) -> Response:
    """Create a post on your own account (403 for anyone else's). Tags not seen
    before are created. Send an `Idempotency-Key` to retry safely."""

    async def work() -> bytes:
        post = await service.create(session, caller, user_id=user_id, data=data)
        return render(POST, post)

    return await idempotency.run(
        user_id=caller.id,
        operation=f"POST /users/{user_id}/posts/",
        request=data,
        status_code=status.HTTP_201_CREATED,
        work=work,
    )


@router.get(
    "/posts/",
    response_model=list[PostRead],
    summary="List posts",
    responses=problem_responses(401, 422),
)
async def list_posts(
    request: Request,
    session: ReadSessionDep,
    viewer: OptionalUser,
    page: PageDep,
    author: Annotated[UsernameLookup | None, Query(description="Author's username")] = None,
    tag: Annotated[TagLookup | None, Query(description="Tag name")] = None,
    published: Annotated[bool | None, Query(description="Published or drafts")] = None,
) -> Response:
    """Posts with their author and tags, newest first (ties by id, descending).
    Drafts are listed only to their author. Page with `skip`, or follow the absolute,
    percent-encoded URL of the `Link: rel="next"` header (keyset pagination by `cursor`,
    as fast deep down as on the first page)."""
    posts = await service.list_(
        session,
        viewer_id=viewer.id if viewer else None,
        page=page,
        author=author,
        tag=tag,
        published=published,
    )
    return respond(POSTS, posts, headers=page.links(request, posts))


@router.get(
    "/posts/{post_id}",
    response_model=PostRead,
    summary="Get a post",
    responses=problem_responses(401, 404, 422),
)
async def get_post(post_id: IdPath, session: ReadSessionDep, viewer: OptionalUser) -> Response:
    """One post with its author and tags. A draft is 404 to anyone but its author."""
    post = await service.get_or_raise(session, post_id, viewer_id=viewer.id if viewer else None)
    return respond(POST, post)


@router.patch(
    "/posts/{post_id}",
    response_model=PostRead,
    summary="Update your post",
    responses=problem_responses(401, 403, 404, 422),
)
async def update_post(
    post_id: IdPath, data: PostUpdate, caller: CurrentUser, session: SessionDep
) -> Response:
    """Change only the fields sent; `tags` replaces the post's tags. Author only."""
    post = await service.update(session, caller, post_id=post_id, data=data)
    return respond(POST, post)


@router.delete(
    "/posts/{post_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Delete your post",
    responses=problem_responses(401, 403, 404, 422),
)
async def delete_post(post_id: IdPath, caller: CurrentUser, session: SessionDep) -> None:
    """Delete the post. Author only."""
    await service.delete(session, caller, post_id=post_id)
