"""OWASP API4:2023 unrestricted resource consumption: every size is capped.

Login throttling (per account and per client address, counted in the database)
is tested in tests/auth/test_throttle.py.
"""

import asyncio
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from httpx import AsyncClient

from inkwell.auth.hashing import PasswordHasher
from inkwell.core.ops.runtime import tune_process
from tests.factories import assert_problem, make_account, make_post, post_payload, user_payload
from tests.support import make_settings

LISTS = ["/users/", "/posts/", "/tags/", "/tags/t/posts", "/transfers/"]


@pytest.mark.parametrize("path", LISTS)
async def test_page_size_is_capped(client: AsyncClient, path: str) -> None:
    account = await make_account(client)
    await make_post(client, account, published=True, tags=["t"])
    for limit in ("101", "1000000", "0", "-1"):
        response = await client.get(path, params={"limit": limit}, headers=account.headers)
        assert_problem(response, 422)
    assert (await client.get(path, params={"limit": 100}, headers=account.headers)).is_success


async def test_body_size_is_capped(client: AsyncClient) -> None:
    account = await make_account(client)
    body = post_payload(body="x" * 2_000_000)
    response = await client.post(f"/users/{account.id}/posts/", json=body, headers=account.headers)
    assert_problem(response, 413)


async def test_tags_per_post_are_capped(client: AsyncClient) -> None:
    account = await make_account(client)
    url = f"/users/{account.id}/posts/"
    ten = post_payload(tags=[f"t{i}" for i in range(10)])
    assert (await client.post(url, json=ten, headers=account.headers)).status_code == 201
    eleven = post_payload(tags=[f"t{i}" for i in range(11)])
    assert_problem(await client.post(url, json=eleven, headers=account.headers), 422)


# (field, longest accepted, payload builder)
USER_LIMITS: list[tuple[str, int]] = [("username", 50), ("full_name", 100), ("password", 128)]
POST_LIMITS: list[tuple[str, int]] = [("title", 200), ("body", 100_000)]


@pytest.mark.parametrize(("field", "longest"), USER_LIMITS)
async def test_user_strings_are_capped(client: AsyncClient, field: str, longest: int) -> None:
    ok: dict[str, Any] = user_payload(**{field: "a" * longest})
    assert (await client.post("/users/", json=ok)).status_code == 201
    too_long = user_payload(**{field: "b" * (longest + 1)})
    body = assert_problem(await client.post("/users/", json=too_long), 422)
    assert any(field in e["loc"] for e in body["errors"])


async def test_email_length_is_capped(client: AsyncClient) -> None:
    local = "a" * 64
    domain = ".".join(["d" * 60] * 4) + ".com"  # 249 characters of domain
    response = await client.post("/users/", json=user_payload(email=f"{local}@{domain}"))
    assert_problem(response, 422)


@pytest.mark.parametrize(("field", "longest"), POST_LIMITS)
async def test_post_strings_are_capped(client: AsyncClient, field: str, longest: int) -> None:
    account = await make_account(client)
    url = f"/users/{account.id}/posts/"
    ok = post_payload(**{field: "a" * longest})
    assert (await client.post(url, json=ok, headers=account.headers)).status_code == 201
    too_long = post_payload(**{field: "b" * (longest + 1)})
    assert_problem(await client.post(url, json=too_long, headers=account.headers), 422)


async def test_tag_and_key_lengths_are_capped(client: AsyncClient) -> None:
    account = await make_account(client)
    url = f"/users/{account.id}/posts/"
    long_tag = post_payload(tags=["t" * 51])
    assert_problem(await client.post(url, json=long_tag, headers=account.headers), 422)
    headers = {**account.headers, "Idempotency-Key": "k" * 256}
    assert_problem(await client.post(url, json=post_payload(), headers=headers), 422)


async def test_password_hashing_runs_a_bounded_number_at_once(db_url: str) -> None:
    """Each argon2 hash holds its memory while it runs: a burst of logins queues
    instead of multiplying the worker's memory."""
    settings = make_settings(db_url, password_hash_concurrency=2)
    hasher = PasswordHasher(settings)
    running = 0
    most = 0
    slow_hash = hasher._hash.hash

    def counting_hash(password: str) -> str:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        try:
            time.sleep(0.02)
            return slow_hash(password)
        finally:
            with lock:
                running -= 1

    lock = threading.Lock()
    hasher._hash.hash = counting_hash  # type: ignore[method-assign]
    hashes = await asyncio.gather(*(hasher.hash(f"password-{i}") for i in range(8)))
    assert len(set(hashes)) == 8
    assert most == 2


def _resident_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS in /proc/self/status")


async def test_password_hashing_leaves_no_memory_behind(db_url: str) -> None:
    """argon2's 19 MiB per hash is given back to the system once the hash is done,
    not kept by the C allocator in the arena of the thread that ran it."""
    settings = make_settings(
        db_url, argon2_memory_kib=19456, argon2_time_cost=1, password_hash_concurrency=2
    )
    tune_process(settings)
    hasher = PasswordHasher(settings)
    before = _resident_kib()
    for round_ in range(3):
        await asyncio.gather(*(hasher.hash(f"password-{round_}-{i}") for i in range(4)))
    assert _resident_kib() - before < 19456
