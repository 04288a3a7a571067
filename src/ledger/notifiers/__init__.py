"""Deadline reminders delivered to people: the log, email, and chat-group webhooks.

The nightly job computes alerts, turns each into a ``Reminder``, and hands one run's
batch to every notifier ``build_notifiers`` made from the config file's checked
``[[notifiers]]`` tables (``EmailSettings``, ``WebhookSettings``). A notifier's
``send`` either delivers the whole batch or raises ``DeliveryFailed`` saying which
reminders (usually none) got through; see ``Notifier``. Secrets stay out of logs and
messages; ``redact_secrets`` is the structlog processor that enforces it for logs.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from ledger.notifiers._config import (
    EmailSettings,
    NotifierSettings,
    WebhookSettings,
    build_notifiers,
)
from ledger.notifiers._core import (
    ChatMsgtype,
    DeliveryFailed,
    Notifier,
    Reminder,
    WebhookFormat,
    message_key,
    subject,
)
from ledger.redact import redact_secrets, redact_text

if TYPE_CHECKING:
    from ledger.notifiers._email import EmailNotifier
    from ledger.notifiers._log import LogNotifier
    from ledger.notifiers._webhook import WebhookNotifier

_TRANSPORTS = {
    "EmailNotifier": "ledger.notifiers._email",
    "LogNotifier": "ledger.notifiers._log",
    "WebhookNotifier": "ledger.notifiers._webhook",
}
"""Loaded when first named: every command reads the configuration (``_config``), and
smtplib, ssl and http.client would cost each of them start-up time."""


def __getattr__(name: str) -> Any:
    if name in _TRANSPORTS:
        return getattr(import_module(_TRANSPORTS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "ChatMsgtype",
    "DeliveryFailed",
    "EmailNotifier",
    "EmailSettings",
    "LogNotifier",
    "Notifier",
    "NotifierSettings",
    "Reminder",
    "WebhookFormat",
    "WebhookNotifier",
    "WebhookSettings",
    "build_notifiers",
    "message_key",
    "redact_secrets",
    "redact_text",
    "subject",
]
