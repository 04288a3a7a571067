"""Deadline reminders delivered to people: the log, email, and chat-group webhooks.

The nightly job computes alerts, turns each into a ``Reminder``, and hands one run's
batch to every notifier ``build_notifiers`` made from the config file's checked
``[[notifiers]]`` tables (``EmailSettings``, ``WebhookSettings``). A notifier's
``send`` either delivers the whole batch or raises ``DeliveryFailed`` saying which
reminders (usually none) got through; see ``Notifier``. Secrets stay out of logs and
messages; ``redact_secrets`` is the structlog processor that enforces it for logs.
"""

from __future__ import annotations

from ledger.notifiers._config import (
    EmailSettings,
    NotifierSettings,
    WebhookSettings,
    build_notifiers,
)
from ledger.notifiers._core import DeliveryFailed, Notifier, Reminder, message_key, subject
from ledger.notifiers._email import EmailNotifier
from ledger.notifiers._log import LogNotifier
from ledger.notifiers._webhook import ChatMsgtype, WebhookFormat, WebhookNotifier
from ledger.redact import redact_secrets, redact_text

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
