"""The documents of users: public (anyone's view) or private (the holder's own)."""

from inkwell.core.documents import DocumentKind, View
from inkwell.core.schemas import render
from inkwell.users.models import User
from inkwell.users.schemas import USER, USER_PRIVATE

# One version for both views; the private one adds the e-mail and the balance.
DOCUMENT: DocumentKind[User] = DocumentKind(
    name="user",
    entity=User,
    versions=(User.version,),
    versions_of=lambda user: (user.version,),
    views={
        "public": lambda user, _view: render(USER, user),
        "private": lambda user, _view: render(USER_PRIVATE, user),
    },
)
PUBLIC: View = ("public",)
PRIVATE: View = ("private",)


def etag_of(user: User) -> str:
    """The ETag of the holder's own document of a loaded user (what their writes answer)."""
    return DOCUMENT.etag_of(user, PRIVATE)
