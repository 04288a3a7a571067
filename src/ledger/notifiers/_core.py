"""What a notifier receives, what it promises, and how a reminder reads as text."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Literal, Protocol

from ledger.errors import LedgerError
from ledger.i18n import _, ngettext
from ledger.redact import redact_text

if TYPE_CHECKING:  # annotations only: the anchors module loads with the nightly job
    from ledger.projections.anchors import Anchor

WebhookFormat = Literal["json", "wecom", "dingtalk"]
"""The body a webhook notifier posts: plain JSON, WeCom's or DingTalk's."""
ChatMsgtype = Literal["text", "markdown"]
"""The kind of chat message (WeCom, DingTalk)."""

__all__ = [
    "DeliveryFailed",
    "Notifier",
    "Reminder",
    "anchor_text",
    "anchor_title",
    "message_key",
    "one_line",
    "reminder_line",
    "safe_reason",
    "subject",
    "summary",
]

_SUBJECT_PREFIX = "[ledger]"
_SUBJECT_MAX = 120
_REASON_MAX = 300


@dataclass(frozen=True)
class Reminder:
    """One alert for a person: a request (or an agency-wide duty) that needs action.

    ``kind`` is the alert's code (``overdue``, ``due-soon``…), ``date`` the date it is
    about (usually the due date), ``working_days`` the count the alert computed (days
    left or days late; its sign is the alert's business), and ``message`` one line a
    person can act on, written by the alert computation in the language being spoken.
    ``request`` is None for alerts about the agency as a whole (the annual report).
    ``id`` is the idempotency key (``ledger.events.reminders.reminder_id``): a receiver
    that has seen it may drop the message; ``repeat`` marks a re-send after a crash
    mid-delivery, which the receiver may have got already.
    """

    kind: str
    request: str | None
    agency: str
    date: date
    working_days: int
    message: str
    id: str = ""
    repeat: bool = False

    def as_dict(self) -> dict[str, Any]:
        """The reminder as JSON-ready fields (date as ISO string), for logs and webhooks."""
        return {**asdict(self), "date": self.date.isoformat()}


class DeliveryFailed(LedgerError):
    """A notifier could not hand reminders to its transport.

    The message is one line naming the notifier and the reason, never a secret.
    ``delivered`` lists the reminders of the failed call that did get through before the
    failure (only a notifier that splits a batch into several messages can have any);
    every other reminder of the call was not delivered and may be retried.
    """

    def __init__(self, message: str, notifier: str, delivered: Sequence[Reminder] = ()) -> None:
        super().__init__(message)
        self.notifier = notifier
        self.delivered: tuple[Reminder, ...] = tuple(delivered)


class Notifier(Protocol):
    """Something that delivers reminders to people.

    Contract of ``send``: it takes one run's batch (possibly empty: then nothing is sent).
    Returning normally means every reminder in the batch was accepted by the transport
    (the SMTP server, the webhook's 2xx reply with no error code). Raising
    ``DeliveryFailed`` means only ``error.delivered`` got through — for most notifiers
    none. Delivery is at-least-once: a reply lost after the server accepted a message is
    reported as a failure, so a retry may repeat a reminder, but none is silently lost.
    Every reminder carries its ``id``, which the notifier passes on so a receiver can
    drop a repeat. ``name`` is stable across runs, so the caller can record "sent via <name>".
    """

    @property
    def name(self) -> str:
        """The notifier's configured name."""
        ...

    def send(self, reminders: Sequence[Reminder]) -> None:
        """Deliver the batch, or raise ``DeliveryFailed`` (see the class docstring)."""
        ...

    def send_anchor(self, anchor: Anchor) -> None:
        """Deliver the log's head as one message, or raise ``DeliveryFailed``."""
        ...


def message_key(notifier: str, reminders: Sequence[Reminder]) -> str | None:
    """The idempotency key of one message: derived from the notifier's name and the ids of
    the reminders it carries, in order (None if any lacks an id). The same reminders
    through the same notifier give the same key; a receiver that keeps keys drops a
    message re-sent whole, and one that keeps reminder ids drops each repeated reminder."""
    ids = [reminder.id for reminder in reminders]
    if not ids or not all(ids):
        return None
    return hashlib.sha256("|".join([notifier, *ids]).encode("utf-8")).hexdigest()[:40]


def anchor_title(anchor: Anchor) -> str:
    """The subject of the nightly head message."""
    text = _("log head at position {position}").format(position=anchor.position)
    return f"{_SUBJECT_PREFIX} {text}"


def anchor_text(anchor: Anchor) -> str:
    """The head message's body: the anchor line and what to do with it."""
    advice = _(
        "Keep this line where the database's administrator cannot change it: "
        "`ledger verify --against` proves the log unchanged up to it."
    )
    return f"{anchor.line()}\n\n{advice}"


def one_line(text: str) -> str:
    """Collapse line breaks and runs of spaces: chat and subject lines must stay one line."""
    return " ".join(text.split())


def _shorten(text: str, limit: int) -> str:
    """Cut ``text`` to ``limit`` characters, marking the cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def summary(reminders: Sequence[Reminder]) -> str:
    """The batch counted per kind, kinds in order of first appearance.

    The heading of a chat message, whose lines follow right below it; ``[ledger]`` in
    it also satisfies a DingTalk robot secured by the keyword "ledger".
    """
    counts = Counter(reminder.kind for reminder in reminders)
    per_kind = _(", ").join(
        _("{count} {kind}").format(count=count, kind=_kind_name(kind))
        for kind, count in counts.items()
    )
    heading = ngettext("{count} reminder: {kinds}", "{count} reminders: {kinds}", len(reminders))
    text = heading.format(count=len(reminders), kinds=per_kind or _("none"))
    return _shorten(f"{_SUBJECT_PREFIX} {text}", _SUBJECT_MAX)


def subject(reminders: Sequence[Reminder]) -> str:
    """An email subject for the batch, short enough for a phone's mail list.

    One reminder: its kind and message, so the subject alone says what to do. Several:
    the count per kind (see ``summary``).
    """
    if len(reminders) == 1:
        only = reminders[0]
        text = _("{kind}: {message}").format(
            kind=_kind_name(only.kind), message=one_line(only.message)
        )
        return _shorten(f"{_SUBJECT_PREFIX} {text}", _SUBJECT_MAX)
    return summary(reminders)


def reminder_line(reminder: Reminder) -> str:
    """One reminder as one line of plain text: what, which request, whose, when, and why."""
    line = _("[{kind}] {request} | {agency} | {date}: {message}").format(
        kind=_kind_name(reminder.kind),
        request=reminder.request or "-",
        agency=reminder.agency,
        date=reminder.date.isoformat(),
        message=one_line(reminder.message),
    )
    if not reminder.repeat:
        return line
    return _("{line} (possibly a repeat)").format(line=line)


def safe_reason(exc_or_text: BaseException | str, secrets: Sequence[str | None] = ()) -> str:
    """A failure's cause as one short line with every known secret and URL query masked.

    Exception texts come from libraries we do not control (an HTTP error may quote the
    URL), so the secrets the notifier knows are replaced verbatim first, then anything
    that looks like a query string or ``token=…`` pair.
    """
    if isinstance(exc_or_text, BaseException):
        text = str(exc_or_text)
        name = type(exc_or_text).__name__
        text = f"{name}: {text}" if text else name
    else:
        text = exc_or_text
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return _shorten(one_line(redact_text(text)), _REASON_MAX)


def _kind_name(kind: str) -> str:
    """An alert kind's name, in the current language (``ledger.projections.alerts``).

    Imported when a message is written: the configuration's notifier tables import this
    module, and a desk command reading them should not import the alerts projection.
    """
    from ledger.projections.alerts import kind_name

    return kind_name(kind)
