"""HTTP endpoints of the Conduit dialect, under `/api`: the same services as the native
API, Conduit's envelopes and errors (conduit/errors.py)."""

from fastapi import Response, status

from inkwell.auth import service as auth_service
from inkwell.auth.dependencies import ClientAddress
from inkwell.auth.hashing import HasherDep
from inkwell.conduit import documents
from inkwell.conduit.dependencies import ConduitToken, Reader
from inkwell.conduit.errors import PREFIX, error_responses
from inkwell.conduit.schemas import TAGS, LoginUserRequest, NewUserRequest
from inkwell.core.config import SettingsDep
from inkwell.core.db import SessionDep, SessionmakerDep, StatementSessionDep
from inkwell.core.responses import json_response
from inkwell.core.routing import NoStoreRoute, Router
from inkwell.tags import service as tags_service
from inkwell.users import service as users_service
from inkwell.users.schemas import UserCreate

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


@accounts.post(
    "/users/login", summary="Log in (Conduit)", responses=error_responses(401, 422, 429)
)
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


@router.get("/tags/", summary="Tags in use (Conduit)")
async def list_tags(session: StatementSessionDep) -> Response:
    """`{"tags": [...]}`: the tags of published articles, the most used first."""
    names = await tags_service.names_in_use(session, limit=TAGS_SHOWN)
    return json_response(documents.envelope("tags", TAGS.dump_json(names)))
