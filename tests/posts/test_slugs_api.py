"""Slugs and descriptions of posts through the native API."""

from httpx import AsyncClient

from tests.factories import assert_problem, make_account, make_post


async def test_slug_and_description_in_the_document(client: AsyncClient) -> None:
    author = await make_account(client)
    first = await make_post(client, author, title="Hello, World", description="About it")
    second = await make_post(client, author, title="Hello World")
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
