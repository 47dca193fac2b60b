"""Import every domain's models so mappers resolve and Alembic sees all tables."""

from inkwell.core.db import Base
from inkwell.posts.models import Post, post_tags
from inkwell.tags.models import Tag
from inkwell.users.models import User

__all__ = ["Base", "Post", "Tag", "User", "post_tags"]
