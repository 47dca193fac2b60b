"""HTTP endpoints of the posts domain."""

from typing import Annotated

from fastapi import Query, Response, status

from inkwell.core.db import SessionDep
from inkwell.core.errors import problem_responses
from inkwell.core.pagination import Limit, Skip
from inkwell.core.routing import Router
from inkwell.core.schemas import IdPath
from inkwell.posts import service
from inkwell.posts.schemas import PostCreate, PostRead, PostUpdate
from inkwell.tags.schemas import TagName
from inkwell.users import service as users_service
from inkwell.users.schemas import Username

router = Router(tags=["posts"])


@router.post(
    "/users/{user_id}/posts/",
    status_code=status.HTTP_201_CREATED,
    response_model=PostRead,
    summary="Write a post",
    responses=problem_responses(404, 422),
)
async def create_post(user_id: IdPath, data: PostCreate, session: SessionDep) -> PostRead:
    """Create a post by this user. Tags not seen before are created."""
    author = await users_service.get_or_raise(session, user_id)
    post = await service.create(session, author=author, data=data)
    return PostRead.model_validate(post)


@router.get(
    "/posts/",
    response_model=list[PostRead],
    summary="List posts",
    responses=problem_responses(422),
)
async def list_posts(
    session: SessionDep,
    skip: Skip = 0,
    limit: Limit = 20,
    author: Annotated[Username | None, Query(description="Author's username")] = None,
    tag: Annotated[TagName | None, Query(description="Tag name")] = None,
    published: Annotated[bool | None, Query(description="Published or drafts")] = None,
) -> list[PostRead]:
    """Posts with their author and tags, newest first (ties by id, descending)."""
    posts = await service.list_(
        session, skip=skip, limit=limit, author=author, tag=tag, published=published
    )
    return [PostRead.model_validate(p) for p in posts]


@router.get(
    "/posts/{post_id}",
    response_model=PostRead,
    summary="Get a post",
    responses=problem_responses(404, 422),
)
async def get_post(post_id: IdPath, session: SessionDep) -> PostRead:
    """One post with its author and tags."""
    return PostRead.model_validate(await service.get_or_raise(session, post_id))


@router.patch(
    "/posts/{post_id}",
    response_model=PostRead,
    summary="Update a post",
    responses=problem_responses(404, 422),
)
async def update_post(post_id: IdPath, data: PostUpdate, session: SessionDep) -> PostRead:
    """Change only the fields sent; `tags` replaces the post's tags."""
    post = await service.get_or_raise(session, post_id)
    return PostRead.model_validate(await service.update(session, post, data=data))


@router.delete(
    "/posts/{post_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Delete a post",
    responses=problem_responses(404, 422),
)
async def delete_post(post_id: IdPath, session: SessionDep) -> None:
    """Delete the post."""
    await service.delete(session, post_id)
