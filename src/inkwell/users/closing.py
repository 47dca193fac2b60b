"""What closing an account takes with it: the rows each domain forgets, joined here.

Closing keeps the account's row (closed, `closed_at` set) so that its balance and
ledger stay, and its username and e-mail become free. So the foreign keys' ON DELETE
CASCADE (posts, comments, favorites, follows -> users) never fires on a close: it
serves a row actually deleted, and the cascades *below* a deleted row (a post's
comments, favorites and tag links go with the post).

The rule lives in Python, one registry that each domain joins from its own service
module, rather than in the database (a trigger on `closed_at`): a trigger would be
written twice, in PL/pgSQL and in SQLite's dialect, out of the ORM's sight, and
forgetting a favorite is more than a delete (the post's count and version move,
the favorites domain's rule). `users.service.close` calls every forget, in the close's
transaction, without knowing who joined; a new domain that keeps an account's rows
joins with `@forgets_closed_accounts`, and users/ does not change.

Each forget must stand alone: the order in which they run is not part of the rule. A
domain joins when its service module is imported; the app imports every domain's
(through its routers), and tests/users/test_closing.py checks who has joined.
"""

from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

Forget = Callable[[AsyncSession, int], Awaitable[None]]
"""Remove what a domain keeps of the account with this id (`session`, `user_id`)."""

_FORGETS: list[Forget] = []


def forgets_closed_accounts(forget: Forget) -> Forget:
    """Join the registry: `forget` runs whenever an account is closed."""
    _FORGETS.append(forget)
    return forget


def joined() -> tuple[Forget, ...]:
    """The forgets registered so far."""
    return tuple(_FORGETS)


async def forget(session: AsyncSession, user_id: int) -> None:
    """What every domain keeps of this account goes, in the caller's transaction."""
    for each in _FORGETS:
        await each(session, user_id)
