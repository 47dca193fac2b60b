"""A public RealWorld front end (tests/frontend/README.md), built and used in Chromium as a
person would, against a real `inkwell serve` speaking the Conduit dialect under /api.

Same-origin (the built files and /api behind one small reverse proxy) on SQLite and
PostgreSQL, and cross-origin (the front end on another port, CORS_ORIGINS naming it) on
SQLite. Two people: the author signs up, writes an article with tags, retitles it (its slug
follows), sees it listed and opens it, favorites it, comments on it and logs out; the reader
signs up, finds an empty feed, follows the author from the article, sees it in their feed
and favorites it there, finds it under a popular tag, edits their profile, finds it among
their favorites, logs out and back in, and reloads the page still signed in.

Every request that would leave the test's own servers (the app's CSS and fonts come from
CDNs) fails at name resolution, so nothing depends on the network. The run fails on any
uncaught error in the page, any API answer of 4xx/5xx and any API request that failed (as a
CORS refusal does: every write, sending `Authorization` and JSON, needs a preflight that
Inkwell must grant). `make frontend` installs the front end's packages; Debian's chromium is
needed (skipped without it). Select these tests with `-m frontend`.
"""

import contextlib
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page, Request, Response, expect, sync_playwright
from sqlalchemy.ext.asyncio import create_async_engine

from tests.browser import CHROMIUM, CHROMIUM_ARGS, requires_chromium
from tests.conftest import empty_postgres_tables, run_in_thread
from tests.frontend import harness
from tests.servers import Server, app_env, free_port, migrate, running_server

TIMEOUT_S = 15.0
# Every host but 127.0.0.1 is unknown: CDN stylesheets fail at once.
OFFLINE = "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"
AUTHOR = {"username": "ada_l", "email": "ada@example.com", "password": "analytical engine"}
READER = {"username": "bob_b", "email": "bob@example.com", "password": "difference engine"}
ARTICLE = {
    "draft_title": "Sketch of the Analytical Engine",
    "title": "Notes on the Analytical Engine",
    "slug": "notes-on-the-analytical-engine",  # Inkwell's, made anew from the new title
    "description": "What the engine could do",
    "body": "The engine weaves **algebraic patterns** as the loom weaves flowers.",
    "comment": "Beautifully put, Ada.",
}
TAGS = ["mathematics", "engines"]
PROFILE = {"bio": "I build difference engines.", "image": "https://example.com/bob.png"}

Inkwell = Callable[..., contextlib.AbstractContextManager[Server]]

pytestmark = [requires_chromium, pytest.mark.frontend, pytest.mark.xdist_group("frontend")]


def _empty_if_postgres(url: str) -> None:
    async def empty() -> None:
        engine = create_async_engine(url)
        try:
            await empty_postgres_tables(engine)
        finally:
            await engine.dispose()

    if url.startswith("postgresql"):
        run_in_thread(empty)


@pytest.fixture
def inkwell(db_url: str, tmp_path: Path) -> Inkwell:
    """`with inkwell(**settings) as server:` a real `inkwell serve` on a migrated, empty
    database of each kind."""
    _empty_if_postgres(db_url)

    def start(**settings: str) -> contextlib.AbstractContextManager[Server]:
        env = app_env(db_url, **settings)
        migrate(env)
        return running_server(env, tmp_path / "server.log", ready="/health/ready")

    return start


@pytest.mark.parametrize("db_url", ["sqlite", "postgres"], indirect=True)
def test_same_origin(inkwell: Inkwell, tmp_path: Path) -> None:
    dist = harness.build(api_host="")
    with inkwell() as server, harness.serving(dist, upstream=server.url) as site:
        _drive(site, tmp_path, server)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_cross_origin(inkwell: Inkwell, tmp_path: Path) -> None:
    # The front end's own port must be known before Inkwell starts (CORS_ORIGINS), and
    # Inkwell's before the build (the API address is compiled in): this build is the
    # test's own, in its tmp dir.
    with contextlib.ExitStack() as stack:
        port = free_port()
        origin = f"http://127.0.0.1:{port}"
        server = stack.enter_context(inkwell(CORS_ORIGINS=origin))
        dist = harness.build(api_host=server.url, cache=tmp_path / "build")
        site = stack.enter_context(harness.serving(dist, port=port))
        assert site == origin
        _drive(site, tmp_path, server)


class Watch:
    """What went wrong in the page: uncaught errors, failed or refused API requests."""

    def __init__(self, page: Page) -> None:
        self.problems: list[str] = []
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.on("response", self._response)
        page.on("requestfailed", self._failed)

    @staticmethod
    def _is_api(url: str) -> bool:
        return urlsplit(url).path.startswith(harness.API_PREFIX)

    def _response(self, response: Response) -> None:
        if self._is_api(response.url) and response.status >= 400:
            request = response.request
            self.problems.append(
                f"{request.method} {response.url}: {response.status} {response.text()}"
            )

    def _failed(self, request: Request) -> None:
        # ERR_ABORTED: the page itself dropped the request (a reload while a list loads).
        # Refusals (CORS) and network errors are ERR_FAILED and the like.
        if self._is_api(request.url) and request.failure != "net::ERR_ABORTED":
            self.problems.append(f"{request.method} {request.url} failed: {request.failure}")


def _drive(site: str, tmp_path: Path, server: Server) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=[*CHROMIUM_ARGS, OFFLINE]
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.set_default_timeout(TIMEOUT_S * 1000)
            expect.set_options(timeout=TIMEOUT_S * 1000)
            watch = Watch(page)
            steps = Steps()
            try:
                _scenario(page, site, steps)
                assert not watch.problems, "\n".join(watch.problems)
            except BaseException as exc:
                # Left in the test's tmp dir, next to server.log, to see what went wrong.
                with contextlib.suppress(PlaywrightError):
                    page.screenshot(path=str(tmp_path / "frontend-failure.png"), full_page=True)
                problems = "\n".join(watch.problems) or "none"
                exc.add_note(f"{steps}\nproblems seen in the page: {problems}")
                exc.add_note(f"server log: {server.log}")
                raise
        finally:
            browser.close()


class Steps:
    """The scenario's steps as they pass, named in a failure's message."""

    def __init__(self) -> None:
        self.passed: list[str] = []
        self.current = ""

    @contextlib.contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        self.current = name
        yield
        self.passed.append(name)
        self.current = ""

    def __str__(self) -> str:
        done = ", ".join(self.passed) or "none"
        return f"steps passed: {done}; failed at: {self.current or '(after the steps)'}"


@contextlib.contextmanager
def _answered(page: Page, method: str, path: str) -> Iterator[None]:
    """The block's clicks must send `method path` (a regular expression) and get a 2xx."""
    pattern = re.compile(rf"{re.escape(harness.API_PREFIX)}{path}")

    def matches(response: Response) -> bool:
        return response.request.method == method and bool(
            pattern.fullmatch(urlsplit(response.url).path)
        )

    with page.expect_response(matches) as answer:
        yield
    response = answer.value
    assert response.ok, f"{method} {response.url}: {response.status} {response.text()}"


def _scenario(page: Page, site: str, step: Steps) -> None:
    with step("home page loads"):
        with _answered(page, "GET", "/articles"):
            page.goto(f"{site}/")
        expect(page.locator(".home-page .banner")).to_contain_text("conduit")
        expect(page.get_by_text("No articles are here... yet.")).to_be_visible()
    _author(page, step)
    _reader(page, step)


def _author(page: Page, step: Steps) -> None:
    nav = page.locator("nav.navbar")
    with step("author signs up"):
        _sign_up(page, AUTHOR)

    with step("author writes an article with tags"):
        nav.get_by_role("link", name="New Post").click()
        page.get_by_label("Title").fill(ARTICLE["draft_title"])
        page.get_by_label("Description").fill(ARTICLE["description"])
        page.get_by_label("Body").fill(ARTICLE["body"])
        for tag in TAGS:
            page.get_by_label("Tags").fill(tag)
            page.get_by_label("Tags").press("Enter")
        with _answered(page, "POST", "/articles"):
            page.get_by_role("button", name="Publish Article").click()
        _expect_article_page(page, ARTICLE["draft_title"])

    with step("author retitles the article, which gets a new slug"):
        page.get_by_role("link", name="Edit article").first.click()
        expect(page.get_by_label("Title")).to_have_value(ARTICLE["draft_title"])
        page.get_by_label("Title").fill(ARTICLE["title"])
        with _answered(page, "PUT", "/articles/[^/]+"):
            page.get_by_role("button", name="Publish Article").click()
        expect(page).to_have_url(re.compile(rf"#/article/{ARTICLE['slug']}"))
        _expect_article_page(page, ARTICLE["title"])

    with step("article listed on the home page and opened"):
        with _answered(page, "GET", "/articles"):
            nav.get_by_role("link", name="Home").click()
        preview = _preview(page)
        expect(preview).to_contain_text(ARTICLE["description"])
        expect(preview.locator(".author")).to_have_text(AUTHOR["username"])
        expect(preview.locator(".tag-list li")).to_have_text(sorted(TAGS))
        for tag in TAGS:
            expect(page.locator(".sidebar .tag-list").get_by_role("link", name=tag)).to_be_visible()
        preview.get_by_role("heading", name=ARTICLE["title"]).click()
        _expect_article_page(page, ARTICLE["title"])

    with step("author favorites the article"):
        with _answered(page, "POST", "/articles/[^/]+/favorite"):
            page.get_by_role("button", name="Favorite article").first.click()
        unfavorite = page.get_by_role("button", name="Unfavorite article")
        expect(unfavorite).to_have_count(2)  # the banner's and the one below the body
        expect(unfavorite.first.locator(".counter")).to_have_text("(1)")

    with step("author comments"):
        page.get_by_label("Write comment").fill(ARTICLE["comment"])
        with _answered(page, "POST", "/articles/[^/]+/comments"):
            page.get_by_role("button", name="Submit").click()
        comment = page.locator(".card").filter(has_text=ARTICLE["comment"])
        expect(comment.locator(".comment-author").last).to_have_text(AUTHOR["username"])
        # An icon of the CDN's font: there but empty (invisible) without it.
        expect(comment.get_by_role("button", name="Delete comment")).to_have_count(1)

    with step("author logs out"):
        _log_out(page)


def _reader(page: Page, step: Steps) -> None:
    nav = page.locator("nav.navbar")
    with step("reader signs up and finds an empty feed"):
        _sign_up(page, READER)
        with _answered(page, "GET", "/articles/feed"):
            _tab(page, "Your Feed").click()
        expect(page.get_by_text("No articles are here... yet.")).to_be_visible()

    with step("reader follows the author from the article"):
        with _answered(page, "GET", "/articles"):
            _tab(page, "Global Feed").click()
        page.get_by_role("heading", name=ARTICLE["title"]).click()
        _expect_article_page(page, ARTICLE["title"])
        expect(page.locator(".card").filter(has_text=ARTICLE["comment"])).to_be_visible()
        with _answered(page, "POST", f"/profiles/{AUTHOR['username']}/follow"):
            page.get_by_role("button", name="Follow", exact=True).first.click()
        expect(page.get_by_role("button", name="Unfollow", exact=True)).to_have_count(2)

    with step("article in the reader's feed, favorited there"):
        with _answered(page, "GET", "/articles/feed"):
            nav.get_by_role("link", name="Home").click()
            _tab(page, "Your Feed").click()
        favorite = _preview(page).get_by_role("button", name="Favorite article")
        expect(favorite).to_have_text("1")
        with _answered(page, "POST", "/articles/[^/]+/favorite"):
            favorite.click()
        expect(_preview(page).get_by_role("button", name="Unfavorite article")).to_have_text("2")

    with step("reader picks a popular tag"):
        with _answered(page, "GET", "/articles"):
            page.locator(".sidebar .tag-list").get_by_role("link", name=TAGS[0]).click()
        expect(_tab(page, TAGS[0])).to_have_class(re.compile(r"\bactive\b"))
        # This app asks for lists other than the feed without its token (it sends the token
        # only where the spec requires it), so the heart shows the count, not the reader's.
        expect(_preview(page).locator(".article-meta button")).to_have_text("2")

    with step("reader edits the profile"):
        nav.get_by_role("link", name="Settings").click()
        page.get_by_label("Bio").fill(PROFILE["bio"])
        page.get_by_label("Avatar picture url").fill(PROFILE["image"])
        with _answered(page, "PUT", "/user"):
            page.get_by_role("button", name="Update Settings").click()
        _expect_profile(page, READER["username"])

    with step("reader's favorited articles on their profile"):
        with _answered(page, "GET", "/articles"):
            _tab(page, "Favorited Articles").click()
        expect(_preview(page).locator(".author")).to_have_text(AUTHOR["username"])

    with step("reader logs out and back in"):
        _log_out(page)
        nav.get_by_role("link", name="Sign in").click()
        form = page.get_by_role("form", name="Login form")
        form.get_by_label("Email").fill(READER["email"])
        form.get_by_label("Password").fill(READER["password"])
        with _answered(page, "POST", "/users/login"):
            form.get_by_role("button", name="Sign in").click()
        expect(nav.get_by_role("link", name=READER["username"])).to_be_visible()
        with _answered(page, "GET", "/articles/feed"):
            _tab(page, "Your Feed").click()
        expect(_preview(page).get_by_role("button", name="Unfavorite article")).to_have_text("2")
        with _answered(page, "GET", f"/profiles/{READER['username']}"):
            nav.get_by_role("link", name=READER["username"]).click()
        _expect_profile(page, READER["username"])

    with step("a reload keeps the reader signed in"):
        with _answered(page, "GET", f"/profiles/{READER['username']}"):
            page.reload()
        _expect_profile(page, READER["username"])
        expect(nav.get_by_role("link", name="Settings")).to_be_visible()


def _preview(page: Page) -> Locator:
    """The article's preview in a list, which must show it exactly once."""
    preview = page.locator(".article-preview").filter(has_text=ARTICLE["title"])
    expect(preview).to_have_count(1)
    return preview


def _tab(page: Page, text: str) -> Locator:
    """A tab above a list of articles, by its text (its aria-label is the route's name)."""
    return page.locator(".articles-toggle a").filter(has_text=text)


def _sign_up(page: Page, user: dict[str, str]) -> None:
    nav = page.locator("nav.navbar")
    nav.get_by_role("link", name="Sign up").click()
    form = page.get_by_role("form", name="Registration form")
    form.get_by_label("Username").fill(user["username"])
    form.get_by_label("Email").fill(user["email"])
    form.get_by_label("Password").fill(user["password"])
    with _answered(page, "POST", "/users"):
        form.get_by_role("button", name="Sign up").click()
    expect(nav.get_by_role("link", name=user["username"])).to_be_visible()
    expect(nav.get_by_role("link", name="Sign up")).to_have_count(0)


def _log_out(page: Page) -> None:
    nav = page.locator("nav.navbar")
    nav.get_by_role("link", name="Settings").click()
    page.get_by_role("button", name="Logout").click()
    expect(nav.get_by_role("link", name="Sign in")).to_be_visible()
    expect(nav.get_by_role("link", name="Settings")).to_have_count(0)


def _expect_article_page(page: Page, title: str) -> None:
    expect(page).to_have_url(re.compile(r"#/article/[^/]+$"))
    expect(page.locator(".banner h1")).to_have_text(title)
    expect(page.locator("#article-content strong")).to_have_text("algebraic patterns")
    expect(page.locator(".article-content .tag-list li")).to_have_text(sorted(TAGS))
    expect(page.locator(".banner .author")).to_have_text(AUTHOR["username"])


def _expect_profile(page: Page, username: str) -> None:
    expect(page).to_have_url(re.compile(rf"#/profile/{re.escape(username)}$"))
    info = page.locator(".user-info")
    expect(info.locator("h4")).to_have_text(username)
    expect(info.locator("p")).to_have_text(PROFILE["bio"])
    expect(info.locator("img.user-img")).to_have_attribute("src", PROFILE["image"])
