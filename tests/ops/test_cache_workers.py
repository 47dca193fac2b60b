"""Two workers, each with its own read cache, over one database: a write answered by
one worker is seen by the very next read, whichever worker serves it."""

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.factories import post_payload, user_payload
from tests.servers import Server, sqlite_url

ROUNDS = 8
READS = 12


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return sqlite_url(tmp_path / "workers.db")
    url: str = request.getfixturevalue("postgres_database")
    return url


def _fresh(server: Server) -> httpx.Client:
    """A client without keep-alive: each request is a new connection, which the
    kernel hands to either worker."""
    return httpx.Client(
        base_url=server.url, timeout=30, limits=httpx.Limits(max_keepalive_connections=0)
    )


def test_a_write_on_one_worker_is_read_on_every_worker(
    database_url: str, serve: Callable[..., Server], tmp_path: Path
) -> None:
    # Verification off: the production path, where a stale document would be served.
    server = serve(database_url, workers=2, READ_CACHE_VERIFY="false", TMPDIR=str(tmp_path))
    with _fresh(server) as client:
        payload = user_payload()
        assert client.post("/users/", json=payload).status_code == 201
        token = client.post(
            "/auth/token", data={"username": payload["username"], "password": payload["password"]}
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        me = client.get("/users/me", headers=headers).json()
        post = client.post(
            f"/users/{me['id']}/posts/", json=post_payload(published=True), headers=headers
        ).json()
        for round_ in range(ROUNDS):
            # Both workers hold the current documents...
            for _ in range(READS):
                assert client.get(f"/posts/{post['id']}").status_code == 200
                assert client.get("/posts/", params={"limit": 5}).status_code == 200
            # ...one of them answers the write (a post's title, then its author's name)...
            title = f"Round {round_}"
            changed = client.patch(f"/posts/{post['id']}", json={"title": title}, headers=headers)
            assert changed.status_code == 200, changed.text
            name = f"Author {round_}"
            renamed = client.patch(f"/users/{me['id']}", json={"full_name": name}, headers=headers)
            assert renamed.status_code == 200, renamed.text
            # ...and every read after it, on either worker, shows it.
            for _ in range(READS):
                one = client.get(f"/posts/{post['id']}").json()
                page = client.get("/posts/", params={"limit": 5}).json()
                assert (one["title"], one["author"]["full_name"]) == (title, name)
                assert (page[0]["title"], page[0]["author"]["full_name"]) == (title, name)
