"""The retry rules, on answers a live server does not give on demand (a 503 with a given
`Retry-After`, a 429 to wait for, a 409 in flight that never ends, an HTTP date), served by
an httpx mock transport: timing, attempts, and which requests are never sent twice."""

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest
from inkwell_client import (
    AsyncInkwell,
    Conflict,
    ConnectionFailed,
    InkwellError,
    RateLimited,
    RetryPolicy,
    ServerError,
    Unavailable,
)
from inkwell_client.errors import error_from, retry_after

pytestmark = pytest.mark.xdist_group("client")
QUICK = RetryPolicy(max_retries=3, backoff=0.01, max_backoff=0.02, in_flight_timeout=0.3)
TRANSFER = {"id": 1, "kind": "transfer", "from_user_id": 1, "to_user_id": 2, "amount": "1.00"}
TRANSFER |= {"created_at": "2026-12-01T00:00:00Z"}


def problem(status: int, slug: str, **headers: str) -> httpx.Response:
    body = {"type": f"https://inkwell.dev/problems/{slug}", "title": slug, "status": status}
    body |= {"detail": f"{slug} happened", "instance": "/transfers/"}
    return httpx.Response(status, json=body, headers=headers)


def client_of(answers: list[httpx.Response | Exception], seen: list[httpx.Request]) -> AsyncInkwell:
    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    http = httpx.AsyncClient(transport=httpx.MockTransport(handle))
    return AsyncInkwell("http://inkwell.test", token="t", retry=QUICK, http_client=http)


Answers = Callable[[list[httpx.Response | Exception]], tuple[AsyncInkwell, list[httpx.Request]]]


@pytest.fixture
def mock() -> Answers:
    def make(answers: list[httpx.Response | Exception]) -> tuple[AsyncInkwell, list[httpx.Request]]:
        seen: list[httpx.Request] = []
        return client_of(answers, seen), seen

    return make


async def test_retry_after_is_waited_and_the_key_is_kept(mock: Answers) -> None:
    client, seen = mock(
        [
            problem(503, "unavailable", **{"Retry-After": "1"}),
            httpx.ReadError("dropped"),
            problem(429, "too-many-requests", **{"Retry-After": "0"}),
            httpx.Response(201, json=TRANSFER),
        ]
    )
    started = time.monotonic()
    sent = await client.transfers.create(2, "1.00")
    assert time.monotonic() - started >= 1.0  # the 503's Retry-After
    assert sent.amount == "1.00"
    keys = {r.headers["idempotency-key"] for r in seen}
    assert len(seen) == 4
    assert len(keys) == 1
    assert all(r.headers["authorization"] == "Bearer t" for r in seen)


async def test_errors_past_the_retries_are_raised(mock: Answers) -> None:
    client, seen = mock([problem(503, "unavailable", **{"Retry-After": "0"})] * 4)
    with pytest.raises(Unavailable) as raised:
        await client.posts.get(1)
    assert raised.value.retry_after == 0
    assert len(seen) == 4

    client, seen = mock([problem(429, "too-many-logins", **{"Retry-After": "900"})])
    with pytest.raises(RateLimited) as limited:
        await client.login("ada", "pw")
    assert limited.value.retry_after == 900
    assert len(seen) == 1  # too long to wait: raised at once


async def test_a_request_in_flight_is_waited_out_but_not_forever(mock: Answers) -> None:
    client, seen = mock(
        [problem(409, "idempotency-key-in-flight")] * 2 + [httpx.Response(201, json=TRANSFER)]
    )
    assert (await client.transfers.create(2, 1)).id == 1
    assert len(seen) == 3
    client, seen = mock([problem(409, "idempotency-key-in-flight")] * 100)
    with pytest.raises(Conflict) as raised:
        await client.transfers.create(2, 1)
    assert raised.value.in_progress
    assert 2 <= len(seen) < 100


async def test_unsafe_writes_are_resent_only_when_they_did_not_arrive(mock: Answers) -> None:
    post = {"id": 1, "title": "t", "body": "b" * 10, "published": False, "tags": []}
    post |= {"slug": "t", "description": "", "favorites_count": 0}
    post |= {"created_at": "2026-12-01T00:00:00Z", "updated_at": "2026-12-01T00:00:00Z"}
    post |= {"author": {"id": 1, "username": "ada", "full_name": None}}
    client, seen = mock([httpx.ConnectError("refused"), httpx.Response(200, json=post)])
    assert (await client.posts.update(1, title="t")).id == 1
    assert len(seen) == 2
    client, seen = mock([httpx.ReadTimeout("no answer")])
    with pytest.raises(ConnectionFailed) as raised:
        await client.posts.update(1, title="t")
    assert raised.value.status is None
    assert len(seen) == 1
    client, seen = mock([httpx.ConnectError("refused")] * 4)
    with pytest.raises(ConnectionFailed):
        await client.users.me()
    assert len(seen) == 4


async def test_conflicts_of_another_kind_are_raised_at_once(mock: Answers) -> None:
    client, seen = mock([problem(409, "concurrent-update")])
    with pytest.raises(Conflict) as raised:
        await client.posts.delete(1)
    assert raised.value.concurrent_update
    assert len(seen) == 1


def test_an_error_without_a_problem_document() -> None:
    error = error_from(httpx.Response(502, text="<html>bad gateway</html>"))
    assert isinstance(error, ServerError)
    assert (error.status, error.title, error.detail, error.type) == (
        502,
        "Bad Gateway",
        "Bad Gateway",
        "about:blank",
    )
    odd = error_from(httpx.Response(418, json=["not", "a", "problem"]))
    assert type(odd) is InkwellError
    assert str(odd) == "418 I'm a teapot: I'm a teapot"


def test_retry_after_as_seconds_or_an_http_date() -> None:
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert 25 < (retry_after(httpx.Response(503, headers={"Retry-After": later})) or 0) <= 30
    assert retry_after(httpx.Response(503, headers={"Retry-After": "7"})) == 7
    assert retry_after(httpx.Response(503, headers={"Retry-After": "soon"})) is None
    assert retry_after(httpx.Response(503)) is None


def test_backoff_grows_with_jitter_up_to_its_ceiling() -> None:
    policy = RetryPolicy(backoff=1.0, max_backoff=4.0)
    for retry, (low, high) in enumerate([(0.5, 1), (1, 2), (2, 4), (2, 4), (2, 4)], start=1):
        delays = [policy.delay(retry) for _ in range(50)]
        assert low <= min(delays)
        assert max(delays) <= high
    assert 3 <= policy.delay(1, retry_after=3) <= 4


async def test_the_client_sends_back_where_its_last_write_is() -> None:
    """With read replicas the server names its WAL position after a write; the client
    sends the latest one with every later request, so replicas behind it are not asked."""
    seen: list[str | None] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("x-consistency-token"))
        written = {"X-Consistency-Token": f"0/{len(seen)}A"} if request.method == "POST" else {}
        return httpx.Response(200, json={"id": 1}, headers=written)

    http = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    async with http, AsyncInkwell("http://inkwell.test", http_client=http) as client:
        await client.request("GET", "/posts/")
        await client.request("POST", "/users/1/posts/", json={})
        await client.request("GET", "/posts/1")
        await client.request("POST", "/users/1/posts/", json={})
        await client.request("GET", "/posts/2")
    assert seen == [None, None, "0/2A", "0/2A", "0/4A"]
