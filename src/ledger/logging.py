"""structlog, set up once: readable at a terminal, JSON lines for jobs.

Logs go to standard error so that a command's output (a report, JSON) stays clean on
standard output.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

SECRET_WORDS = ("password", "secret", "token", "key", "authorization")


def _redact(_logger: Any, _method: str, event: MutableMapping[str, Any]) -> Any:
    """Mask values whose key says they are secret, whoever logs them."""
    for key in list(event):
        if any(word in key.lower() for word in SECRET_WORDS):
            event[key] = "***"
    return event


def configure_logging(fmt: str = "auto", level: str = "info") -> None:
    """Install the processors and the renderer for this process."""
    use_json = fmt == "json" or (fmt == "auto" and not sys.stderr.isatty())
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if use_json
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            _redact,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping()[level.upper()]
        ),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=False,
    )
