"""HTTP endpoints of the users domain."""

from fastapi import Query, Response, status

from inkwell.core.db import SessionDep
from inkwell.core.errors import problem_responses
from inkwell.core.pagination import Limit, Skip
from inkwell.core.routing import Router
from inkwell.core.schemas import IdPath
from inkwell.core.security import HasherDep
from inkwell.users import service
from inkwell.users.schemas import UserCreate, UserRead, UserUpdate

router = Router(prefix="/users", tags=["users"])


@router.post(
    "/",
    status_code=status.HTTP_201_CREATED,
    response_model=UserRead,
    summary="Register a user",
    responses=problem_responses(409, 422),
)
async def create_user(data: UserCreate, session: SessionDep, hasher: HasherDep) -> UserRead:
    """Create an account. Usernames and e-mail addresses (case-insensitive) are unique:
    a taken one gives 409, even when two registrations race."""
    user = await service.create(session, data=data, hasher=hasher)
    return UserRead.model_validate(user)


@router.get(
    "/",
    response_model=list[UserRead],
    summary="List users",
    responses=problem_responses(422),
)
async def list_users(
    session: SessionDep,
    skip: Skip = 0,
    limit: Limit = 20,
    active_only: bool = Query(True, description="Only active accounts"),
) -> list[UserRead]:
    """Users, newest first (ties by id, descending)."""
    users = await service.list_(session, skip=skip, limit=limit, active_only=active_only)
    return [UserRead.model_validate(u) for u in users]


@router.get(
    "/{user_id}",
    response_model=UserRead,
    summary="Get a user",
    responses=problem_responses(404, 422),
)
async def get_user(user_id: IdPath, session: SessionDep) -> UserRead:
    """One user by id."""
    return UserRead.model_validate(await service.get_or_raise(session, user_id))


@router.patch(
    "/{user_id}",
    response_model=UserRead,
    summary="Update a user",
    responses=problem_responses(404, 409, 422),
)
async def update_user(user_id: IdPath, data: UserUpdate, session: SessionDep) -> UserRead:
    """Change only the fields sent. Credits and the password cannot be set here:
    unknown fields are refused with 422."""
    user = await service.get_or_raise(session, user_id)
    return UserRead.model_validate(await service.update(session, user, data=data))


@router.delete(
    "/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Delete a user",
    responses=problem_responses(404, 422),
)
async def delete_user(user_id: IdPath, session: SessionDep) -> None:
    """Delete the user and all of their posts."""
    await service.delete(session, user_id)
