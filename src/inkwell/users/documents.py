"""The documents of users: public (anyone's view) or private (the holder's own)."""

from inkwell.core.documents import DocumentKind, View
from inkwell.core.schemas import render
from inkwell.users.models import User
from inkwell.users.schemas import USER, USER_PRIVATE

# What anyone sees, keyed by the public version alone: a transfer, a new e-mail address
# or password moves the row's version on, not this document's ETag (nor its authored
# posts' and comments', which are keyed by the same version).
DOCUMENT: DocumentKind[User] = DocumentKind(
    name="user",
    entity=User,
    versions=(User.public_version,),
    versions_of=lambda user: (user.public_version,),
    views={"public": lambda user, _view: render(USER, user)},
)
# The holder's own, which adds the e-mail and the balance: keyed by the row's version,
# which every change moves on, and read only from the account the token loaded.
OWN: DocumentKind[User] = DocumentKind(
    name="account",
    entity=User,
    versions=(User.version,),
    versions_of=lambda user: (user.version,),
    views={"private": lambda user, _view: render(USER_PRIVATE, user)},
)
PUBLIC: View = ("public",)
PRIVATE: View = ("private",)
# What a document of another kind loads of an account it embeds (a post's or comment's
# author): what anyone sees of it and the versions (`version` is the ORM's version
# column, which a loaded User must carry).
AS_AUTHOR = (
    User.id,
    User.username,
    User.full_name,
    User.bio,
    User.image,
    User.version,
    User.public_version,
)


def etag_of(user: User) -> str:
    """The ETag of the holder's own document of a loaded user (what their writes answer)."""
    return OWN.etag_of(user, PRIVATE)
