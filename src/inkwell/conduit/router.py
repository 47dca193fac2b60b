"""HTTP endpoints of the Conduit dialect, under `/api`: the same services as the native
API, Conduit's envelopes and errors (conduit/errors.py)."""

from typing import Annotated

from fastapi import Path, Request, Response, status

from inkwell.auth import service as auth_service
from inkwell.auth.dependencies import ClientAddress, caller, required
from inkwell.auth.hashing import HasherDep
from inkwell.conduit import documents, service
from inkwell.conduit.dependencies import (
    OPTIONAL_TOKEN,
    ConduitToken,
    Reader,
    Viewer,
    Writer,
)
from inkwell.conduit.errors import PREFIX, error_responses
from inkwell.conduit.schemas import TAGS, LoginUserRequest, NewUserRequest, UpdateUserRequest
from inkwell.core.http.conditional import respond_read, validator_responses
from inkwell.core.http.dependencies import ReadSessionDep, SessionDep, SessionmakerDep, SettingsDep
from inkwell.core.http.responses import json_response
from inkwell.core.http.routing import NoStoreRoute, Router
from inkwell.tags import service as tags_service
from inkwell.users import service as users_service
from inkwell.users.models import User
from inkwell.users.schemas import UserCreate, UsernameLookup, UserUpdate

router = Router(prefix=PREFIX, tags=["conduit"])
# Answers that carry a token are never cached.
accounts = Router(prefix=PREFIX, tags=["conduit"], route_class=NoStoreRoute)

# Conduit's popular tags: at most this many names.
TAGS_SHOWN = 100


@accounts.post(
    "/users/",
    status_code=status.HTTP_201_CREATED,
    summary="Register (Conduit)",
    responses=error_responses(422, 429),
)
async def register(
    body: NewUserRequest,
    address: ClientAddress,
    session: SessionDep,
    sessions: SessionmakerDep,
    hasher: HasherDep,
    settings: SettingsDep,
) -> Response:
    """`{"user": {"username", "email", "password"}}` -> 201 `{"user": {..., "token"}}`:
    the native registration (its rules and throttle), and a token usable at once."""
    data = UserCreate.model_validate(body.user.model_dump())
    user = await users_service.create(
        session, data=data, hasher=hasher, sessions=sessions, address=address, settings=settings
    )
    token, _ = auth_service.create_access_token(settings, user)
    return json_response(documents.user(user, token), status_code=status.HTTP_201_CREATED)


@accounts.post("/users/login", summary="Log in (Conduit)", responses=error_responses(401, 422, 429))
async def log_in(
    body: LoginUserRequest,
    address: ClientAddress,
    sessions: SessionmakerDep,
    hasher: HasherDep,
    settings: SettingsDep,
) -> Response:
    """`{"user": {"email", "password"}}` -> `{"user": {..., "token"}}`, by the native
    login policy (throttles, the same 401 for every wrong credential)."""
    credentials = body.user
    user = await auth_service.authenticate(
        sessions,
        login=credentials.email,
        password=credentials.password,
        address=address,
        hasher=hasher,
        settings=settings,
    )
    token, _ = auth_service.create_access_token(settings, user)
    return json_response(documents.user(user, token))


@accounts.get("/user", summary="The current user (Conduit)", responses=error_responses(401))
async def current_user(caller: Reader, token: ConduitToken) -> Response:
    """The account of the token, with that same token."""
    return json_response(documents.user(caller, token or ""))


@accounts.put(
    "/user",
    summary="Change your account (Conduit)",
    responses=error_responses(401, 409, 422, 429, 503),
)
async def update_current_user(
    request: Request,
    body: UpdateUserRequest,
    token: ConduitToken,
    session: SessionDep,
    sessions: SessionmakerDep,
    settings: SettingsDep,
    hasher: HasherDep,
) -> Response:
    """Change the members sent: `email`, `username`, `password`, `bio`, `image`. An
    empty `email`, `username` or `password` (a settings form's untouched field) changes
    nothing; an empty `bio` or `image` clears it. A new password ends every session
    opened before: the answer carries a new token (RealWorld's front ends keep the
    token of the user they are answered). Password changes, and new e-mail addresses,
    count against the account's budgets shared with the native API (429 with
    `Retry-After` beyond)."""
    changes = body.user
    password = changes.new_password()
    data = UserUpdate.model_validate(changes.changes())
    if password is not None:
        # The token is checked first (no statement), so that only an account holder
        # makes us hash, and the change is counted before the hash; the caller is
        # read after it (users_service decides).
        await auth_service.count_password_change(sessions, token, settings)
    if data.email is not None and token is not None:
        # Counted before the caller is read, as the native API does (users.router).
        claims = auth_service.read_access_token(settings, token)
        await users_service.count_email_change(
            sessions, claims, email=data.email, settings=settings
        )

    async def load_caller() -> User:
        return required(await caller(request, session, token, held=True), scheme="Token")

    user = await users_service.update_with_password(
        session, load_caller, data=data, password=password, hasher=hasher
    )
    if password is not None:
        token, _ = auth_service.create_access_token(settings, user)
    return json_response(documents.user(user, token or ""))


Username = Annotated[UsernameLookup, Path(description="The user's username")]


@router.get(
    "/profiles/{username}",
    summary="A profile (Conduit)",
    responses={**validator_responses(), **error_responses(401, 404, 422)},
    openapi_extra=OPTIONAL_TOKEN,
)
async def get_profile(
    request: Request, username: Username, session: ReadSessionDep, viewer: Viewer
) -> Response:
    """`{"profile": {...}}`, with whether you follow them. Send the `ETag` back in
    `If-None-Match` to get 304 while nothing you see of it changed."""
    read = await service.profile(session, viewer, username)
    return await respond_read(request, read, private=True, vary=True)


_FOLLOW = error_responses(401, 404, 409, 422)


@router.post("/profiles/{username}/follow", summary="Follow a user (Conduit)", responses=_FOLLOW)
async def follow(username: Username, caller: Writer, session: SessionDep) -> Response:
    """Follow them (again: nothing changes); yourself: 409."""
    return json_response(await service.follow(session, caller, username, following=True))


@router.delete(
    "/profiles/{username}/follow", summary="Unfollow a user (Conduit)", responses=_FOLLOW
)
async def unfollow(username: Username, caller: Writer, session: SessionDep) -> Response:
    """Stop following them (not following: nothing changes)."""
    return json_response(await service.follow(session, caller, username, following=False))


@router.get("/tags/", summary="Tags in use (Conduit)")
async def list_tags(session: ReadSessionDep) -> Response:
    """`{"tags": [...]}`: the tags of published articles, the most used first."""
    names = await tags_service.names_in_use(session, limit=TAGS_SHOWN)
    return json_response(documents.envelope("tags", TAGS.dump_json(names)))
