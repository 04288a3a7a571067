"""structlog, set up once: readable at a terminal, JSON lines for jobs.

Logs go to standard error so that a command's output (a report, JSON) stays clean on
standard output.

structlog (with the ``rich`` and ``asyncio`` modules it loads) costs a desk command about
a fifth of its start-up, and a desk command logs nothing. So the set-up waits for the
first logger: ``configure_logging`` only remembers the choice while structlog is not
loaded, and ``get_logger`` (what our modules log through) installs it then.
"""

from __future__ import annotations

import sys
from typing import Any

_pending: dict[str, tuple[str, str]] = {}
"""The format and level chosen before structlog was loaded (key ``chosen``), installed by
``get_logger``."""


def configure_logging(fmt: str = "auto", level: str = "info") -> None:
    """Choose the processors and the renderer for this process.

    Installed at once when structlog is already loaded (a logger may exist), else on
    the first ``get_logger``.
    """
    _pending.clear()
    if "structlog" in sys.modules:
        _install(fmt, level)
    else:
        _pending["chosen"] = (fmt, level)


def get_logger(name: str) -> Any:
    """A structlog logger, after installing the set-up chosen before structlog loaded."""
    import structlog

    chosen = _pending.pop("chosen", None)
    if chosen is not None:
        _install(*chosen)
    return structlog.get_logger(name)


def _install(fmt: str, level: str) -> None:
    import logging

    import structlog

    from ledger.redact import redact_secrets

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
