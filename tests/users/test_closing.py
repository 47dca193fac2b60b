"""users.closing: every domain that keeps an account's rows forgets them on a close."""

import inkwell.main  # noqa: F401 - every router, so every domain's service, as the app has
from inkwell.comments import service as comments_service
from inkwell.favorites import service as favorites_service
from inkwell.follows import service as follows_service
from inkwell.posts import service as posts_service
from inkwell.users import closing


def test_every_domain_with_an_accounts_rows_has_joined() -> None:
    # A close leaves the account's row, so no ON DELETE CASCADE does this work.
    joined = set(closing.joined())
    assert {
        posts_service.forget,
        comments_service.forget,
        favorites_service.forget,
        follows_service.forget,
    } <= joined
    assert len(closing.joined()) == len(joined)  # nobody joined twice
