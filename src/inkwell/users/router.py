"""HTTP endpoints of the users domain."""

from fastapi import Query, Request, Response, status

from inkwell.auth.dependencies import ClientAddress, CurrentReader, CurrentUser, OptionalUser
from inkwell.auth.hashing import HasherDep
from inkwell.core.config import SettingsDep
from inkwell.core.db import ReadSessionDep, SessionDep, SessionmakerDep, StatementSessionDep
from inkwell.core.errors import problem_responses
from inkwell.core.pagination import PageDep
from inkwell.core.responses import respond
from inkwell.core.routing import Router
from inkwell.core.schemas import IdPath
from inkwell.users import service
from inkwell.users.schemas import (
    USER,
    USER_PRIVATE,
    USERS,
    UserCreate,
    UserPrivate,
    UserRead,
    UserUpdate,
)

router = Router(prefix="/users", tags=["users"])


@router.post(
    "/",
    status_code=status.HTTP_201_CREATED,
    response_model=UserPrivate,
    summary="Register a user",
    responses=problem_responses(409, 422, 429),
)
async def create_user(
    data: UserCreate,
    address: ClientAddress,
    session: SessionDep,
    sessions: SessionmakerDep,
    hasher: HasherDep,
    settings: SettingsDep,
) -> Response:
    """Create an account with the starting credits. Usernames and e-mail addresses
    (case-insensitive) are unique among open accounts: a taken one gives 409, even
    when two registrations race. The answer is your own document, with your e-mail
    and balance. Each client address may try `REGISTER_MAX_PER_ADDRESS` registrations
    per `REGISTER_WINDOW_SECONDS` (10 an hour); beyond, 429 with `Retry-After`."""
    user = await service.create(
        session, data=data, hasher=hasher, sessions=sessions, address=address, settings=settings
    )
    return respond(USER_PRIVATE, user, status_code=status.HTTP_201_CREATED)


@router.get(
    "/",
    response_model=list[UserRead],
    summary="List users",
    responses=problem_responses(422),
)
async def list_users(
    request: Request,
    session: StatementSessionDep,
    page: PageDep,
    active_only: bool = Query(True, description="Only active accounts"),
) -> Response:
    """Users' public documents (no e-mail, no balance), newest first (ties by id,
    descending). Page with `skip`, or follow the absolute, percent-encoded URL of
    the `Link: rel="next"` header (keyset pagination by `cursor`)."""
    users = await service.list_(session, page=page, active_only=active_only)
    return respond(USERS, users, headers=page.links(request, users))


@router.get(
    "/me",
    response_model=UserPrivate,
    summary="Get the caller",
    responses=problem_responses(401),
)
async def read_me(user: CurrentReader) -> Response:
    """The account the bearer token belongs to, with its e-mail and balance."""
    return respond(USER_PRIVATE, user)


@router.get(
    "/{user_id}",
    response_model=UserPrivate | UserRead,
    summary="Get a user",
    responses=problem_responses(401, 404, 422),
)
async def get_user(user_id: IdPath, session: ReadSessionDep, viewer: OptionalUser) -> Response:
    """One user by id; deleted accounts are 404. Your own account, with your bearer
    token, comes with its e-mail and balance; anyone else's is its public document."""
    user, own = await service.get_as(session, user_id, viewer=viewer)
    if own:
        return respond(USER_PRIVATE, user)
    return respond(USER, user)


@router.patch(
    "/{user_id}",
    response_model=UserPrivate,
    summary="Update your account",
    responses=problem_responses(401, 403, 409, 422),
)
async def update_user(
    user_id: IdPath, data: UserUpdate, caller: CurrentUser, session: SessionDep
) -> Response:
    """Change only the fields sent, on your own account (403 otherwise). Credits,
    the password and `is_active` cannot be set here: unknown fields are refused with
    422 (to leave, delete the account)."""
    user = await service.update(session, caller, user_id=user_id, data=data)
    return respond(USER_PRIVATE, user)


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
    await service.close(session, caller, user_id=user_id)
