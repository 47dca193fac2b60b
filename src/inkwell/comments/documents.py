"""The document of a comment: its body and, embedded, its author."""

from sqlalchemy.orm import selectinload

import inkwell.models  # noqa: F401 - every mapper, for the loader options built at import
from inkwell.comments.models import Comment
from inkwell.comments.schemas import COMMENT
from inkwell.core.documents import DocumentKind, View
from inkwell.core.schemas import render
from inkwell.users.documents import AS_AUTHOR
from inkwell.users.models import User

# A comment is never edited: its document changes with what anyone sees of its author
# alone (their public version, which a transfer does not move). The
# author is loaded with only the columns a comment's documents show (in either dialect).
DOCUMENT: DocumentKind[Comment] = DocumentKind(
    name="comment",
    entity=Comment,
    versions=(User.public_version.label("author_version"),),
    versions_of=lambda comment: (comment.author.public_version,),
    joins=(Comment.author,),
    options=(selectinload(Comment.author).load_only(*AS_AUTHOR),),
    views={"comment": lambda comment, _view: render(COMMENT, comment)},
)
VIEW: View = ("comment",)
