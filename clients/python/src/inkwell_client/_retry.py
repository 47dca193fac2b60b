"""When and how long to wait before sending a request again."""

import random
from dataclasses import dataclass

import httpx

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
