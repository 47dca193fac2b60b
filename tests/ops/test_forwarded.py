"""Behind a proxy: `inkwell serve` believes X-Forwarded-For from FORWARDED_ALLOW_IPS
only, so nobody else can pick the address the throttles count by."""

from collections.abc import Callable
from pathlib import Path

import httpx

from tests.factories import user_payload
from tests.servers import Server, sqlite_url

PROXY = "127.0.0.2"  # a trusted proxy; the test's own 127.0.0.1 is not one


def _register(server: Server, source: str, forwarded_for: str | None = None) -> int:
    """The status of a registration sent from the local address `source`."""
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    transport = httpx.HTTPTransport(local_address=source)
    with httpx.Client(transport=transport, timeout=10) as client:
        response = client.post(f"{server.url}/users/", json=user_payload(), headers=headers)
    return response.status_code


def test_only_a_trusted_proxy_sets_the_client_address(
    serve: Callable[..., Server], tmp_path: Path
) -> None:
    server = serve(
        sqlite_url(tmp_path / "forwarded.db"),
        FORWARDED_ALLOW_IPS=PROXY,
        REGISTER_MAX_PER_ADDRESS="2",
    )
    # An untrusted peer: whatever it claims, it is counted as itself.
    spoofed = [_register(server, "127.0.0.1", f"203.0.113.{i}") for i in range(1, 4)]
    assert spoofed == [201, 201, 429]
    # The trusted proxy: each client it names is counted as that client.
    assert [_register(server, PROXY, "203.0.113.1") for _ in range(3)] == [201, 201, 429]
    assert _register(server, PROXY, "203.0.113.9") == 201
    assert _register(server, PROXY) == 201  # the proxy's own requests
