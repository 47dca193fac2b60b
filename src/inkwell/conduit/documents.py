"""Conduit's documents: the domain's kinds of document in Conduit's views, and envelopes.

An article, a profile and a comment are a post's, a user's and a comment's documents
(posts.documents, users.documents, comments.documents: the same rows, versions and
loading) rendered by Conduit's schemas. What a viewer sees of them besides (whether they
follow the author, whether they favorited the article) is part of the view, so each
combination is keyed, tagged, built and cached like any other document.
"""

from collections.abc import Callable

from inkwell.comments import documents as comments_documents
from inkwell.comments.models import Comment as CommentEntity
from inkwell.conduit.schemas import ARTICLE, COMMENT, PROFILE, USER
from inkwell.core.documents import DocumentKind, View
from inkwell.posts import documents as posts_documents
from inkwell.posts.models import Post
from inkwell.users import documents as users_documents
from inkwell.users.models import User


def _article(post: Post, view: View) -> bytes:
    """("article" or "brief" without `body`, following the author, favorited)."""
    name, following, favorited = view
    document = ARTICLE.validate_python(post, from_attributes=True)
    document.author.following = bool(following)
    document.favorited = bool(favorited)
    return ARTICLE.dump_json(document, exclude={"body"} if name == "brief" else None)


def _profile(user: User, view: View) -> bytes:
    """("profile", following them)."""
    document = PROFILE.validate_python(user, from_attributes=True)
    document.following = bool(view[1])
    return PROFILE.dump_json(document)


def _comment(comment: CommentEntity, view: View) -> bytes:
    """("conduit", following its author)."""
    document = COMMENT.validate_python(comment, from_attributes=True)
    document.author.following = bool(view[1])
    return COMMENT.dump_json(document)


ARTICLES: DocumentKind[Post] = posts_documents.DOCUMENT.with_views(article=_article, brief=_article)
PROFILES: DocumentKind[User] = users_documents.DOCUMENT.with_views(profile=_profile)
COMMENTS: DocumentKind[CommentEntity] = comments_documents.DOCUMENT.with_views(conduit=_comment)

# Wraps a read's body (a document or an array of them), given its total if it has one.
Envelope = Callable[[bytes, int | None], bytes]


def envelope(name: str, document: bytes) -> bytes:
    """`{"name": document}`."""
    return b'{"' + name.encode() + b'":' + document + b"}"


def enveloped(name: str) -> Envelope:
    """A read's body in `{"name": ...}`."""
    return lambda body, _total: envelope(name, body)


def articles_envelope(body: bytes, total: int | None) -> bytes:
    """`{"articles": [...], "articlesCount": total}`."""
    return b'{"articles":' + body + b',"articlesCount":%d}' % (total or 0)


def user(account: User, token: str) -> bytes:
    """The caller's own account with their token: `{"user": {...}}`."""
    document = USER.validate_python(account, from_attributes=True)
    return envelope("user", USER.dump_json(document.model_copy(update={"token": token})))
