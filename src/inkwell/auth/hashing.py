"""Password hashing (argon2id through pwdlib), off the event loop: auth's own, used by
login and by registration."""

import asyncio
import contextlib
import secrets
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from opentelemetry.trace import NoOpTracer, Tracer
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from inkwell.core.config import Settings
from inkwell.core.errors import ServiceUnavailable


class HashingBusy(ServiceUnavailable):
    """Every hashing slot is taken and the queue for them is full: try again shortly."""


class PasswordHasher:
    """Hashes and verifies passwords in a worker thread: argon2 is deliberately slow.
    Each is a span of `tracer` (core.ops.tracing), its wait for a slot included."""

    def __init__(self, settings: Settings, *, tracer: Tracer | None = None) -> None:
        self._tracer = tracer or NoOpTracer()
        self._hash = PasswordHash(
            (
                Argon2Hasher(
                    time_cost=settings.argon2_time_cost,
                    memory_cost=settings.argon2_memory_kib,
                    parallelism=settings.argon2_parallelism,
                ),
            )
        )
        # Verified against when a login names no account, so that the answer costs
        # the same time whether or not the account exists.
        self.dummy_hash = self._hash.hash(secrets.token_urlsafe(16))
        # Each hash holds argon2's memory while it runs: a burst of logins queues here
        # instead of multiplying the worker's memory (and it has only so many cores).
        self._slots = asyncio.Semaphore(settings.password_hash_concurrency)
        # Hashing and waiting for a slot, at most: a flood gets 503 at once instead of
        # making every login behind it wait longer and longer.
        self._capacity = settings.password_hash_concurrency + settings.password_hash_queue
        self._admitted = 0

    async def hash(self, password: str) -> str:
        with self._tracer.start_as_current_span("password hash"):
            async with self._admission():
                return await asyncio.to_thread(self._hash.hash, password)

    async def verify_and_update(self, password: str, hashed: str) -> tuple[bool, str | None]:
        """Verify; also return a new hash when the stored one uses old parameters."""
        with self._tracer.start_as_current_span("password verify"):
            async with self._admission():
                return await asyncio.to_thread(self._hash.verify_and_update, password, hashed)

    @contextlib.asynccontextmanager
    async def _admission(self) -> AsyncIterator[None]:
        if self._admitted >= self._capacity:
            raise HashingBusy("Too many passwords are being checked right now; try again shortly.")
        self._admitted += 1
        try:
            async with self._slots:
                yield
        finally:
            self._admitted -= 1


async def get_hasher(request: Request) -> PasswordHasher:
    hasher: PasswordHasher = request.app.state.hasher
    return hasher


HasherDep = Annotated[PasswordHasher, Depends(get_hasher)]
