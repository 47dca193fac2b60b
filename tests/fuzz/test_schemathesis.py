"""Property-based fuzzing of every operation in /openapi.json with schemathesis.

A real server runs on a migrated SQLite file (`make fuzz` points it at PostgreSQL
through FUZZ_DATABASE_URL, whose tables the stateful test empties, and raises
FUZZ_EXAMPLES). Every generated request,
valid or not, must get an answer the schema declares: no 5xx, and declared
status codes, content types, headers and bodies. Half the requests are generated
to break the schema (negative data), and each of those must be refused with a
4xx (`negative_data_rejection`, with no exception): what the schema refuses, the
service refuses.
"""

import os
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import closing
from typing import Any

import asyncpg
import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import negative_data_rejection, positive_data_acceptance
from sqlalchemy.engine import make_url

from inkwell.core.config import Settings
from inkwell.main import create_app
from tests.servers import LiveServer, Server, sqlite_url
from tests.support import TABLES, ensure_postgres_database, per_worker_url, run_in_thread

# The service runs in its own process, which coverage does not measure; measuring this
# one would only trace hypothesis generating requests, at twice the time.
pytestmark = pytest.mark.no_cover

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "50"))
PASSWORD = "fuzzing-password-1"
SPEC = create_app(Settings(_env_file=None)).openapi()  # type: ignore[call-arg]
OPERATIONS = [(path, method) for path, methods in SPEC["paths"].items() for method in methods]


@pytest.fixture(scope="module")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    fuzz_url = os.environ.get("FUZZ_DATABASE_URL")
    # Under xdist, a database per worker: the stateful test empties its tables.
    url = (
        per_worker_url(fuzz_url)
        if fuzz_url
        else sqlite_url(tmp_path_factory.mktemp("fuzz-db") / "fuzz.db")
    )
    if url.startswith("postgresql"):
        run_in_thread(lambda: ensure_postgres_database(url))
    return url


@pytest.fixture(scope="module")
def server(database_url: str, live_server: LiveServer) -> Iterator[Server]:
    with live_server(
        database_url,
        LOGIN_MAX_FAILURES_PER_ACCOUNT="1000",
        LOGIN_MAX_FAILURES_PER_ADDRESS="100000",
        LOG_LEVEL="WARNING",
    ) as running:
        yield running


@pytest.fixture
def token(server: Server) -> str:
    """A fresh account's token for each operation: fuzzing an earlier operation may
    well have deleted or renamed the previous one (`DELETE /users/{user_id}`)."""
    name = f"fuzzer{uuid.uuid4().hex[:12]}"
    user = {"username": name, "email": f"{name}@example.com", "password": PASSWORD}
    assert httpx.post(f"{server.url}/users/", json=user).status_code == 201
    login = httpx.post(f"{server.url}/auth/token", data={"username": name, "password": PASSWORD})
    assert login.status_code == 200, login.text
    return str(login.json()["access_token"])


# Under `--dist loadgroup`, one xdist worker runs every operation, another the stateful
# test: each starts the module's server once, and the two longest runs overlap.
@pytest.mark.xdist_group("fuzz-operations")
@pytest.mark.parametrize(
    ("path", "method"), OPERATIONS, ids=[f"{m.upper()} {p}" for p, m in OPERATIONS]
)
def test_operation_answers_as_declared(server: Server, token: str, path: str, method: str) -> None:
    schema = schemathesis.openapi.from_dict(SPEC)
    operation = schema[path][method]
    headers = {"Authorization": f"Bearer {token}"}
    me = httpx.get(f"{server.url}/users/me", headers=headers).json()["id"]

    cases = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    )

    @given(case=cases, anonymous=st.booleans())
    @settings(
        max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None
    )
    def check(case: schemathesis.Case, anonymous: bool) -> None:
        excluded = []
        if (case.query and "cursor" in case.query) or _conditional(case):
            # A cursor is an opaque token the server issued: a random string is not one,
            # and its 422 is the right answer, not a rejected valid request. Likewise an
            # If-Match tag: a random one names no version, and its 412 is right.
            excluded.append(positive_data_acceptance)
        body = case.body if isinstance(case.body, dict) else {}
        if body.get("to_user_id") == me and not anonymous:
            # Sending credits to yourself is a rule no schema can state (422).
            excluded.append(positive_data_acceptance)
        amount = body.get("amount")
        if isinstance(amount, float) and (round(amount, 2) != amount or "e" in repr(amount)):
            # At most two places, and no exponent: JSON Schema's float `multipleOf`
            # cannot say it exactly, the description does (422 for 0.005 or 1e-05).
            excluded.append(positive_data_acceptance)
        if isinstance(body.get("to_user_id"), float):
            # JSON Schema counts 2.0 as an "integer"; the API takes ids written as
            # integers only, and says so in its description (422 for 2.0).
            excluded.append(positive_data_acceptance)
        if (case.path, case.method.upper()) in _UNIQUE_NAMES:
            # The Conduit dialect answers a taken username or e-mail with 422, as its
            # front ends expect: a rule about other accounts that no schema can state.
            excluded.append(positive_data_acceptance)
        conduit = case.path.startswith("/api/")
        if conduit and not anonymous and "Authorization" not in (case.headers or {}):
            # The Conduit dialect's token is an API key header: a case made negative by
            # leaving it out is made valid again by the token sent below.
            excluded.append(negative_data_rejection)
        _fresh_idempotency_key(case)
        case.call_and_validate(
            base_url=server.url,
            headers=None if anonymous else headers,
            additional_checks=[]
            if negative_data_rejection in excluded
            else [negative_data_rejection],
            excluded_checks=excluded,
        )

    check()


_UNIQUE_NAMES = frozenset({("/api/users/", "POST"), ("/api/user", "PUT")})


def _conditional(case: schemathesis.Case) -> bool:
    """Whether the case sends an If-Match that may name no version (anything but `*`)."""
    return (case.headers or {}).get("If-Match", "*").strip() != "*"


def _fresh_idempotency_key(case: schemathesis.Case) -> None:
    """A valid key names one request: hypothesis draws few distinct keys, and one reused
    with another body is refused by design (422), an answer that depends on the requests
    before. A fresh valid key keeps the case exactly as valid as it was drawn."""
    key = (case.headers or {}).get("Idempotency-Key")
    if key is not None and 1 <= len(key) <= 255 and "\x00" not in key:
        case.headers["Idempotency-Key"] = uuid.uuid4().hex


def _empty_database(url: str) -> None:
    """Every table emptied and every id sequence restarted, while the server runs."""
    if url.startswith("postgresql"):
        dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)

        async def truncate() -> None:
            conn = await asyncpg.connect(dsn, timeout=5)
            try:
                await conn.execute(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE")
            finally:
                await conn.close()

        run_in_thread(truncate)
        return
    with closing(sqlite3.connect(make_url(url).database or "", timeout=15)) as conn:
        # Children first; without AUTOINCREMENT an emptied table numbers from 1 again.
        for table in TABLES.split(", "):
            conn.execute(f"DELETE FROM {table}")  # noqa: S608 - our own table names
        conn.commit()


def _register_and_log_in(server: Server) -> str:
    user = {"username": "fuzzer", "email": "fuzzer@example.com", "password": PASSWORD}
    assert httpx.post(f"{server.url}/users/", json=user).status_code == 201
    login = httpx.post(
        f"{server.url}/auth/token", data={"username": "fuzzer", "password": PASSWORD}
    )
    assert login.status_code == 200, login.text
    return str(login.json()["access_token"])


@pytest.mark.xdist_group("fuzz-stateful")
def test_stateful_sequences_answer_as_declared(server: Server, database_url: str) -> None:
    """Sequences that feed one response into the next request (create a post, then read,
    update and delete it), along the links schemathesis infers from the schema.

    Each scenario starts from an empty database with one fresh account, so that hypothesis
    replaying a scenario meets the same server state (same ids) and gets the same answers.
    """
    schema = schemathesis.openapi.from_dict(SPEC)
    machine = schema.as_state_machine()

    class Sequences(machine):  # type: ignore[misc,valid-type]
        headers: dict[str, str]

        def setup(self) -> None:
            _empty_database(database_url)
            self.headers = {"Authorization": f"Bearer {_register_and_log_in(server)}"}

        def before_call(self, case: schemathesis.Case) -> None:
            _fresh_idempotency_key(case)

        def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, object]:
            return {"base_url": server.url, "headers": self.headers}

        def validate_response(
            self, response: Any, case: schemathesis.Case, *args: Any, **kwargs: Any
        ) -> None:
            opaque = "cursor" in (case.query or {}) or _conditional(case)
            taken = (case.path, case.method.upper()) in _UNIQUE_NAMES  # Conduit's 422
            excluded = [positive_data_acceptance] if opaque or taken else []
            case.validate_response(response, excluded_checks=excluded)

    Sequences.run(
        settings=settings(
            max_examples=min(EXAMPLES, 500),
            stateful_step_count=6,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
    )
