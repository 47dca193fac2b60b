"""A TCP proxy for fault tests: it forwards bytes both ways between a client and an
`inkwell serve`, and drops chosen connections in the middle of an exchange.

A matching request (its request line starts with `match`, e.g. `POST /transfers/`) is
forwarded whole; then, as the plan for its attempt says, the connection is reset
either at once (`AFTER_REQUEST`: the server may still be working on it) or as soon as
the server's answer arrives (`AFTER_RESPONSE`: the work is done and committed, the
client never learns it). Attempts are told apart by their `Idempotency-Key`, so a
plan can say "drop the first two attempts of every logical request"."""

import asyncio
import contextlib
import enum
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

_KEY = re.compile(rb"^idempotency-key:[ \t]*([^\r\n]*)", re.IGNORECASE | re.MULTILINE)
_LENGTH = re.compile(rb"^content-length:[ \t]*(\d+)", re.IGNORECASE | re.MULTILINE)
_REQUEST_LINE = re.compile(rb"^[A-Z]+ \S+ HTTP/1\.[01]\r\n")


class Drop(enum.Enum):
    AFTER_REQUEST = "after request"
    AFTER_RESPONSE = "after response"


@dataclass
class _Exchange:
    """What the proxy knows of one connection's request in flight."""

    drop: Drop | None = None
    body_left: int = 0


@dataclass
class FaultProxy:
    """`plan[i]` is what happens to the attempt number i (from 0) of each key's matching
    requests; attempts past the plan, and requests that do not match, go through."""

    upstream_host: str
    upstream_port: int
    match: bytes = b"POST /transfers/"
    plan: Sequence[Drop] = ()
    attempts: Counter[str] = field(default_factory=Counter)
    dropped: Counter[Drop] = field(default_factory=Counter)
    _server: asyncio.Server | None = None
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    async def start(self) -> str:
        """Listen on a free loopback port; the base URL to give the client."""
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.create_task(self._relay(reader, writer))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(
                self.upstream_host, self.upstream_port
            )
        except OSError:
            writer.transport.abort()
            return
        exchange = _Exchange()
        legs = [
            asyncio.create_task(self._requests(reader, up_writer, exchange)),
            asyncio.create_task(self._responses(up_reader, writer, exchange)),
        ]
        try:
            await asyncio.wait(legs, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for leg in legs:
                leg.cancel()
            await asyncio.gather(*legs, return_exceptions=True)
            # A reset, not a polite close: the client sees the connection break. The
            # server gets a plain end of stream after all it was sent.
            writer.transport.abort()
            up_writer.close()

    async def _requests(
        self, reader: asyncio.StreamReader, up: asyncio.StreamWriter, exchange: _Exchange
    ) -> None:
        while data := await reader.read(65536):
            if exchange.body_left <= 0 and _REQUEST_LINE.match(data):
                self._begin(data, exchange)
            else:
                exchange.body_left -= len(data)
            up.write(data)
            await up.drain()
            if exchange.drop is Drop.AFTER_REQUEST and exchange.body_left <= 0:
                self.dropped[Drop.AFTER_REQUEST] += 1
                return

    def _begin(self, data: bytes, exchange: _Exchange) -> None:
        """A new request starts in `data`: what to do with it, and how much body follows."""
        head, _, body = data.partition(b"\r\n\r\n")
        length = _LENGTH.search(head)
        exchange.body_left = (int(length.group(1)) if length else 0) - len(body)
        exchange.drop = None
        if not data.startswith(self.match):
            return
        key = _KEY.search(head)
        name = key.group(1).decode().strip() if key else ""
        attempt = self.attempts[name]
        self.attempts[name] += 1
        if attempt < len(self.plan):
            exchange.drop = self.plan[attempt]

    async def _responses(
        self, up: asyncio.StreamReader, writer: asyncio.StreamWriter, exchange: _Exchange
    ) -> None:
        while data := await up.read(65536):
            if exchange.drop is Drop.AFTER_RESPONSE:
                self.dropped[Drop.AFTER_RESPONSE] += 1
                return
            writer.write(data)
            with contextlib.suppress(ConnectionError):
                await writer.drain()
