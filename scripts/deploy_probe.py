"""Black-box checks of a running deployment, through its load balancer (Python's stdlib only).

    python3 scripts/deploy_probe.py pass URL          register two accounts, log in, post,
                                                     transfer, read both back; prints STATE (JSON)
    python3 scripts/deploy_probe.py loop URL STATE STOPFILE
                                                     requests without pause (reads, signed-in reads
                                                     and transfers) until STOPFILE exists; then
                                                     prints the count per answer and exits 1 if
                                                     any was not a success

scripts/deploy-check.sh runs both against `compose.yaml`; STATE is what `pass` printed.
"""

import json
import secrets
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

TIMEOUT = 15.0


class Failed(Exception):
    """The deployment answered something other than what the step expects."""


def call(
    base: str,
    method: str,
    path: str,
    *,
    expect: int,
    json_body: dict[str, Any] | None = None,
    form: dict[str, str] | None = None,
    token: str | None = None,
    headers: dict[str, str] | None = None,
) -> Any:
    """The decoded JSON answer of one request; Failed on another status."""
    data = None
    sent = dict(headers or {})
    if json_body is not None:
        data = json.dumps(json_body).encode()
        sent["Content-Type"] = "application/json"
    elif form is not None:
        data = urllib.parse.urlencode(form).encode()
        sent["Content-Type"] = "application/x-www-form-urlencoded"
    if token:
        sent["Authorization"] = f"Bearer {token}"
    # base is an http(s) URL (main checks it), never file: or another scheme.
    request = urllib.request.Request(base + path, data=data, method=method, headers=sent)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:  # noqa: S310
            status, body = answer.status, answer.read()
    except urllib.error.HTTPError as exc:
        status, body = exc.code, exc.read()
    if status != expect:
        raise Failed(f"{method} {path}: expected {expect}, got {status}: {body[:300]!r}")
    return json.loads(body) if body else None


def register(base: str, tag: str) -> dict[str, Any]:
    username = f"deploy_{tag}_{secrets.token_hex(4)}"
    password = secrets.token_urlsafe(16)
    user = call(
        base,
        "POST",
        "/users/",
        expect=201,
        json_body={
            "username": username,
            "email": f"{username}@example.com",
            "password": password,
            "full_name": "Deploy Check",
        },
    )
    token = call(
        base,
        "POST",
        "/auth/token",
        expect=200,
        form={"username": username, "password": password},
    )["access_token"]
    return {"id": user["id"], "username": username, "token": token}


def black_box(base: str) -> dict[str, Any]:
    """Register, log in, post, transfer, and read each back: the state `loop` uses."""
    alice, bob = register(base, "a"), register(base, "b")
    print(f"registered and logged in {alice['username']} and {bob['username']}", file=sys.stderr)
    title = f"Deployed {secrets.token_hex(4)}"
    post = call(
        base,
        "POST",
        f"/users/{alice['id']}/posts/",
        expect=201,
        token=alice["token"],
        json_body={"title": title, "body": "Through the load balancer.", "published": True},
    )
    read = call(base, "GET", f"/posts/{post['id']}", expect=200)
    if read["title"] != title:
        raise Failed(f"post {post['id']} read back with title {read['title']!r}")
    print(f"posted {post['id']} and read it back", file=sys.stderr)
    before = Decimal(call(base, "GET", "/users/me", expect=200, token=bob["token"])["credits"])
    transfer = send_credits(base, alice, bob, "12.50")
    listed = call(base, "GET", "/transfers/", expect=200, token=bob["token"])
    if transfer["id"] not in {row["id"] for row in listed}:
        raise Failed(f"transfer {transfer['id']} is not in the recipient's list")
    after = Decimal(call(base, "GET", "/users/me", expect=200, token=bob["token"])["credits"])
    if after - before != Decimal("12.50"):
        raise Failed(f"the recipient's credits went from {before} to {after}, not +12.50")
    print(f"transferred 12.50 ({transfer['id']}) and read it back", file=sys.stderr)
    return {"post_id": post["id"], "alice": alice, "bob": bob}


def send_credits(
    base: str, sender: dict[str, Any], recipient: dict[str, Any], amount: str
) -> dict[str, Any]:
    """A transfer with an Idempotency-Key of its own, which must be answered 201."""
    sent: dict[str, Any] = call(
        base,
        "POST",
        "/transfers/",
        expect=201,
        token=sender["token"],
        json_body={"to_user_id": recipient["id"], "amount": amount},
        headers={"Idempotency-Key": secrets.token_hex(16)},
    )
    return sent


def loop(base: str, state: dict[str, Any], stop: Path, workers: int = 4) -> Counter[str]:
    """Requests from `workers` threads until `stop` exists: the answer (or error) of each."""
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()
    started = time.monotonic()
    alice, bob = state["alice"], state["bob"]

    def one(step: int) -> None:
        kind = step % 4
        if kind == 0:
            call(base, "GET", f"/posts/{state['post_id']}", expect=200)
        elif kind == 1:
            call(base, "GET", "/users/me", expect=200, token=alice["token"])
        elif kind == 2:
            call(base, "GET", "/posts/?limit=5", expect=200)
        else:
            send_credits(base, alice, bob, "0.01")

    def work(offset: int) -> None:
        step = offset
        while not stop.exists():
            try:
                one(step)
                outcome = "ok"
            except Failed as exc:
                outcome = str(exc).split(":", 2)[1].strip()
                detail = str(exc)
            except OSError as exc:
                outcome = detail = f"error {type(exc).__name__}: {exc}"
            with lock:
                outcomes[outcome] += 1
                if outcome != "ok" and outcomes[outcome] <= 3:
                    at = time.monotonic() - started
                    print(f"at {at:.1f}s ({time.strftime('%H:%M:%S')}): {detail}", file=sys.stderr)
            step += workers

    threads = [threading.Thread(target=work, args=(n,)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def main(argv: list[str]) -> int:
    if len(argv) >= 2 and not argv[1].startswith(("http://", "https://")):
        print(f"not an http(s) URL: {argv[1]}", file=sys.stderr)
        return 2
    if len(argv) == 2 and argv[0] == "pass":
        try:
            print(json.dumps(black_box(argv[1].rstrip("/"))))
        except Failed as exc:
            print(f"black-box pass failed: {exc}", file=sys.stderr)
            return 1
        return 0
    if len(argv) == 4 and argv[0] == "loop":
        state = json.loads(Path(argv[2]).read_text())
        started = time.monotonic()
        outcomes = loop(argv[1].rstrip("/"), state, Path(argv[3]))
        total = sum(outcomes.values())
        seconds = time.monotonic() - started
        failed = total - outcomes["ok"]
        print(
            f"{total} requests in {seconds:.1f}s, {failed} failed: "
            + ", ".join(f"{name} x{count}" for name, count in outcomes.most_common())
        )
        return 1 if failed or not total else 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
