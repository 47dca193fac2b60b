"""Conduit documents: built through the ORM and pydantic, wrapped in their envelopes.

An article's document has a shared part, the same for every viewer (kept in the read
cache under the versions of the post and its author, like the native post documents),
and two per-viewer members: `author.following` and `favorited`. Those come last in the
document (conduit/schemas.Article), so the shared bytes are made personal by replacing
their fixed ending, `false},"favorited":false}`, with the viewer's two booleans: no
document is parsed or rebuilt per request.
"""

from collections.abc import Iterable, Sequence

from inkwell.comments.models import Comment as CommentRow
from inkwell.conduit.schemas import COMMENT, PROFILE, USER, Comment, Profile
from inkwell.users.models import User

_SHARED_ENDING = b'false},"favorited":false}'
_JSON = {True: b"true", False: b"false"}


def envelope(name: str, document: bytes) -> bytes:
    """`{"name": document}`."""
    return b'{"' + name.encode() + b'":' + document + b"}"


def articles_envelope(documents: Sequence[bytes], count: int) -> bytes:
    """`{"articles": [...], "articlesCount": count}`."""
    return b'{"articles":[' + b",".join(documents) + b'],"articlesCount":%d}' % count


def personal(shared: bytes, *, following: bool, favorited: bool) -> bytes:
    """An article's shared document with the viewer's `following` and `favorited`."""
    if not shared.endswith(_SHARED_ENDING):  # a schema change broke the design
        raise ValueError("an article document must end with its per-viewer members")
    head = shared[: -len(_SHARED_ENDING)]
    return head + _JSON[following] + b'},"favorited":' + _JSON[favorited] + b"}"


def user(account: User, token: str) -> bytes:
    """The caller's own account with their token: `{"user": {...}}`."""
    document = USER.validate_python(account, from_attributes=True)
    return envelope("user", USER.dump_json(document.model_copy(update={"token": token})))


def profile(account: User, *, following: bool) -> bytes:
    """`{"profile": {...}}` of a user, as this viewer sees it."""
    document: Profile = PROFILE.validate_python(account, from_attributes=True)
    document.following = following
    return envelope("profile", PROFILE.dump_json(document))


def comments(rows: Iterable[CommentRow], *, following: set[int]) -> list[bytes]:
    """Comments (with their authors loaded), each author's `following` as the viewer's."""
    documents: list[bytes] = []
    for row in rows:
        document: Comment = COMMENT.validate_python(row, from_attributes=True)
        document.author.following = row.author_id in following
        documents.append(COMMENT.dump_json(document))
    return documents
