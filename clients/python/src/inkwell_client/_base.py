"""The base of every generated model: a pydantic model that remembers its ETag."""

from pydantic import BaseModel, PrivateAttr


class Model(BaseModel):
    """A document of the API. Those read from a single resource (a post, a user) keep
    the strong `ETag` they were served with, which `update(..., if_match=True)` and
    `delete(..., if_match=True)` send back so that nobody's change is overwritten unseen."""

    _etag: str | None = PrivateAttr(default=None)

    @property
    def etag(self) -> str | None:
        """The `ETag` this document was read with, or None (documents of a list have none)."""
        return self._etag
