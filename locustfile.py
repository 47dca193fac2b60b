"""Realistic load on Inkwell: people who sign up, read a lot, write a little and send credits.

Each simulated user registers a fresh account and logs in when it starts, then, with a
think time between tasks, runs a weighted mix of about 80 % reads (pages of posts by
offset and by cursor, tags, a tag's posts, single posts, their own account), 15 % writes
(new posts with tags, edits of their own posts) and 5 % transfers of credits to other
users (each with an `Idempotency-Key`; some are retried with the same key to check that
the replay is the identical response). A quarter of the simulated users speak the Conduit
(RealWorld) dialect under /api instead, as a front end does: articles and their feed,
articles with their comments, favorites, follows, comments and new articles.

Every response is checked (`catch_response=True`): a status the API does not promise
for that request, any 5xx, an error that is not `application/problem+json`, or a body
that breaks the contract is a failure with a message saying what was wrong. A 409 for
lack of credits is an expected outcome of a transfer, not a failure.

    locust -f locustfile.py --headless -u 50 -r 10 -t 60s --host http://127.0.0.1:8000

`make load` runs it against a freshly seeded PostgreSQL-backed server and checks the
results (bench/loadtest.py); tests/test_locustfile.py runs a short version in `make test`.
"""

from __future__ import annotations

import itertools
import random
import re
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote, urlencode

from locust import FastHttpUser, events, task
from locust.argument_parser import LocustArgumentParser
from locust.contrib.fasthttp import ResponseContextManager
from locust.exception import StopUser

PASSWORD = "load-test-password"  # noqa: S105 - the simulated users' own, throwaway password
PAGE = 20
MAX_CURSOR_PAGES = 4
OFFSET_PAGES = 25  # browse by offset among the first 25 pages
REPLAY_SHARE = 0.3  # of transfers that succeed, retried with the same key
OVERDRAFT_SHARE = 0.1  # of transfers that ask for more than the starting balance
TAGS = (
    "python",
    "fastapi",
    "postgres",
    "sqlite",
    "async io",
    "c++",
    "c#",
    "load-test",
    "web.dev",
    "data_eng",
    "rust",
    "go",
)
WORDS = (
    *("ink", "quill", "parchment", "margin", "chapter", "draft", "essay", "letter", "verse"),
    *("note", "sketch", "story", "river", "lantern", "harbor", "signal", "meadow", "orbit"),
    *("granite", "willow", "falcon", "summit", "cobalt"),
)
PROBLEM_JSON = "application/problem+json"
NEXT_LINK = re.compile(r'<([^>]+)>\s*;\s*rel="next"')

# Random choices that shape the traffic; nothing here is a secret.
rng = random.Random()  # noqa: S311
# Ids of the users this locust process simulates: candidate recipients of transfers.
simulated_user_ids: list[int] = []

Validator = Callable[[Any], str | None]


@events.init_command_line_parser.add_listener  # type: ignore[untyped-decorator]
def _add_options(parser: LocustArgumentParser) -> None:
    parser.add_argument(
        "--think-time",
        default="0.5-1.5",
        env_var="LOCUST_THINK_TIME",
        help="Seconds a simulated user waits between tasks, as MIN-MAX (default 0.5-1.5)",
    )


def _think_time(spec: str) -> tuple[float, float]:
    low, _, high = spec.partition("-")
    least, most = float(low), float(high or low)
    if not 0 <= least <= most:
        raise ValueError(f"--think-time must be MIN-MAX with 0 <= MIN <= MAX, not {spec!r}")
    return least, most


# --- what a good response looks like -------------------------------------------------


def settle(
    response: ResponseContextManager,
    expected: int,
    *,
    tolerated: Mapping[int, str] | None = None,
    validate: Validator | None = None,
) -> Any:
    """Mark the response a success or a failure; return its JSON body when it has the
    expected status and passes `validate`, else None.

    `tolerated` maps other statuses that are legitimate outcomes to the problem type
    (slug) they must carry, e.g. {409: "insufficient-credits"}: those count as successes.
    """
    status = response.status_code
    if status == 0:
        _fail(response, f"no response: {getattr(response, 'error', None)!r}")
        return None
    content_type = header(response, "Content-Type").split(";")[0].strip()
    if status == expected:
        return _expected_body(response, validate)
    if content_type != PROBLEM_JSON:
        _fail(
            response,
            f"unexpected {status}, and not {PROBLEM_JSON} (Content-Type {content_type!r}): "
            f"{_cut(response)}{_request_id(response)}",
        )
        return None
    try:
        problem_doc = response.json()
    except ValueError:
        _fail(response, f"unexpected {status} with a malformed problem document: {_cut(response)}")
        return None
    slug = str(problem_doc.get("type", "")).rsplit("/", 1)[-1]
    if tolerated and tolerated.get(status) == slug and problem_doc.get("status") == status:
        _succeed(response)
        return None
    _fail(
        response,
        f"unexpected {status} {problem_doc.get('title')!r} ({slug}): "
        f"{problem_doc.get('detail')}{_request_id(response)}",
    )
    return None


def _expected_body(response: ResponseContextManager, validate: Validator | None) -> Any:
    """The JSON body of an answer with the expected status, if it passes `validate`
    (the response marked a success), else None (marked a failure, saying why)."""
    status = response.status_code
    content_type = header(response, "Content-Type").split(";")[0].strip()
    if content_type != "application/json":
        _fail(response, f"{status} with Content-Type {content_type!r}, not JSON")
        return None
    try:
        body = response.json()
    except ValueError as exc:
        _fail(response, f"{status} with a body that is not JSON ({exc}): {_cut(response)}")
        return None
    problem = validate(body) if validate else None
    if problem:
        _fail(response, f"{status} but {problem}")
        return None
    _succeed(response)
    return body


def header(response: ResponseContextManager, name: str) -> str:
    """A response header, "" when absent (or when there was no response at all)."""
    value = response.headers.get(name) if response.headers is not None else None
    return value if isinstance(value, str) else ""


def _succeed(response: ResponseContextManager) -> None:
    response.success()  # type: ignore[no-untyped-call]


def _fail(response: ResponseContextManager, message: str) -> None:
    response.failure(message)  # type: ignore[no-untyped-call]


def _cut(response: ResponseContextManager, limit: int = 300) -> str:
    text = response.text or ""
    return text if len(text) <= limit else text[:limit] + "..."


def _request_id(response: ResponseContextManager) -> str:
    """The server's request id for a 5xx, to find its log line (other failures group)."""
    if response.status_code < 500:
        return ""
    return f" [X-Request-ID {header(response, 'X-Request-ID')}]"


def _newest_first_key(post: Mapping[str, Any]) -> tuple[datetime, int]:
    return datetime.fromisoformat(post["created_at"]), int(post["id"])


def check_post(post: Any) -> str | None:
    if not isinstance(post, dict):
        return f"a post that is not an object: {post!r}"
    missing = {"id", "title", "body", "published", "created_at", "author", "tags"} - post.keys()
    if missing:
        return f"a post without {sorted(missing)}"
    return None


def check_page(limit: int) -> Validator:
    """A list of at most `limit` posts, newest first."""

    def check(posts: Any) -> str | None:
        if not isinstance(posts, list):
            return f"a page that is not a list: {type(posts).__name__}"
        if len(posts) > limit:
            return f"{len(posts)} posts on a page of {limit}"
        for post in posts:
            if problem := check_post(post):
                return problem
        keys = [_newest_first_key(p) for p in posts]
        if any(a <= b for a, b in itertools.pairwise(keys)):
            return "a page not ordered newest first"
        return None

    return check


def next_link(response: ResponseContextManager) -> str | None:
    match = NEXT_LINK.search(header(response, "Link"))
    return match.group(1) if match else None


def amount_text(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


# --- the simulated user ---------------------------------------------------------------


class Reader(FastHttpUser):
    """Someone who signs up, then mostly reads, sometimes writes, rarely pays someone."""

    weight = 3
    user_id: int
    username: str

    def wait_time(self) -> float:
        spec = getattr(self.environment.parsed_options, "think_time", None) or "0.5-1.5"
        least, most = _think_time(spec)
        return rng.uniform(least, most)

    def on_start(self) -> None:
        self.post_ids: list[int] = []  # posts this user has seen listed (readable by it)
        self.own_post_ids: list[int] = []
        self.tag_names: list[str] = []
        self.authors: dict[int, str] = {}  # id -> username of authors seen
        self.username = f"load_{uuid.uuid4().hex[:16]}"
        account = {
            "username": self.username,
            "email": f"{self.username}@example.com",
            "password": PASSWORD,
            "full_name": "Load Test",
        }
        with self.client.post(
            "/users/", json=account, name="/users/ [register]", catch_response=True
        ) as response:
            user = settle(response, 201, validate=self._is_me)
        if user is None:
            raise StopUser  # the failure is recorded; without an account it cannot go on
        self.user_id = int(user["id"])
        with self.client.post(
            "/auth/token",
            data=urlencode({"username": self.username, "password": PASSWORD}),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            catch_response=True,
        ) as response:
            token = settle(response, 200, validate=_is_token)
        if token is None:
            raise StopUser
        self.client.auth_header = f"Bearer {token['access_token']}"
        simulated_user_ids.append(self.user_id)

    def _is_me(self, user: Any) -> str | None:
        if not isinstance(user, dict) or user.get("username") != self.username:
            return f"another account than {self.username}: {user!r}"
        if not isinstance(user.get("id"), int):
            return f"no integer id: {user!r}"
        return None

    # --- reads: 80 ---

    @task(22)
    def browse_by_offset(self) -> None:
        params: dict[str, str | int] = {"limit": PAGE, "skip": PAGE * rng.randrange(OFFSET_PAGES)}
        if self.tag_names and rng.random() < 0.2:
            params["tag"] = rng.choice(self.tag_names)
        elif self.authors and rng.random() < 0.2:
            params["author"] = rng.choice(list(self.authors.values()))
        with self.client.get(
            f"/posts/?{urlencode(params)}", name="/posts/ [offset]", catch_response=True
        ) as response:
            self._remember(settle(response, 200, validate=check_page(PAGE)))

    @task(18)
    def browse_by_cursor(self) -> None:
        """The first page, then follow `Link: rel="next"` for a few pages."""
        url: str | None = f"/posts/?limit={PAGE}"
        last: tuple[datetime, int] | None = None
        for _ in range(rng.randint(1, MAX_CURSOR_PAGES)):
            if url is None:
                return
            with self.client.get(url, name="/posts/ [cursor]", catch_response=True) as response:
                link = next_link(response)

                def continues(
                    posts: Any, link: str | None = link, last: tuple[datetime, int] | None = last
                ) -> str | None:
                    problem = check_page(PAGE)(posts)
                    if problem:
                        return problem
                    if len(posts) == PAGE and not (link and link.startswith("http")):
                        return f'a full page without an absolute Link rel="next" ({link!r})'
                    if len(posts) < PAGE and link:
                        return f"a short page ({len(posts)}) with a next link"
                    if last and posts and _newest_first_key(posts[0]) >= last:
                        return "a cursor page that does not continue after the previous one"
                    return None

                posts = settle(response, 200, validate=continues)
            if posts is None:
                return
            self._remember(posts)
            if posts:
                last = _newest_first_key(posts[-1])
            url = link

    @task(18)
    def read_post(self) -> None:
        if not self.post_ids:
            self.browse_by_offset()
            return
        post_id = rng.choice(self.post_ids)

        def is_it(post: Any) -> str | None:
            return check_post(post) or (
                None if post["id"] == post_id else f"post {post['id']} instead of {post_id}"
            )

        with self.client.get(
            f"/posts/{post_id}", name="/posts/{id}", catch_response=True
        ) as response:
            settle(response, 200, validate=is_it)

    @task(8)
    def list_tags(self) -> None:
        def tags(rows: Any) -> str | None:
            if not isinstance(rows, list):
                return "a tag list that is not a list"
            if any(not {"id", "name", "post_count"} <= set(row) for row in rows):
                return "a tag without id, name or post_count"
            names = [row["name"] for row in rows]
            return None if len(set(names)) == len(names) else "a tag listed twice"

        with self.client.get("/tags/", catch_response=True) as response:
            rows = settle(response, 200, validate=tags)
        if rows:
            self.tag_names = [row["name"] for row in rows]

    @task(10)
    def read_tag_posts(self) -> None:
        if not self.tag_names:
            self.list_tags()
            return
        name = rng.choice(self.tag_names)

        def tagged(posts: Any) -> str | None:
            problem = check_page(PAGE)(posts)
            if problem:
                return problem
            for post in posts:
                if not post["published"]:
                    return f"draft {post['id']} listed under a tag"
                if name not in {t["name"] for t in post["tags"]}:
                    return f"post {post['id']} listed under {name!r} without that tag"
            return None

        # A tag exists while a published post has it: one listed a while ago may have
        # gone since (its last post edited), and then it is a 404, and forgotten.
        with self.client.get(
            f"/tags/{quote(name, safe='')}/posts?limit={PAGE}",
            name="/tags/{name}/posts",
            catch_response=True,
        ) as response:
            posts = settle(response, 200, tolerated={404: "tag-not-found"}, validate=tagged)
            if response.status_code == 404:
                self.tag_names = [tag for tag in self.tag_names if tag != name]
            self._remember(posts)

    @task(4)
    def read_me(self) -> None:
        def me(user: Any) -> str | None:
            problem = self._is_me(user)
            if problem:
                return problem
            credits = Decimal(str(user["credits"]))
            return None if credits >= 0 else f"a negative balance {credits}"

        with self.client.get("/users/me", catch_response=True) as response:
            settle(response, 200, validate=me)

    # --- writes: 15 ---

    @task(9)
    def write_post(self) -> None:
        tags = rng.sample(TAGS, rng.randint(0, 4))
        draft = {
            "title": _sentence(rng.randint(3, 8)).capitalize(),
            "body": _sentence(rng.randint(20, 120)),
            "published": rng.random() < 0.8,
            "tags": tags,
        }
        headers = {"Idempotency-Key": str(uuid.uuid4())} if rng.random() < 0.5 else {}

        def created(post: Any) -> str | None:
            return check_post(post) or self._matches(post, draft)

        with self.client.post(
            f"/users/{self.user_id}/posts/",
            json=draft,
            headers=headers,
            name="/users/{id}/posts/",
            catch_response=True,
        ) as response:
            post = settle(response, 201, validate=created)
        if post is not None:
            self.own_post_ids.append(post["id"])
            self.post_ids.append(post["id"])

    @task(6)
    def edit_post(self) -> None:
        """Retitle, rewrite or retag one of your posts, or publish it. Never unpublish:
        other users may hold its id from a public list and expect to read it."""
        if not self.own_post_ids:
            self.write_post()
            return
        post_id = rng.choice(self.own_post_ids)
        change: dict[str, Any] = rng.choice(
            [
                {"title": _sentence(4).capitalize() + " (edited)"},
                {"body": _sentence(rng.randint(20, 60))},
                {"tags": rng.sample(TAGS, rng.randint(0, 3))},
                {"published": True},
            ]
        )

        def updated(post: Any) -> str | None:
            problem = check_post(post) or self._matches(post, change)
            if problem:
                return problem
            return None if post["id"] == post_id else f"post {post['id']} instead of {post_id}"

        with self.client.patch(
            f"/posts/{post_id}", json=change, name="/posts/{id}", catch_response=True
        ) as response:
            settle(response, 200, validate=updated)

    def _matches(self, post: Mapping[str, Any], sent: Mapping[str, Any]) -> str | None:
        if post["author"].get("id") != self.user_id:
            return f"author {post['author'].get('id')}, not {self.user_id}"
        for field in ("title", "body", "published"):
            if field in sent and post[field] != sent[field]:
                return f"{field} {post[field]!r}, sent {sent[field]!r}"
        if "tags" in sent:
            got = sorted(t["name"] for t in post["tags"])
            want = sorted({t.strip().lower() for t in sent["tags"]})
            if got != want:
                return f"tags {got}, sent {want}"
        return None

    # --- transfers: 5 ---

    @task(5)
    def send_credits(self) -> None:
        recipients = [i for i in {*self.authors, *simulated_user_ids} if i != self.user_id]
        if not recipients:
            self.browse_by_offset()  # meet some authors first
            return
        to_user_id = rng.choice(recipients)
        cents = (
            rng.randint(10_000, 50_000) if rng.random() < OVERDRAFT_SHARE else rng.randint(1, 500)
        )
        amount = amount_text(cents)
        order = {"to_user_id": to_user_id, "amount": amount}
        key = str(uuid.uuid4())

        with self.client.post(
            "/transfers/", json=order, headers={"Idempotency-Key": key}, catch_response=True
        ) as response:

            def moved(transfer: Any) -> str | None:
                if not isinstance(transfer, dict):
                    return f"a transfer that is not an object: {transfer!r}"
                want = {"kind": "transfer", "from_user_id": self.user_id, "to_user_id": to_user_id}
                got = {k: transfer.get(k) for k in want}
                if got != want:
                    return f"transfer {got}, expected {want}"
                if transfer.get("amount") != amount:
                    return f"amount {transfer.get('amount')!r}, sent {amount!r}"
                if header(response, "Idempotent-Replayed"):
                    return "a first request answered as a replay"
                return None

            first = settle(response, 201, tolerated={409: "insufficient-credits"}, validate=moved)
            first_body = response.content
        if first is None or rng.random() >= REPLAY_SHARE:
            return

        # The client "lost" the answer and retries: same key, same body, same response.
        with self.client.post(
            "/transfers/",
            json=order,
            headers={"Idempotency-Key": key},
            name="/transfers/ [replay]",
            catch_response=True,
        ) as replay:

            def identical(_: Any) -> str | None:
                if header(replay, "Idempotent-Replayed") != "true":
                    return "a replay without Idempotent-Replayed: true"
                if replay.content != first_body:
                    return f"a replay that differs: {replay.text!r} vs {first_body!r}"
                return None

            settle(replay, 201, validate=identical)

    # --- bookkeeping ---

    def _remember(self, posts: Any) -> None:
        """Note the ids and authors of posts seen in a list: what this user reads next."""
        if not posts:
            return
        for post in posts:
            self.post_ids.append(post["id"])
            self.authors[post["author"]["id"]] = post["author"]["username"]
        if len(self.post_ids) > 500:
            del self.post_ids[:-250]


def _is_token(token: Any) -> str | None:
    if not isinstance(token, dict) or not token.get("access_token"):
        return f"no access_token: {token!r}"
    if str(token.get("token_type", "")).lower() != "bearer":
        return f"token_type {token.get('token_type')!r}, not bearer"
    return None


def _sentence(words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words))


# --- a reader of the Conduit (RealWorld) dialect ----------------------------------------


def conduit_settle(
    response: ResponseContextManager, expected: int, *, validate: Validator | None = None
) -> Any:
    """As `settle`, for the Conduit dialect under /api: the expected status with a JSON
    body that passes `validate`, or a failure (Conduit's errors are not problem+json)."""
    status = response.status_code
    if status != expected:
        why = f"no response: {getattr(response, 'error', None)!r}" if status == 0 else ""
        _fail(response, why or f"unexpected {status}: {_cut(response)}{_request_id(response)}")
        return None
    return _expected_body(response, validate)


def check_articles(limit: int) -> Validator:
    """`{"articles": [...], "articlesCount": n}`: at most `limit`, newest first, no body."""

    def check(page: Any) -> str | None:
        if not isinstance(page, dict) or not isinstance(page.get("articles"), list):
            return f"not an article list: {str(page)[:200]}"
        articles = page["articles"]
        if not isinstance(page.get("articlesCount"), int) or page["articlesCount"] < len(articles):
            return f"articlesCount {page.get('articlesCount')!r} for {len(articles)} articles"
        if len(articles) > limit:
            return f"{len(articles)} articles on a page of {limit}"
        for article in articles:
            missing = {"slug", "title", "tagList", "favorited", "author"} - article.keys()
            if missing or "body" in article:
                return f"an article without {sorted(missing)} or with a body"
        stamps = [datetime.fromisoformat(a["createdAt"]) for a in articles]
        if any(a < b for a, b in itertools.pairwise(stamps)):
            return "articles not newest first"
        return None

    return check


def check_article(slug: str | None = None) -> Validator:
    def check(doc: Any) -> str | None:
        article = doc.get("article") if isinstance(doc, dict) else None
        if not isinstance(article, dict) or "body" not in article:
            return f"not an article document: {str(doc)[:200]}"
        if slug is not None and article.get("slug") != slug:
            return f"article {article.get('slug')!r}, not {slug!r}"
        return None

    return check


class ConduitReader(FastHttpUser):
    """Someone using a RealWorld front end: browses articles and their feed, opens
    articles and comments, favorites, follows authors and writes now and then."""

    weight = 1  # beside Reader's 3: a quarter of the simulated users

    def wait_time(self) -> float:
        spec = getattr(self.environment.parsed_options, "think_time", None) or "0.5-1.5"
        least, most = _think_time(spec)
        return rng.uniform(least, most)

    def on_start(self) -> None:
        self.slugs: list[str] = []
        self.favorited: set[str] = set()
        self.authors: set[str] = set()
        self.username = f"conduit_{uuid.uuid4().hex[:16]}"
        account = {
            "user": {
                "username": self.username,
                "email": f"{self.username}@example.com",
                "password": PASSWORD,
            }
        }
        with self.client.post(
            "/api/users", json=account, name="/api/users [register]", catch_response=True
        ) as response:
            user = conduit_settle(response, 201, validate=self._is_me)
        if user is None:
            raise StopUser
        # A front end uses the token that registration returns, at once.
        self.client.auth_header = f"Token {user['user']['token']}"

    def _is_me(self, doc: Any) -> str | None:
        user = doc.get("user") if isinstance(doc, dict) else None
        if not isinstance(user, dict) or user.get("username") != self.username:
            return f"not this user's document: {str(doc)[:200]}"
        return None if user.get("token") else "no token"

    def _settle_article(
        self,
        response: ResponseContextManager,
        slug: str,
        expected: int,
        validate: Validator | None = None,
    ) -> Any:
        """As `conduit_settle`, for a request on an article this user listed before: a
        404 in Conduit's form means the article is gone from that slug since (a writer
        changed its title, and the slug follows the title, or deleted it), so the slug
        is forgotten and the answer counts as right."""
        if response.status_code == 404:
            try:
                body = response.json()
            except ValueError:
                body = None
            if isinstance(body, dict) and isinstance(body.get("errors"), dict):
                _succeed(response)
                self.slugs = [known for known in self.slugs if known != slug]
                self.favorited.discard(slug)
                return None
        return conduit_settle(response, expected, validate=validate)

    def _remember(self, page: Any) -> None:
        for article in page["articles"] if page else ():
            self.slugs.append(article["slug"])
            self.authors.add(article["author"]["username"])
        if len(self.slugs) > 300:
            del self.slugs[:-150]

    @task(30)
    def browse_articles(self) -> None:
        offset = PAGE * rng.randrange(OFFSET_PAGES)
        with self.client.get(
            f"/api/articles?limit={PAGE}&offset={offset}",
            name="/api/articles",
            catch_response=True,
        ) as response:
            self._remember(conduit_settle(response, 200, validate=check_articles(PAGE)))

    @task(12)
    def browse_feed(self) -> None:
        with self.client.get(
            f"/api/articles/feed?limit={PAGE}", name="/api/articles/feed", catch_response=True
        ) as response:
            conduit_settle(response, 200, validate=check_articles(PAGE))

    @task(15)
    def read_article(self) -> None:
        if not self.slugs:
            return self.browse_articles()
        slug = rng.choice(self.slugs)
        with self.client.get(
            f"/api/articles/{quote(slug)}", name="/api/articles/{slug}", catch_response=True
        ) as response:
            self._settle_article(response, slug, 200, check_article(slug))
        with self.client.get(
            f"/api/articles/{quote(slug)}/comments",
            name="/api/articles/{slug}/comments",
            catch_response=True,
        ) as response:
            self._settle_article(response, slug, 200)
        return None

    @task(8)
    def favorite(self) -> None:
        if not self.slugs:
            return None
        slug = rng.choice(self.slugs)
        undo = slug in self.favorited
        method = self.client.delete if undo else self.client.post
        with method(
            f"/api/articles/{quote(slug)}/favorite",
            name="/api/articles/{slug}/favorite",
            catch_response=True,
        ) as response:
            doc = self._settle_article(response, slug, 200, check_article(slug))
        if doc is not None:
            if doc["article"]["favorited"] == undo:
                _fail(response, f"favorited is {doc['article']['favorited']} after the change")
            self.favorited ^= {slug}
        return None

    @task(5)
    def follow(self) -> None:
        others = sorted(self.authors - {self.username})
        if not others:
            return None
        username = rng.choice(others)
        with self.client.post(
            f"/api/profiles/{quote(username)}/follow",
            name="/api/profiles/{username}/follow",
            catch_response=True,
        ) as response:
            doc = conduit_settle(response, 200)
        if doc is not None and doc.get("profile", {}).get("following") is not True:
            _fail(response, f"not following after a follow: {str(doc)[:200]}")
        return None

    @task(5)
    def comment(self) -> None:
        if not self.slugs:
            return None
        slug = rng.choice(self.slugs)
        with self.client.post(
            f"/api/articles/{quote(slug)}/comments",
            json={"comment": {"body": _sentence(12)}},
            name="/api/articles/{slug}/comments",
            catch_response=True,
        ) as response:
            self._settle_article(response, slug, 200)
        return None

    @task(3)
    def write_article(self) -> None:
        article = {
            "title": _sentence(5).capitalize(),
            "description": _sentence(8),
            "body": _sentence(60),
            "tagList": rng.sample(TAGS, rng.randint(0, 3)),
        }
        with self.client.post(
            "/api/articles", json={"article": article}, name="/api/articles", catch_response=True
        ) as response:
            doc = conduit_settle(response, 201, validate=check_article())
        if doc is not None:
            self.slugs.append(doc["article"]["slug"])

    @task(2)
    def reload_user(self) -> None:
        with self.client.get("/api/user", name="/api/user", catch_response=True) as response:
            conduit_settle(response, 200, validate=self._is_me)
