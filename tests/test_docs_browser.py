"""/docs in a real headless Chromium, against a real `inkwell serve` on a loopback port.

A user opens Swagger UI, sees which operations need a token, authorizes with the
password flow (which calls `POST /auth/token`), then runs `GET /users/me` with
"Try it out" and gets a 200 with their own account.

Needs Debian's `chromium` (`.ci/run` installs it); skipped when it is missing.
"""

import contextlib
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page, expect, sync_playwright

from tests.browser import CHROMIUM, CHROMIUM_ARGS, requires_chromium
from tests.servers import Server, sqlite_url

TIMEOUT_S = 15.0
USER = {
    "username": "grace_h",
    "email": "grace@example.com",
    "password": "cobol compiles everything",
    "full_name": "Grace Hopper",
}

pytestmark = requires_chromium


@pytest.fixture
def server(serve: Callable[..., Server], tmp_path: Path) -> str:
    """Migrate a fresh SQLite file and serve the app on a free loopback port."""
    return serve(sqlite_url(tmp_path / "docs.db"), ready="/openapi.json", timeout=TIMEOUT_S).url


def _operation(page: Page, tag: str, operation_id: str) -> Locator:
    """The operation block Swagger UI renders (its deep-link id: operations-TAG-ID)."""
    return page.locator(f'[id="operations-{tag}-{operation_id}"]')


def _button(scope: Locator, text: str) -> Locator:
    """A button by the text a user reads on it (Swagger UI's aria-labels differ)."""
    return scope.locator("button").filter(has_text=re.compile(rf"^\s*{re.escape(text)}\s*$"))


def _operations(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """The native API's operations: the Conduit dialect's (`/api`) take its own `Token`
    scheme, which the OAuth2 password flow does not authorize."""
    return [
        op
        for path, ops in spec["paths"].items()
        if not path.startswith("/api/")
        for op in ops.values()
    ]


def test_authorize_then_try_get_users_me(server: str, tmp_path: Path) -> None:
    registered = httpx.post(f"{server}/users/", json=USER, timeout=TIMEOUT_S)
    assert registered.status_code == 201, registered.text
    user_id = registered.json()["id"]
    spec = httpx.get(f"{server}/openapi.json", timeout=TIMEOUT_S).json()
    operations = _operations(spec)
    protected = [op for op in operations if op.get("security")]
    public = [op for op in operations if not op.get("security")]
    me = spec["paths"]["/users/me"]["get"]
    update = spec["paths"]["/users/{user_id}"]["patch"]
    assert protected
    assert public
    assert me in protected
    assert update in protected

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.set_default_timeout(TIMEOUT_S * 1000)
            expect.set_options(timeout=TIMEOUT_S * 1000)
            try:
                _use_docs_as_a_user(page, server, protected, public, me, update, user_id)
            except BaseException:
                # Left in the test's tmp dir, next to server.log, to see what went wrong.
                with contextlib.suppress(PlaywrightError):
                    page.screenshot(path=str(tmp_path / "docs-failure.png"), full_page=True)
                raise
        finally:
            browser.close()


def _use_docs_as_a_user(
    page: Page,
    server: str,
    protected: list[dict[str, Any]],
    public: list[dict[str, Any]],
    me: dict[str, Any],
    update: dict[str, Any],
    user_id: int,
) -> None:
    page.goto(f"{server}/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Inkwell")

    # Every protected operation shows an (open) padlock; public ones show none.
    for op in protected:
        block = _operation(page, op["tags"][0], op["operationId"])
        expect(block.locator(".authorization__btn")).to_have_attribute(
            "aria-label", "authorization button unlocked"
        )
    for op in public:
        block = _operation(page, op["tags"][0], op["operationId"])
        expect(block).to_be_visible()
        expect(block.locator(".authorization__btn")).to_have_count(0)

    # Authorize: the password flow posts the form to the token endpoint.
    page.locator(".auth-wrapper button.authorize").click()
    dialog = page.locator(".dialog-ux .modal-ux")
    expect(dialog).to_contain_text("OAuth2PasswordBearer")
    expect(dialog).to_contain_text("/auth/token")
    # The Conduit dialect's `Token` scheme has a form of its own in the same dialog.
    oauth2 = dialog.locator(".auth-container").filter(has_text="OAuth2PasswordBearer")
    oauth2.locator("#oauth_username").fill(USER["username"])
    oauth2.locator("#oauth_password").fill(USER["password"])
    with page.expect_response(lambda r: r.url == f"{server}/auth/token") as token:
        _button(oauth2, "Authorize").click()
    assert token.value.status == 200, token.value.text()
    expect(_button(oauth2, "Logout")).to_be_visible()
    _button(oauth2, "Close").click()
    expect(dialog).to_have_count(0)

    # Now every padlock is closed, e.g. on PATCH /users/{user_id}.
    patch_block = _operation(page, update["tags"][0], update["operationId"])
    expect(patch_block.locator(".authorization__btn")).to_have_attribute(
        "aria-label", "authorization button locked"
    )
    for op in protected:
        block = _operation(page, op["tags"][0], op["operationId"])
        expect(block.locator(".authorization__btn")).to_have_attribute(
            "aria-label", "authorization button locked"
        )

    # Try it out on GET /users/me: the request carries the token, the answer is us.
    block = _operation(page, me["tags"][0], me["operationId"])
    expect(block.locator(".opblock-summary")).to_contain_text("Get the caller")
    block.locator(".opblock-summary-control").click()
    block.get_by_role("button", name="Try it out").click()
    with page.expect_response(lambda r: r.url == f"{server}/users/me") as answer:
        block.get_by_role("button", name="Execute").click()
    assert answer.value.status == 200, answer.value.text()
    authorization = answer.value.request.headers.get("authorization", "")
    assert authorization.startswith("Bearer "), answer.value.request.headers

    live = block.locator(".live-responses-table tbody tr.response")
    expect(live).to_have_count(1)
    expect(live.locator(".response-col_status")).to_have_text("200")
    body = live.locator(".response-col_description")
    expect(body).to_contain_text(f'"username": "{USER["username"]}"')
    expect(body).to_contain_text(f'"id": {user_id}')
    expect(block.locator(".curl-command")).to_contain_text("Authorization: Bearer ")
