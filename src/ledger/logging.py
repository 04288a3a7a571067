"""structlog, set up once: readable at a terminal, JSON lines for jobs.

Logs go to standard error so that a command's output (a report, JSON) stays clean on
standard output.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import structlog

from ledger.redact import redact_secrets


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
            redact_secrets,  # secret keys, URL query keys, user:password@, nested fields
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping()[level.upper()]
        ),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=False,
    )
