"""Conduit's articles, favorites and comments under `/api/articles`: published posts,
addressed by slug, through the posts, favorites, follows and comments services."""

from typing import Annotated

from fastapi import Path, Query, Request, Response, status

from inkwell.comments import service as comments_service
from inkwell.conduit import service
from inkwell.conduit.dependencies import OPTIONAL_TOKEN, Reader, Viewer, Writer
from inkwell.conduit.errors import PREFIX, error_responses
from inkwell.conduit.schemas import NewArticleRequest, NewCommentRequest, UpdateArticleRequest
from inkwell.core.documents import Read
from inkwell.core.http.conditional import respond_read, validator_responses
from inkwell.core.http.dependencies import ReadSessionDep, SessionDep, SettingsDep
from inkwell.core.http.paging import Limit
from inkwell.core.http.paging import Skip as Offset
from inkwell.core.http.params import IdPath
from inkwell.core.http.responses import json_response
from inkwell.core.http.routing import Router
from inkwell.core.pagination import Page
from inkwell.posts import service as posts_service
from inkwell.posts.schemas import PostCreate, PostUpdate
from inkwell.tags.schemas import TagLookup
from inkwell.users.schemas import UsernameLookup

router = Router(prefix=f"{PREFIX}/articles", tags=["conduit"])

Slug = Annotated[str, Path(min_length=1, max_length=255, description="The article's slug")]


def _page(offset: int, limit: int) -> Page:
    return Page(skip=offset, limit=limit, after=None)


_FAVORITE = error_responses(401, 404, 422)


async def _respond(request: Request, read: Read) -> Response:
    # What a viewer sees depends on their token (`following`, `favorited`); Conduit
    # pages by `offset` and names no next page.
    return await respond_read(request, read, private=True, vary=True, links=False)


@router.get(
    "/",
    summary="List articles (Conduit)",
    responses={**validator_responses(), **error_responses(401, 422)},
    openapi_extra=OPTIONAL_TOKEN,
)
async def list_articles(
    request: Request,
    session: ReadSessionDep,
    viewer: Viewer,
    tag: Annotated[TagLookup | None, Query(description="Tag name")] = None,
    author: Annotated[UsernameLookup | None, Query(description="Author's username")] = None,
    favorited: Annotated[UsernameLookup | None, Query(description="Favorited by")] = None,
    offset: Offset = 0,
    limit: Limit = 20,
) -> Response:
    """Published articles, newest first, without their `body`, filtered by `tag`,
    `author` and the username that `favorited` them; `articlesCount` is the number of
    articles of the filter in all pages. An unknown tag or user gives `[]` and 0. Send
    the `ETag` back in `If-None-Match` to get 304 while nothing you see changed."""
    page = _page(offset, limit)
    read = await service.articles(
        session, viewer, page=page, tag=tag, author=author, favorited_by=favorited
    )
    return await _respond(request, read)


@router.get(
    "/feed",
    summary="Your feed (Conduit)",
    responses={**validator_responses(), **error_responses(401, 422)},
)
async def feed(
    request: Request,
    session: ReadSessionDep,
    viewer: Reader,
    offset: Offset = 0,
    limit: Limit = 20,
) -> Response:
    """Published articles by the authors you follow, newest first, without `body`."""
    read = await service.articles(session, viewer, page=_page(offset, limit), feed=True)
    return await _respond(request, read)


@router.post(
    "/",
    status_code=status.HTTP_201_CREATED,
    summary="Write an article (Conduit)",
    responses=error_responses(401, 409, 422),
)
async def create_article(body: NewArticleRequest, caller: Writer, session: SessionDep) -> Response:
    """`{"article": {"title", "description", "body", "tagList"?}}`: a published post
    with a slug made from its title."""
    new = body.article
    data = PostCreate.model_validate(
        {
            "title": new.title,
            "description": new.description,
            "body": new.body,
            "published": True,
            "tags": new.tag_list,
        }
    )
    post = await posts_service.create(session, caller, user_id=caller.id, data=data)
    return json_response(await service.written(session, post, caller), status_code=201)


@router.get(
    "/{slug}",
    summary="Get an article (Conduit)",
    responses={**validator_responses(), **error_responses(401, 404, 422)},
    openapi_extra=OPTIONAL_TOKEN,
)
async def get_article(
    request: Request, slug: Slug, session: ReadSessionDep, viewer: Viewer
) -> Response:
    """One published article, with its `body`. Send the `ETag` back in `If-None-Match`
    to get 304 while nothing you see of it changed."""
    return await _respond(request, await service.article(session, viewer, slug))


@router.put(
    "/{slug}",
    summary="Change your article (Conduit)",
    responses=error_responses(401, 403, 404, 409, 422),
)
async def update_article(
    slug: Slug, body: UpdateArticleRequest, caller: Writer, session: SessionDep
) -> Response:
    """Change the members sent (`title`, `description`, `body`, `tagList`); a new title
    gives a new slug. Yours only (403 otherwise)."""
    post = await posts_service.get_by_slug_or_raise(session, slug, viewer_id=None)
    changes = body.article.model_dump(exclude_unset=True, exclude_none=True)
    if "tag_list" in changes:
        changes["tags"] = changes.pop("tag_list")
    data = PostUpdate.model_validate(changes)
    post = await posts_service.update(session, caller, post_id=post.id, data=data)
    return json_response(await service.written(session, post, caller))


@router.delete(
    "/{slug}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Delete your article (Conduit)",
    responses=error_responses(401, 403, 404, 422),
)
async def delete_article(slug: Slug, caller: Writer, session: SessionDep) -> None:
    """Delete the article with its comments and favorites. Yours only (403 otherwise)."""
    post = await posts_service.get_by_slug_or_raise(session, slug, viewer_id=None)
    await posts_service.delete(session, caller, post_id=post.id)


@router.post("/{slug}/favorite", summary="Favorite an article (Conduit)", responses=_FAVORITE)
async def favorite(slug: Slug, caller: Writer, session: SessionDep) -> Response:
    """Add the article to your favorites (again: nothing changes)."""
    return json_response(await service.favorite(session, caller, slug, favorited=True))


@router.delete("/{slug}/favorite", summary="Unfavorite an article (Conduit)", responses=_FAVORITE)
async def unfavorite(slug: Slug, caller: Writer, session: SessionDep) -> Response:
    """Remove the article from your favorites (not one: nothing changes)."""
    return json_response(await service.favorite(session, caller, slug, favorited=False))


@router.get(
    "/{slug}/comments/",
    summary="An article's comments (Conduit)",
    responses={**validator_responses(), **error_responses(401, 404, 422)},
    openapi_extra=OPTIONAL_TOKEN,
)
async def list_comments(
    request: Request,
    slug: Slug,
    session: ReadSessionDep,
    viewer: Viewer,
    offset: Offset = 0,
    limit: Limit = 20,
) -> Response:
    """`{"comments": [...]}`, newest first, each author with your `following`: `limit`
    of them (20 unless asked, at most 100) after the first `offset`. Send the `ETag`
    back in `If-None-Match` to get 304 while nothing you see of them changed."""
    page = _page(offset, limit)
    return await _respond(request, await service.comments(session, viewer, slug, page=page))


@router.post(
    "/{slug}/comments/",
    summary="Comment on an article (Conduit)",
    responses=error_responses(401, 404, 422, 429),
)
async def create_comment(
    slug: Slug,
    body: NewCommentRequest,
    caller: Writer,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """`{"comment": {"body"}}` -> `{"comment": {...}}`. Each account may write
    `COMMENT_MAX_PER_ACCOUNT` comments per `COMMENT_WINDOW_SECONDS` (30 per 10
    minutes, the native API's count); beyond, 429 with `Retry-After`."""
    post = await posts_service.get_by_slug_or_raise(session, slug, viewer_id=None)
    text = body.comment.body
    comment = await comments_service.create(session, caller, post, body=text, settings=settings)
    return json_response(service.commented(comment))


@router.delete(
    "/{slug}/comments/{comment_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Delete your comment (Conduit)",
    responses=error_responses(401, 403, 404, 422),
)
async def delete_comment(
    slug: Slug, comment_id: IdPath, caller: Writer, session: SessionDep
) -> None:
    """Delete a comment of yours (403 for anyone else's)."""
    post = await posts_service.get_by_slug_or_raise(session, slug, viewer_id=None)
    await comments_service.delete(session, caller, post, comment_id=comment_id)
