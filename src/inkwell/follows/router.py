"""HTTP endpoints of follows: whom a user follows, who follows them, and following."""

from typing import Any

from fastapi import Request, Response, status

from inkwell.auth.dependencies import Writer
from inkwell.core.http.conditional import respond_read, validator_responses
from inkwell.core.http.dependencies import ReadSessionDep, SessionDep
from inkwell.core.http.paging import PageDep
from inkwell.core.http.params import IdPath
from inkwell.core.http.problems import problem_responses
from inkwell.core.http.routing import Router
from inkwell.follows import service
from inkwell.users.schemas import UserRead

router = Router(prefix="/users/{user_id}", tags=["follows"])

_LIST_RESPONSES = {**validator_responses(), **problem_responses(404, 422)}


@router.get(
    "/following/",
    response_model=list[UserRead],
    summary="List whom a user follows",
    responses=_LIST_RESPONSES,
)
async def list_following(
    request: Request, user_id: IdPath, session: ReadSessionDep, page: PageDep
) -> Response:
    """The public documents of the users this user follows, most recently followed
    first. Page with `skip`, or follow the `Link: rel="next"` header (`cursor`). Send
    the `ETag` back in `If-None-Match` to get 304 while the page is unchanged."""
    read = await service.read_page(session, user_id=user_id, page=page, of_followers=False)
    return await respond_read(request, read)


@router.get(
    "/followers/",
    response_model=list[UserRead],
    summary="List a user's followers",
    responses=_LIST_RESPONSES,
)
async def list_followers(
    request: Request, user_id: IdPath, session: ReadSessionDep, page: PageDep
) -> Response:
    """The public documents of the users who follow this user, most recent first.
    Page with `skip`, or follow the `Link: rel="next"` header (`cursor`). Send the
    `ETag` back in `If-None-Match` to get 304 while the page is unchanged."""
    read = await service.read_page(session, user_id=user_id, page=page, of_followers=True)
    return await respond_read(request, read)


# Following and unfollowing: 204, or why not.
_CHANGE: dict[str, Any] = {
    "status_code": status.HTTP_204_NO_CONTENT,
    "response_class": Response,
    "responses": problem_responses(401, 403, 404, 409, 422),
}


@router.put("/following/{followee_id}", summary="Follow a user", **_CHANGE)
async def follow_user(
    user_id: IdPath, followee_id: IdPath, caller: Writer, session: SessionDep
) -> None:
    """Follow another user, as yourself (403 for anyone else's account); already
    following, nothing changes. Following yourself is 409."""
    await service.follow(session, caller, user_id=user_id, followee=followee_id)


@router.delete("/following/{followee_id}", summary="Unfollow a user", **_CHANGE)
async def unfollow_user(
    user_id: IdPath, followee_id: IdPath, caller: Writer, session: SessionDep
) -> None:
    """Stop following a user, as yourself (403 for anyone else's account); not
    following, nothing changes."""
    await service.unfollow(session, caller, user_id=user_id, followee=followee_id)
