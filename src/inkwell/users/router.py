"""HTTP endpoints of the users domain."""

from fastapi import Query, Request, Response, status

from inkwell.auth.dependencies import CurrentUser
from inkwell.core.config import SettingsDep
from inkwell.core.db import ReadSessionDep, SessionDep
from inkwell.core.errors import problem_responses
from inkwell.core.pagination import PageDep
from inkwell.core.responses import respond
from inkwell.core.routing import Router
from inkwell.core.schemas import IdPath
from inkwell.core.security import HasherDep
from inkwell.users import service
from inkwell.users.schemas import USER, USERS, UserCreate, UserRead, UserUpdate

router = Router(prefix="/users", tags=["users"])


@router.post(
    "/",
    status_code=status.HTTP_201_CREATED,
    response_model=UserRead,
    summary="Register a user",
    responses=problem_responses(409, 422),
)
async def create_user(
    data: UserCreate, session: SessionDep, hasher: HasherDep, settings: SettingsDep
) -> Response:
    """Create an account with the starting credits. Usernames and e-mail addresses
    (case-insensitive) are unique among open accounts: a taken one gives 409, even
    when two registrations race."""
    user = await service.create(
        session, data=data, hasher=hasher, starting_credits=settings.starting_credits
    )
    return respond(USER, user, status_code=status.HTTP_201_CREATED)


@router.get(
    "/",
    response_model=list[UserRead],
    summary="List users",
    responses=problem_responses(422),
)
async def list_users(
    request: Request,
    session: ReadSessionDep,
    page: PageDep,
    active_only: bool = Query(True, description="Only active accounts"),
) -> Response:
    """Users, newest first (ties by id, descending). Page with `skip`, or with the
    `cursor` from the `Link: rel="next"` header."""
    users = await service.list_(session, page=page, active_only=active_only)
    return respond(USERS, users, headers=page.links(request, users))


@router.get(
    "/me",
    response_model=UserRead,
    summary="Get the caller",
    responses=problem_responses(401),
)
async def read_me(user: CurrentUser) -> Response:
    """The account the bearer token belongs to."""
    return respond(USER, user)


@router.get(
    "/{user_id}",
    response_model=UserRead,
    summary="Get a user",
    responses=problem_responses(404, 422),
)
async def get_user(user_id: IdPath, session: ReadSessionDep) -> Response:
    """One user by id; deleted accounts are 404."""
    return respond(USER, await service.get_or_raise(session, user_id))


@router.patch(
    "/{user_id}",
    response_model=UserRead,
    summary="Update your account",
    responses=problem_responses(401, 403, 409, 422),
)
async def update_user(
    user_id: IdPath, data: UserUpdate, caller: CurrentUser, session: SessionDep
) -> Response:
    """Change only the fields sent, on your own account (403 otherwise). Credits and
    the password cannot be set here: unknown fields are refused with 422."""
    service.ensure_self(caller, user_id)
    return respond(USER, await service.update(session, caller, data=data))


@router.delete(
    "/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Delete your account",
    responses=problem_responses(401, 403, 422),
)
async def delete_user(user_id: IdPath, caller: CurrentUser, session: SessionDep) -> None:
    """Delete your own account (403 otherwise) and all of your posts. Your balance and
    transfer history stay in the ledger; the username and e-mail become free."""
    service.ensure_self(caller, user_id)
    await service.close(session, caller)
