"""When and how long to wait before sending a request again."""

import random
import time
from dataclasses import dataclass

import httpx

from inkwell_client.errors import Conflict, InkwellError

# Failures that happen before a byte of the request reached the server: any request
# can be sent again after them, whatever it does.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
RETRIED_STATUSES = frozenset({429, 503})


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter, honouring the server's `Retry-After`.

    `max_retries` bounds the attempts after the first. The n-th retry waits a random
    time between half and all of `backoff * 2**(n-1)`, at most `max_backoff`, unless
    the server said how long (`Retry-After`); a `Retry-After` longer than
    `max_retry_after` is not waited for (the error is raised, with its `retry_after`).
    A 409 "still in progress" is waited out for up to `in_flight_timeout` seconds
    without using up retries."""

    max_retries: int = 3
    backoff: float = 0.25
    max_backoff: float = 8.0
    max_retry_after: float = 60.0
    in_flight_timeout: float = 30.0

    def delay(self, retry: int, retry_after: float | None = None) -> float:
        """Seconds to wait before retry number `retry` (1 for the first)."""
        if retry_after is not None:
            # A little jitter, so that clients told the same time do not come back at once.
            return retry_after + random.uniform(0, self.backoff)  # noqa: S311 - jitter
        ceiling = min(self.max_backoff, self.backoff * 2 ** (retry - 1))
        return random.uniform(ceiling / 2, ceiling)  # noqa: S311 - jitter


@dataclass
class Attempts:
    """The attempts of one request: whether, and after how long, to send it again.

    `replayable`: it may be sent again even if it may have reached the server (a read, or
    a write with an Idempotency-Key); otherwise only when it surely did not (refused
    connection) or was refused undone (429, 503)."""

    policy: RetryPolicy
    replayable: bool
    retries: int = 0
    waiting_since: float | None = None

    def after_failure(self, failure: httpx.TransportError) -> float | None:
        """Seconds to wait after no answer came, or None to give up."""
        if not self.replayable and not isinstance(failure, NOT_SENT):
            return None
        return self._retry(None)

    def after_error(self, error: InkwellError) -> float | None:
        """Seconds to wait after an error answer, or None to raise it."""
        if error.status in RETRIED_STATUSES:
            after = getattr(error, "retry_after", None)
            if after is None or after <= self.policy.max_retry_after:
                return self._retry(after)
        if isinstance(error, Conflict) and error.in_progress and self.replayable:
            # Not a retry: the first attempt is still running; wait for its answer.
            self.waiting_since = self.waiting_since or time.monotonic()
            if time.monotonic() - self.waiting_since < self.policy.in_flight_timeout:
                return self.policy.delay(1)
        return None

    def _retry(self, retry_after: float | None) -> float | None:
        if self.retries >= self.policy.max_retries:
            return None
        self.retries += 1
        return self.policy.delay(self.retries, retry_after)
