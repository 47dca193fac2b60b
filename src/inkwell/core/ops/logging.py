"""Structured logs (structlog): JSON lines in production, readable in a console.

Every record, including uvicorn's and the standard library's, goes through the
same processors, one of which scrubs anything that looks like a secret.
"""

import functools
import logging
import re
from typing import Any

import structlog
from opentelemetry import trace
from structlog.typing import EventDict, Processor

from inkwell.core.config import Settings
from inkwell.core.ops.observability import current_stats

_SECRET_KEYS = re.compile(r"pass(word)?|secret|token|authorization|cookie|hash", re.I)
_SECRET_VALUES = [
    (re.compile(r"(?i)bearer\s+[\w\-.~+/=]+"), "Bearer [redacted]"),
    # Anything shaped like a JWT (three base64url parts) or an argon2 hash.
    (re.compile(r"eyJ[\w-]+\.[\w-]+\.[\w-]+"), "[redacted-jwt]"),
    (re.compile(r"\$argon2[\w$=,+/.-]+"), "[redacted-hash]"),
    (re.compile(r"(?i)(password|secret)=[^&\s]+"), r"\1=[redacted]"),
]
# What every pattern above needs to find: text without any of it is left as it is after
# one search instead of four substitutions (most fields of most records).
_SUSPECT = re.compile(r"(?i)bearer|eyJ|\$argon2|password=|secret=")


_HANDLER_NAME = "inkwell"


def scrub(value: str) -> str:
    """`value` with anything secret-shaped masked (the same object when there is none)."""
    if not _SUSPECT.search(value):
        return value
    for pattern, replacement in _SECRET_VALUES:
        value = pattern.sub(replacement, value)
    return value


@functools.lru_cache(maxsize=1024)
def _secret_key(key: str) -> bool:
    return _SECRET_KEYS.search(key) is not None


def redact(_logger: Any, _method: str, event_dict: EventDict) -> EventDict:
    """Drop secret-named fields and mask secret-shaped text in every other field."""
    event_dict.pop("color_message", None)  # uvicorn's duplicate of the message, with ANSI codes
    for key, value in event_dict.items():
        if _secret_key(key):
            event_dict[key] = "[redacted]"
        elif isinstance(value, str):
            event_dict[key] = scrub(value)
    return event_dict


def add_request_id(_logger: Any, _method: str, event_dict: EventDict) -> EventDict:
    """The id of the request being served, read from the middleware's context variable
    (binding and unbinding a structlog context variable per request cost more)."""
    stats = current_stats.get()
    if stats is not None:
        event_dict.setdefault("request_id", stats.request_id)
    return event_dict


def add_trace_ids(_logger: Any, _method: str, event_dict: EventDict) -> EventDict:
    """The trace and span of the request being served (core.ops.tracing), hex-encoded
    as trace back ends show them. The request's span may have ended already (its line
    is written after the answer is sent): it is still the current one."""
    context = trace.get_current_span().get_span_context()
    if context.is_valid:
        event_dict.setdefault("trace_id", trace.format_trace_id(context.trace_id))
        event_dict.setdefault("span_id", trace.format_span_id(context.span_id))
    return event_dict


def _shared_processors() -> list[Processor]:
    return [
        structlog.contextvars.merge_contextvars,
        add_request_id,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.stdlib.ExtraAdder(),
    ]


def _skip_unused_record_fields() -> None:
    """No record is rendered with its caller, thread or process (the renderers show the
    event dict only), so the standard library need not look them up for every record:
    the "Optimization" section of the logging HOWTO. A fifth of a request line's cost."""
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False


def configure_logging(settings: Settings, *, traced: bool = False) -> None:
    renderer: Processor
    if settings.log_format == "console":
        renderer = structlog.dev.ConsoleRenderer(colors=False)
    else:
        renderer = structlog.processors.JSONRenderer()
    structlog.configure(
        processors=[
            # First: a record below the level costs one check, not the whole chain.
            structlog.stdlib.filter_by_level,
            *_shared_processors(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_shared_processors(),
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            # Here, in the handler made anew by each configuration, rather than in the
            # chain above, which a logger keeps from its first use. Only with tracing on:
            # without, no record has a trace to name.
            *([add_trace_ids] if traced else []),
            structlog.processors.format_exc_info,
            redact,
            renderer,
        ],
    )
    _skip_unused_record_fields()
    handler = logging.StreamHandler()
    handler.setFormatter(formatter)
    handler.set_name(_HANDLER_NAME)
    root = logging.getLogger()
    # Replace only our own handler, so reconfiguring keeps others (pytest's capture).
    root.handlers[:] = [h for h in root.handlers if h.get_name() != _HANDLER_NAME]
    root.addHandler(handler)
    root.setLevel(settings.log_level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    logging.getLogger("uvicorn.access").disabled = not settings.access_log
    # SQL echo goes through the same pipeline when DB_ECHO is on.
    logging.getLogger("sqlalchemy.engine").propagate = True


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    logger: structlog.stdlib.BoundLogger = structlog.stdlib.get_logger(name)
    return logger


__all__ = ["configure_logging", "get_logger", "redact", "scrub"]
