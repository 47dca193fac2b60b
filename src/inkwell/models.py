"""Import every domain's models so mappers resolve and Alembic sees all tables."""

from inkwell.auth.models import ThrottleHit
from inkwell.comments.models import Comment
from inkwell.core.db import Base
from inkwell.favorites.models import Favorite
from inkwell.follows.models import Follow
from inkwell.idempotency.models import IdempotencyKey
from inkwell.posts.models import Post, PostTally, post_tags
from inkwell.tags.models import Tag
from inkwell.transfers.models import Transfer, TransferKind
from inkwell.users.models import User

__all__ = [
    "Base",
    "Comment",
    "Favorite",
    "Follow",
    "IdempotencyKey",
    "Post",
    "PostTally",
    "Tag",
    "ThrottleHit",
    "Transfer",
    "TransferKind",
    "User",
    "post_tags",
]
