"""A user's `bio` and `image`: set and cleared by the holder, shown to everyone."""

import pytest
from httpx import AsyncClient

from tests.factories import assert_problem, make_account


async def test_bio_and_image_are_set_shown_and_cleared(client: AsyncClient) -> None:
    ada = await make_account(client)
    assert (ada.user["bio"], ada.user["image"]) == (None, None)
    change = {"bio": "Poet of science.", "image": "https://example.com/a/ada.png?size=2"}
    response = await client.patch(f"/users/{ada.id}", json=change, headers=ada.headers)
    assert response.status_code == 200, response.text
    shown = (await client.get(f"/users/{ada.id}")).json()
    assert (shown["bio"], shown["image"]) == (change["bio"], change["image"])
    listed = (await client.get("/users/")).json()
    assert listed[0]["bio"] == change["bio"]
    for cleared in ({"bio": "", "image": ""}, {"bio": None, "image": None}):
        response = await client.patch(f"/users/{ada.id}", json=cleared, headers=ada.headers)
        assert (response.json()["bio"], response.json()["image"]) == (None, None)


@pytest.mark.parametrize(
    "change",
    [
        {"image": "ftp://example.com/a.png"},
        {"image": "example.com/a.png"},
        {"image": "https://"},
        {"image": "https://example.com/a b.png"},
        {"image": "javascript:alert(1)"},
        {"image": "https://example.com/" + "a" * 500},
        {"image": 1},
        {"bio": "x" * 5001},
        {"bio": "nul\u0000"},
        {"bio": 1},
    ],
)
async def test_bad_bio_or_image_is_422_and_changes_nothing(
    client: AsyncClient, change: dict[str, object]
) -> None:
    ada = await make_account(client)
    response = await client.patch(f"/users/{ada.id}", json=change, headers=ada.headers)
    assert_problem(response, 422)
    me = (await client.get("/users/me", headers=ada.headers)).json()
    assert (me["bio"], me["image"]) == (None, None)
