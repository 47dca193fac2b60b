"""Per-request observability: request id, SQL statement count and DB time.

`RequestStats` lives in a context variable set by the middleware; the engine's
cursor events add to it, so each request knows its own statements and DB time.
"""

import re
import time
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from inkwell.core.ops.tracing import Tracing

# Transaction control is not a statement of the request's own. Matched at the start of
# the text only: upper-casing a whole statement (a page's SELECT is a kilobyte) on every
# execution cost more than the count is worth.
_TX_CONTROL = re.compile(r"\s*(?:BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|SET LOCAL)\b", re.I)


@dataclass
class RequestStats:
    request_id: str
    started: float = field(default_factory=time.perf_counter)
    statements: int = 0
    db_seconds: float = 0.0
    # The primary's WAL position after this request's writes committed (with replicas
    # only): answered as X-Consistency-Token, for the client to send back.
    written_at: str | None = None


current_stats: ContextVar[RequestStats | None] = ContextVar("inkwell_request", default=None)


def instrument_engine(engine: AsyncEngine, tracing: Tracing) -> None:
    """Count the statements and time spent in the database by the current request, and
    trace each statement when `tracing` is on."""
    tracing.instrument_engine(engine)

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _before(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        conn.info["inkwell_started"] = time.perf_counter()
        stats = current_stats.get()
        if stats is not None and not _TX_CONTROL.match(statement):
            stats.statements += 1

    @event.listens_for(engine.sync_engine, "after_cursor_execute")
    def _after(conn: Any, *_: Any) -> None:
        stats = current_stats.get()
        started = conn.info.pop("inkwell_started", None)
        if stats is not None and started is not None:
            stats.db_seconds += time.perf_counter() - started
