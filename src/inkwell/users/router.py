"""HTTP endpoints of the users domain."""

from fastapi import Query, Request, Response, status

from inkwell.auth import service as auth_service
from inkwell.auth.dependencies import (
    ClientAddress,
    Reader,
    TokenDep,
    Viewer,
    Writer,
    caller,
    required,
)
from inkwell.auth.hashing import HasherDep
from inkwell.core.http.conditional import ETAG_HEADER, IfMatch, respond_read, validator_responses
from inkwell.core.http.dependencies import ReadSessionDep, SessionDep, SessionmakerDep, SettingsDep
from inkwell.core.http.paging import PageDep
from inkwell.core.http.params import IdPath
from inkwell.core.http.problems import problem_responses
from inkwell.core.http.responses import respond
from inkwell.core.http.routing import Router
from inkwell.users import service
from inkwell.users.documents import etag_of
from inkwell.users.schemas import (
    USER_PRIVATE,
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
    responses={201: ETAG_HEADER, **problem_responses(409, 422, 429)},
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
    per `REGISTER_WINDOW_SECONDS` (10 an hour); beyond, 429 with `Retry-After`. The
    answer's `ETag` is your document's, for a later `If-Match`."""
    user = await service.create(
        session, data=data, hasher=hasher, sessions=sessions, address=address, settings=settings
    )
    headers = {"ETag": etag_of(user)}
    return respond(USER_PRIVATE, user, status_code=status.HTTP_201_CREATED, headers=headers)


@router.get(
    "/",
    response_model=list[UserRead],
    summary="List users",
    responses={**validator_responses(), **problem_responses(422)},
)
async def list_users(
    request: Request,
    session: ReadSessionDep,
    page: PageDep,
    active_only: bool = Query(True, description="Only active accounts"),
) -> Response:
    """Users' public documents (no e-mail, no balance), newest first (ties by id,
    descending). Page with `skip`, or follow the absolute, percent-encoded URL of
    the `Link: rel="next"` header (keyset pagination by `cursor`). Send the `ETag`
    back in `If-None-Match` to get 304 while the page is unchanged."""
    read = await service.read_page(session, page=page, active_only=active_only)
    return await respond_read(request, read)


@router.get(
    "/me",
    response_model=UserPrivate,
    summary="Get the caller",
    responses={**validator_responses(), **problem_responses(401)},
)
async def read_me(request: Request, user: Reader, session: ReadSessionDep) -> Response:
    """The account the bearer token belongs to, with its e-mail and balance."""
    return await respond_read(request, service.read_own(session, user), private=True, vary=True)


@router.get(
    "/{user_id}",
    response_model=UserPrivate | UserRead,
    summary="Get a user",
    responses={**validator_responses(), **problem_responses(401, 404, 422)},
)
async def get_user(
    request: Request,
    user_id: IdPath,
    session: ReadSessionDep,
    viewer: Viewer,
) -> Response:
    """One user by id; deleted accounts are 404. Your own account, with your bearer
    token, comes with its e-mail and balance; anyone else's is its public document.
    Send the `ETag` back in `If-None-Match` to get 304 while it is unchanged."""
    read = await service.read(session, user_id, viewer=viewer)
    own = viewer is not None and viewer.id == user_id
    return await respond_read(request, read, private=own, vary=True)


@router.patch(
    "/{user_id}",
    response_model=UserPrivate,
    summary="Update your account",
    responses={200: ETAG_HEADER, **problem_responses(401, 403, 409, 412, 422, 429)},
)
async def update_user(
    request: Request,
    user_id: IdPath,
    data: UserUpdate,
    token: TokenDep,
    session: SessionDep,
    sessions: SessionmakerDep,
    settings: SettingsDep,
    if_match: IfMatch = None,
) -> Response:
    """Change only the fields sent, on your own account (403 otherwise). Credits,
    the password (`POST /auth/password`) and `is_active` cannot be set here: unknown
    fields are refused with 422 (to leave, delete the account). With `If-Match`, only
    if your document is still the version you read (412 otherwise); the answer's
    `ETag` is the new version's. A concurrent change that wins the race (a transfer, say) makes this
    one 409: read it again and retry. Each account may try `EMAIL_CHANGE_MAX_PER_ACCOUNT`
    changes of its `email` per `EMAIL_CHANGE_WINDOW_SECONDS` (5 an hour), whether or not
    the address is taken; beyond, 429 with `Retry-After`."""
    if data.email is not None and token is not None:
        # Counted from the token alone, before the caller is read: that first statement
        # of the request's transaction takes SQLite's write lock, which the count needs.
        claims = auth_service.read_access_token(settings, token)
        await service.count_email_change(sessions, claims, email=data.email, settings=settings)
    holder = required(await caller(request, session, token, held=True))
    user = await service.update(session, holder, user_id=user_id, data=data, if_match=if_match)
    return respond(USER_PRIVATE, user, headers={"ETag": etag_of(user)})


@router.delete(
    "/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Delete your account",
    responses=problem_responses(401, 403, 409, 412, 422),
)
async def delete_user(
    user_id: IdPath, caller: Writer, session: SessionDep, if_match: IfMatch = None
) -> None:
    """Delete your own account (403 otherwise) and all of your posts. Your balance and
    transfer history stay in the ledger; the username and e-mail become free. With
    `If-Match`, only if your document is still the version you read (412 otherwise,
    and nothing is deleted)."""
    await service.close(session, caller, user_id=user_id, if_match=if_match)
