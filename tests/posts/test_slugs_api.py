"""Slugs and descriptions of posts through the native API."""

from httpx import AsyncClient

from tests.factories import assert_problem, make_account, make_post


async def test_slug_and_description_in_the_document(client: AsyncClient) -> None:
    author = await make_account(client)
    first = await make_post(
        client, author, title="Hello, World", description="About it", published=True
    )
    second = await make_post(client, author, title="Hello World", published=True)
    assert (first["slug"], first["description"]) == ("hello-world", "About it")
    assert second["slug"].startswith("hello-world-")
    assert second["description"] == ""
    response = await client.patch(
        f"/posts/{second['id']}",
        json={"title": "Another title", "description": "New"},
        headers=author.headers,
    )
    assert (response.json()["slug"], response.json()["description"]) == ("another-title", "New")
    shown = await client.get(f"/posts/{second['id']}", headers=author.headers)
    assert shown.json()["slug"] == "another-title"


async def test_bad_descriptions_are_422(client: AsyncClient) -> None:
    author = await make_account(client)
    post = await make_post(client, author)
    for description in (None, 1, "x" * 2001, "\u0000"):
        response = await client.patch(
            f"/posts/{post['id']}", json={"description": description}, headers=author.headers
        )
        assert_problem(response, 422)


async def test_a_draft_holds_no_slug_that_anyone_else_could_ask_for(client: AsyncClient) -> None:
    """Only published posts hold their title's base slug: whatever title a stranger
    tries, the slug they get (by writing or renaming a post) says nothing of drafts."""
    author = await make_account(client)
    stranger = await make_account(client)
    draft = await make_post(client, author, title="Secret Merger Plans")
    assert draft["slug"].startswith("secret-merger-plans-")
    guess = await make_post(client, stranger, title="Secret merger plans!", published=True)
    assert guess["slug"] == "secret-merger-plans"
    other = await make_post(client, author, title="Quiet Launch")
    mine = await make_post(client, stranger, title="Something else", published=True)
    renamed = await client.patch(
        f"/posts/{mine['id']}", json={"title": "Quiet launch"}, headers=stranger.headers
    )
    assert renamed.json()["slug"] == "quiet-launch"
    # Published, a post takes its base slug if it is free, else a suffix, as any post.
    published = {"published": True}
    response = await client.patch(f"/posts/{other['id']}", json=published, headers=author.headers)
    assert response.json()["slug"].startswith("quiet-launch-")
    third = await make_post(client, author, title="Open Secret")
    response = await client.patch(f"/posts/{third['id']}", json=published, headers=author.headers)
    assert response.json()["slug"] == "open-secret"
    # A draft again, it gives its base slug up: a stranger's post of its title takes it.
    drafted = {"published": False}
    response = await client.patch(f"/posts/{third['id']}", json=drafted, headers=author.headers)
    assert response.json()["slug"].startswith("open-secret-")
    assert (await make_post(client, stranger, title="Open secret", published=True))["slug"] == (
        "open-secret"
    )
    shown = await client.get(f"/posts/{draft['id']}", headers=author.headers)
    assert shown.json()["slug"] == draft["slug"]
