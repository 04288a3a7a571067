"""The notifier that is always on: every reminder goes to the log.

Even when mail and chat are down, the nightly job's log says what was due, so no
reminder exists only in a transport that failed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ledger.logging import get_logger
from ledger.notifiers._core import Reminder
from ledger.projections.anchors import Anchor

__all__ = ["LOGGER_NAME", "LogNotifier"]

LOGGER_NAME = "ledger.remind"


@dataclass(frozen=True)
class LogNotifier:
    """Log each reminder as a structlog event ``reminder`` on the ``ledger.remind`` logger.

    The fields are those of ``Reminder.as_dict()``: kind, request, agency, date (ISO),
    working_days, message. Logging does not fail, so ``send`` never raises.
    """

    name: str = "log"

    def send(self, reminders: Sequence[Reminder]) -> None:
        """Log every reminder of the batch, one event each."""
        # Looked up per call, not at import: a logger cached before the application (or
        # a test's capture_logs) configures structlog would keep the old processors.
        log = get_logger(LOGGER_NAME)
        for reminder in reminders:
            log.info("reminder", **reminder.as_dict())

    def send_anchor(self, anchor: Anchor) -> None:
        """Log the head as the event ``log head`` (field ``anchor``)."""
        get_logger(LOGGER_NAME).info("log head", anchor=anchor.line())
