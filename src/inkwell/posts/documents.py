"""The document of a post: the post, its tags and, embedded, its author."""

from sqlalchemy.orm import selectinload

import inkwell.models  # noqa: F401 - every mapper, for the loader options built at import
from inkwell.core.documents import DocumentKind, View
from inkwell.core.schemas import render
from inkwell.posts.models import Post
from inkwell.posts.schemas import POST
from inkwell.users.documents import AS_AUTHOR
from inkwell.users.models import User

# Its versions are the post's and its author's public one (a transfer to or from the
# author changes nothing here). The author is loaded with only the columns a post's
# documents show (in either dialect) and its versions: not the e-mail, hash or balance.
# Three statements load any number of posts.
DOCUMENT: DocumentKind[Post] = DocumentKind(
    name="post",
    entity=Post,
    versions=(Post.version, User.public_version.label("author_version")),
    versions_of=lambda post: (post.version, post.author.public_version),
    joins=(Post.author,),
    options=(
        selectinload(Post.author).load_only(*AS_AUTHOR),
        selectinload(Post.tags),
    ),
    views={"post": lambda post, _view: render(POST, post)},
)
VIEW: View = ("post",)


def etag_of(post: Post) -> str:
    """The ETag of a loaded post's document (its author loaded too)."""
    return DOCUMENT.etag_of(post, VIEW)
