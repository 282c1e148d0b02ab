"""structlog configuration: key-value lines on stderr, with secrets scrubbed from every event."""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

from convosift.secrets import scrub


def _scrub_event(_logger: Any, _name: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key, value in list(event.items()):
        if isinstance(value, str):
            event[key] = scrub(value)
        elif isinstance(value, BaseException):
            event[key] = scrub(str(value))
    return event


class _StderrLogger:
    """Writes each line to the *current* ``sys.stderr`` (which tests and embedders may swap)."""

    def msg(self, message: str) -> None:
        stream = sys.stderr
        stream.write(message + "\n")
        stream.flush()

    debug = info = warning = warn = error = critical = exception = fatal = log = msg


def _stderr_logger_factory(*_args: Any) -> _StderrLogger:
    return _StderrLogger()


_configured = False


def configure_logging(level: str = "warning", fmt: str = "console") -> None:
    """Configure structlog once per process. Safe to call again (the last call wins).

    The standard library's root logger gets a handler at the same level first: some libraries
    call ``logging.basicConfig(level=INFO)`` when imported, which would otherwise flood stderr
    with one line per HTTP request.
    """
    global _configured  # noqa: PLW0603 - one logging configuration per process
    _configured = True
    numeric = getattr(logging, level.upper())
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    root.setLevel(numeric)
    for noisy in ("httpx", "httpcore", "openai"):
        logging.getLogger(noisy).setLevel(max(numeric, logging.WARNING))
    renderer: Any = (
        structlog.processors.JSONRenderer() if fmt == "json" else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            _scrub_event,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=_stderr_logger_factory,
        cache_logger_on_first_use=False,
    )


def get_logger(name: str) -> Any:
    """A structlog logger; logging is configured with the defaults if nothing configured it yet."""
    if not _configured:
        configure_logging()
    return structlog.get_logger(name)
