"""No N+1 in the Conduit dialect: every list runs the same number of statements for a
page of 1 and of 100, for an anonymous viewer, one who follows every author and
favorited every article, and one who follows no one."""

from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from inkwell.models import Comment, Favorite, Follow, Post, Tag, User
from tests.factories import ConduitUser, make_conduit_user
from tests.support import StatementCounter

AUTHORS = 120
TAG = "seeded"


# Statements are counted as production runs them: cache hits are not rebuilt.
pytestmark = pytest.mark.counts_statements


async def _seed(engine: AsyncEngine, fan_id: int) -> str:
    """AUTHORS authors with one published article each (tagged TAG), all followed and
    favorited by the fan, and a comment by each author on the first article; its slug."""
    sessionmaker = async_sessionmaker(engine, expire_on_commit=False)
    async with sessionmaker() as session, session.begin():
        tag = Tag(name=TAG)
        posts = []
        for n in range(AUTHORS):
            author = User(
                username=f"author{n}", email=f"author{n}@example.com", hashed_password="x"
            )
            posts.append(
                Post(
                    title=f"Seeded {n}",
                    slug=f"seeded-{n}",
                    description="Seeded.",
                    body="A seeded article.",
                    published=True,
                    author=author,
                    tags=[tag],
                    favorites_count=1,
                )
            )
        session.add_all(posts)
        await session.flush()
        for post in posts:
            session.add(Follow(follower_id=fan_id, followee_id=post.author_id))
            session.add(Favorite(user_id=fan_id, post_id=post.id))
            session.add(Comment(post_id=posts[0].id, author_id=post.author_id, body="Seeded."))
    return posts[0].slug


@pytest.fixture
async def viewers(client: AsyncClient, engine: AsyncEngine) -> dict[str, Any]:
    fan = await make_conduit_user(client, username="fan")
    stranger = await make_conduit_user(client, username="stranger")
    slug = await _seed(engine, fan_id=await _id_of(engine, "fan"))
    return {"anonymous": None, "fan": fan, "stranger": stranger, "slug": slug}


async def _id_of(engine: AsyncEngine, username: str) -> int:
    async with engine.connect() as conn:
        user_id: int = (
            await conn.execute(select(User.id).where(User.username == username))
        ).scalar_one()
        return user_id


async def _count(
    client: AsyncClient, counter: StatementCounter, url: str, viewer: ConduitUser | None
) -> tuple[int, Any]:
    headers = viewer.headers if viewer else {}
    counter.reset()
    response = await client.get(url, headers=headers)
    assert response.status_code == 200, response.text
    return counter.count, response.json()


@pytest.mark.settings(server_timing=True)
@pytest.mark.parametrize("who", ["anonymous", "fan", "stranger"])
@pytest.mark.parametrize(
    "url", ["/api/articles", f"/api/articles?tag={TAG}", "/api/articles?favorited=fan"]
)
async def test_article_lists_run_a_constant_number_of_statements(
    client: AsyncClient,
    sql_counter: StatementCounter,
    viewers: dict[str, Any],
    read_cache_entries: int,
    url: str,
    who: str,
) -> None:
    viewer = viewers[who]
    sep = "&" if "?" in url else "?"
    small, page = await _count(client, sql_counter, f"{url}{sep}limit=1", viewer)
    large, full = await _count(client, sql_counter, f"{url}{sep}limit=100", viewer)
    assert len(page["articles"]) == 1
    assert len(full["articles"]) == 100
    assert full["articlesCount"] == AUTHORS
    following = {a["author"]["following"] for a in full["articles"]}
    favorited = {a["favorited"] for a in full["articles"]}
    assert following == favorited == {who == "fan"}
    # The page's rows with the filter's total (and the viewer's following and
    # favorited), the shared documents (posts, authors, tags), and for a signed-in
    # viewer their account. Without the cache, the page's rows load its posts: one
    # statement fewer.
    cold = (4 if read_cache_entries else 3) + (1 if viewer else 0)
    assert small == large == cold, sql_counter.statements
    warm, _ = await _count(client, sql_counter, f"{url}{sep}limit=100", viewer)
    assert warm == (cold - 3 if read_cache_entries else cold), sql_counter.statements
    timing = (await client.get(url, headers=viewer.headers if viewer else {})).headers
    assert 'sql;desc="' in timing["server-timing"]


@pytest.mark.parametrize("who", ["fan", "stranger"])
async def test_the_feed_runs_a_constant_number_of_statements(
    client: AsyncClient,
    sql_counter: StatementCounter,
    viewers: dict[str, Any],
    read_cache_entries: int,
    who: str,
) -> None:
    viewer = viewers[who]
    small, page = await _count(client, sql_counter, "/api/articles/feed?limit=1", viewer)
    large, full = await _count(client, sql_counter, "/api/articles/feed?limit=100", viewer)
    if who == "fan":
        assert (len(page["articles"]), len(full["articles"])) == (1, 100)
        assert full["articlesCount"] == AUTHORS
        # The account, the rows with their total and the viewer's marks, posts, authors,
        # tags (the rows load the posts without the cache).
        assert small == large == (5 if read_cache_entries else 4), sql_counter.statements
    else:
        # Nothing to show: the account, the empty page and its total, all in the
        # snapshot the account's read began.
        assert full == {"articles": [], "articlesCount": 0}
        assert small == large == 3, sql_counter.statements


@pytest.mark.parametrize("who", ["anonymous", "fan", "stranger"])
async def test_comments_run_a_constant_number_of_statements(
    client: AsyncClient,
    sql_counter: StatementCounter,
    viewers: dict[str, Any],
    read_cache_entries: int,
    who: str,
) -> None:
    viewer = viewers[who]
    url = f"/api/articles/{viewers['slug']}/comments"
    small, page = await _count(client, sql_counter, f"{url}?limit=1", viewer)
    large, body = await _count(client, sql_counter, f"{url}?limit=100", viewer)
    assert len(page["comments"]) == 1
    assert len(body["comments"]) == 100 < AUTHORS
    assert {c["author"]["following"] for c in body["comments"]} == {who == "fan"}
    # The comments' rows (of the published article with this slug), the comments and
    # their authors (the rows load the comments without the cache); the viewer's account
    # and whom of the authors they follow.
    expected = (3 if read_cache_entries else 2) + (2 if viewer else 0)
    assert small == large == expected, sql_counter.statements


async def test_one_article_runs_a_constant_number_of_statements(
    client: AsyncClient, sql_counter: StatementCounter, viewers: dict[str, Any]
) -> None:
    url = f"/api/articles/{viewers['slug']}"
    for who in ("anonymous", "fan", "stranger"):  # each one's view cached (cache on)
        await client.get(url, headers=viewers[who].headers if viewers[who] else {})
    counts = []
    for who in ("anonymous", "fan", "stranger"):
        count, body = await _count(client, sql_counter, url, viewers[who])
        assert body["article"]["favorited"] is (who == "fan")
        counts.append(count)
    # The article's row (with whether the viewer follows its author and favorited it),
    # and its document when not cached; the viewer's account.
    assert counts[1] == counts[2] == counts[0] + 1, counts
