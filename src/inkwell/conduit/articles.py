"""Conduit's articles, favorites and comments under `/api/articles`: published posts,
addressed by slug, through the posts, favorites, follows and comments services."""

from typing import Annotated

from fastapi import Path, Query, Response, status

from inkwell.comments import service as comments_service
from inkwell.conduit import documents, service
from inkwell.conduit.dependencies import OPTIONAL_TOKEN, PER_VIEWER, Reader, Viewer, Writer
from inkwell.conduit.errors import PREFIX, error_responses
from inkwell.conduit.schemas import NewArticleRequest, NewCommentRequest, UpdateArticleRequest
from inkwell.core.db import ReadSessionDep, SessionDep
from inkwell.core.pagination import Limit, Page
from inkwell.core.pagination import Skip as Offset
from inkwell.core.responses import json_response
from inkwell.core.routing import Router
from inkwell.core.schemas import IdPath
from inkwell.favorites import service as favorites_service
from inkwell.follows import service as follows_service
from inkwell.posts import service as posts_service
from inkwell.posts.schemas import PostCreate, PostUpdate
from inkwell.tags.schemas import TagLookup
from inkwell.users.schemas import UsernameLookup

router = Router(prefix=f"{PREFIX}/articles", tags=["conduit"])

Slug = Annotated[str, Path(min_length=1, max_length=255, description="The article's slug")]


def _page(offset: int, limit: int) -> Page:
    return Page(skip=offset, limit=limit, after=None)


@router.get(
    "/",
    summary="List articles (Conduit)",
    responses=error_responses(401, 422),
    openapi_extra=OPTIONAL_TOKEN,
)
async def list_articles(
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
    articles of the filter in all pages. An unknown tag or user gives `[]` and 0."""
    await session.snapshot()  # the page, its total and its documents agree
    rows = await posts_service.list_rows(
        session,
        viewer_id=None,
        published=True,
        page=_page(offset, limit),
        tag=tag,
        author=author,
        favorited_by=favorited,
    )
    total = await posts_service.count(
        session, viewer_id=None, published=True, tag=tag, author=author, favorited_by=favorited
    )
    page = await service.articles(session, rows, viewer)
    return json_response(documents.articles_envelope(page, total), headers=PER_VIEWER)


@router.get("/feed", summary="Your feed (Conduit)", responses=error_responses(401, 422))
async def feed(
    session: ReadSessionDep,
    viewer: Reader,
    offset: Offset = 0,
    limit: Limit = 20,
) -> Response:
    """Published articles by the authors you follow, newest first, without `body`."""
    await session.snapshot()  # the page, its total and its documents agree
    rows = await posts_service.list_rows(
        session, viewer_id=None, published=True, page=_page(offset, limit), followed_by=viewer.id
    )
    total = await posts_service.count(
        session, viewer_id=None, published=True, followed_by=viewer.id
    )
    page = await service.articles(session, rows, viewer)
    return json_response(documents.articles_envelope(page, total), headers=PER_VIEWER)


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
    responses=error_responses(401, 404, 422),
    openapi_extra=OPTIONAL_TOKEN,
)
async def get_article(slug: Slug, session: ReadSessionDep, viewer: Viewer) -> Response:
    """One published article, with its `body`."""
    await session.snapshot()  # the article's versions and its document agree
    row = await posts_service.get_row_by_slug(session, slug, viewer_id=None, documents=True)
    (article,) = await service.articles(session, [row], viewer, view="article")
    return json_response(documents.envelope("article", article), headers=PER_VIEWER)


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


@router.post(
    "/{slug}/favorite",
    summary="Favorite an article (Conduit)",
    responses=error_responses(401, 404, 422),
)
async def favorite(slug: Slug, caller: Writer, session: SessionDep) -> Response:
    """Add the article to your favorites (again: nothing changes)."""
    post = await posts_service.get_by_slug_or_raise(session, slug, viewer_id=None)
    post = await favorites_service.favorite(session, caller, post)
    return json_response(await service.written(session, post, caller))


@router.delete(
    "/{slug}/favorite",
    summary="Unfavorite an article (Conduit)",
    responses=error_responses(401, 404, 422),
)
async def unfavorite(slug: Slug, caller: Writer, session: SessionDep) -> Response:
    """Remove the article from your favorites (not one: nothing changes)."""
    post = await posts_service.get_by_slug_or_raise(session, slug, viewer_id=None)
    post = await favorites_service.unfavorite(session, caller, post)
    return json_response(await service.written(session, post, caller))


@router.get(
    "/{slug}/comments/",
    summary="An article's comments (Conduit)",
    responses=error_responses(401, 404, 422),
    openapi_extra=OPTIONAL_TOKEN,
)
async def list_comments(slug: Slug, session: ReadSessionDep, viewer: Viewer) -> Response:
    """`{"comments": [...]}`, newest first, each author with your `following`."""
    row = await posts_service.get_row_by_slug(session, slug, viewer_id=None)
    comments = await comments_service.list_for_post(session, row.id)
    following = await follows_service.following_among(
        session, viewer.id if viewer else None, {c.author_id for c in comments}
    )
    body = b"[" + b",".join(documents.comments(comments, following=following)) + b"]"
    return json_response(documents.envelope("comments", body), headers=PER_VIEWER)


@router.post(
    "/{slug}/comments/",
    summary="Comment on an article (Conduit)",
    responses=error_responses(401, 404, 422),
)
async def create_comment(
    slug: Slug, body: NewCommentRequest, caller: Writer, session: SessionDep
) -> Response:
    """`{"comment": {"body"}}` -> `{"comment": {...}}`."""
    post = await posts_service.get_by_slug_or_raise(session, slug, viewer_id=None)
    comment = await comments_service.create(session, caller, post, body=body.comment.body)
    (document,) = documents.comments([comment], following=set())
    return json_response(documents.envelope("comment", document))


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
