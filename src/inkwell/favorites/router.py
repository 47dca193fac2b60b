"""HTTP endpoints of favorites: the caller favorites a post, or no longer does."""

from typing import Any

from fastapi import Response

from inkwell.auth.dependencies import Writer
from inkwell.core.http.conditional import ETAG_HEADER
from inkwell.core.http.dependencies import SessionDep
from inkwell.core.http.params import IdPath
from inkwell.core.http.problems import problem_responses
from inkwell.core.http.responses import respond
from inkwell.core.http.routing import Router
from inkwell.favorites import service
from inkwell.posts.documents import etag_of
from inkwell.posts.schemas import POST, PostRead

router = Router(prefix="/posts/{post_id}/favorite", tags=["favorites"])


# Favoriting and unfavoriting: the post as it now is, and its new ETag.
_CHANGE: dict[str, Any] = {
    "response_model": PostRead,
    "responses": {200: ETAG_HEADER, **problem_responses(401, 404, 422)},
}


@router.put("", summary="Favorite a post", **_CHANGE)
async def favorite_post(post_id: IdPath, caller: Writer, session: SessionDep) -> Response:
    """Add the post to your favorites; already there, nothing changes. The answer is the
    post with its `favorites_count`, and its `ETag` (a change of the count changes it)."""
    post = await service.favorite_post(session, caller, post_id, favorited=True)
    return respond(POST, post, headers={"ETag": etag_of(post)})


@router.delete("", summary="Unfavorite a post", **_CHANGE)
async def unfavorite_post(post_id: IdPath, caller: Writer, session: SessionDep) -> Response:
    """Remove the post from your favorites; not there, nothing changes. The answer is
    the post with its `favorites_count`, and its `ETag`."""
    post = await service.favorite_post(session, caller, post_id, favorited=False)
    return respond(POST, post, headers={"ETag": etag_of(post)})
