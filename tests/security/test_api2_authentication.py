"""OWASP API2:2023 broken authentication.

Token defects (expired, tampered, `alg: none`, wrong secret, malformed) are in
tests/auth/test_router.py; throttling in tests/auth/test_throttle.py. Here: the
login gives nothing away, neither in its answer nor in its timing.
"""

import statistics
import time

from httpx import AsyncClient

from inkwell.main import create_app
from tests.factories import make_user
from tests.support import api_client, make_settings


async def _median_login_seconds(client: AsyncClient, username: str, rounds: int = 7) -> float:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        response = await client.post(
            "/auth/token", data={"username": username, "password": "wrong-password"}
        )
        samples.append(time.perf_counter() - started)
        assert response.status_code == 401
    return statistics.median(samples)


async def test_login_takes_as_long_for_unknown_accounts(db_url: str) -> None:
    # A real argon2 cost, so that the hash (not noise) decides the time.
    settings = make_settings(
        db_url,
        argon2_time_cost=2,
        argon2_memory_kib=16384,
        login_max_failures_per_account=1000,
        login_max_failures_per_address=1000,
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app), api_client(app) as client:
        user = await make_user(client)
        known = await _median_login_seconds(client, user["username"])
        unknown = await _median_login_seconds(client, "nobody-at-all")
    assert 0.5 < unknown / known < 2.0, (known, unknown)


async def test_wrong_password_and_unknown_account_answer_alike(client: AsyncClient) -> None:
    user = await make_user(client)
    wrong = await client.post(
        "/auth/token", data={"username": user["username"], "password": "nope-nope"}
    )
    missing = await client.post(
        "/auth/token", data={"username": "missing", "password": "nope-nope"}
    )
    assert wrong.status_code == missing.status_code == 401
    assert wrong.headers["www-authenticate"] == missing.headers["www-authenticate"]
    assert wrong.json() == missing.json()
