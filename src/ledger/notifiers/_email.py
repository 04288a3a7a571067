"""Reminders by email: one plain-text UTF-8 message per run, through an SMTP server."""

from __future__ import annotations

import hashlib
import smtplib
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from ssl import SSLContext, create_default_context

from ledger.i18n import _
from ledger.notifiers._core import (
    DeliveryFailed,
    Reminder,
    anchor_text,
    anchor_title,
    message_key,
    reminder_line,
    safe_reason,
    subject,
)
from ledger.projections.anchors import Anchor

__all__ = ["EmailNotifier"]


@dataclass(frozen=True)
class EmailNotifier:
    """Send a run's reminders as one email to every address in ``to``.

    ``ssl`` connects with implicit TLS (usually port 465); ``starttls`` upgrades a plain
    connection (usually port 587); ``cafile`` adds a CA bundle for servers with an
    internal certificate authority. ``user``/``password`` log in when ``user`` is set.

    All-or-nothing: the message is one SMTP transaction; if the server refuses any
    recipient, ``send`` raises, because a reminder the office head did not get is a
    reminder lost, and the caller will retry the whole batch (the other recipients may
    then get it twice).

    Idempotency: the ``X-Ledger-Reminder-Ids`` header lists the reminders' ids, and the
    Message-ID is derived from them, so a message re-sent after a crash has the same one.
    """

    name: str
    host: str
    sender: str
    to: tuple[str, ...]
    port: int = 25
    starttls: bool = False
    ssl: bool = False
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 30.0
    cafile: str | None = None

    def __post_init__(self) -> None:
        """Refuse contradictions that would only show up at 2 a.m. in the nightly job."""
        if self.ssl and self.starttls:
            raise ValueError("EmailNotifier: ssl and starttls exclude each other")
        if not self.to:
            raise ValueError("EmailNotifier: at least one recipient is needed")

    def send(self, reminders: Sequence[Reminder]) -> None:
        """Send the batch as one message; raise ``DeliveryFailed`` if it was not accepted."""
        if not reminders:
            return
        self._deliver(self.compose(reminders))

    def send_anchor(self, anchor: Anchor) -> None:
        """Mail the log's head to every recipient (Message-ID derived from it, header
        ``X-Ledger-Anchor``); raise ``DeliveryFailed`` if it was not accepted by all."""
        message = EmailMessage()
        message["Subject"] = anchor_title(anchor)
        message["From"] = self.sender
        message["To"] = ", ".join(self.to)
        message["Date"] = formatdate(localtime=True)
        digest = hashlib.sha256(f"{self.name}|{anchor.line()}".encode()).hexdigest()
        message["Message-ID"] = f"<{digest[:40]}.ledger@{self._domain()}>"
        message["X-Ledger-Anchor"] = anchor.line()
        message["Auto-Submitted"] = "auto-generated"
        message.set_content(anchor_text(anchor) + "\n", charset="utf-8")
        self._deliver(message)

    def _deliver(self, message: EmailMessage) -> None:
        """Hand the message to the server; raise ``DeliveryFailed`` unless every recipient
        was accepted."""
        try:
            refused = self._transmit(message)
        except (smtplib.SMTPException, OSError) as exc:
            # ``from None``: the chained exception would print unredacted in a traceback.
            raise self._failed(self._describe(exc)) from None
        if refused:
            addresses = ", ".join(sorted(refused))
            raise self._failed(f"the server refused {addresses}; the other recipients got it")

    def compose(self, reminders: Sequence[Reminder]) -> EmailMessage:
        """The message for a batch: the subject sums it up, the body lists one line each."""
        message = EmailMessage()
        message["Subject"] = subject(reminders)
        message["From"] = self.sender
        message["To"] = ", ".join(self.to)
        message["Date"] = formatdate(localtime=True)
        message["Message-ID"] = self._message_id(reminders)
        ids = [reminder.id for reminder in reminders if reminder.id]
        if ids:
            message["X-Ledger-Reminder-Ids"] = ", ".join(ids)
        # RFC 3834: tells mail servers and vacation responders not to answer a robot.
        message["Auto-Submitted"] = "auto-generated"
        message.set_content(self._body(reminders), charset="utf-8")
        return message

    def _body(self, reminders: Sequence[Reminder]) -> str:
        """The plain-text body: one line per reminder, then where it came from."""
        lines = [reminder_line(reminder) for reminder in reminders]
        footer = _("-- sent by ledger (notifier {name}); `ledger alerts` lists them all").format(
            name=self.name
        )
        return "\n".join([*lines, "", footer]) + "\n"

    def _message_id(self, reminders: Sequence[Reminder]) -> str:
        """Derived from the reminders' ids when they have them, so a repeat has the same
        Message-ID and a mail system that drops duplicates by it drops the repeat."""
        key = message_key(self.name, reminders)
        if key is None:
            return make_msgid(domain=self._domain())
        return f"<{key}.ledger@{self._domain()}>"

    def _domain(self) -> str:
        """The sender's domain for the Message-ID (instead of this host's DNS name)."""
        address = parseaddr(self.sender)[1]
        return address.rpartition("@")[2] or "ledger.invalid"

    def _context(self) -> SSLContext:
        """A verifying TLS context, trusting ``cafile`` too when one is configured."""
        return create_default_context(cafile=self.cafile)

    def _transmit(self, message: EmailMessage) -> dict[str, tuple[int, bytes]]:
        """Connect, secure, log in, send; return the recipients the server refused."""
        smtp: smtplib.SMTP
        if self.ssl:
            smtp = smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=self._context()
            )
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        with smtp:
            if self.starttls:
                smtp.starttls(context=self._context())
            if self.user is not None:
                smtp.login(self.user, self.password or "")
            return smtp.send_message(message)

    def _describe(self, exc: BaseException) -> str:
        """Turn an SMTP or socket error into a short reason a person can act on."""
        if isinstance(exc, smtplib.SMTPAuthenticationError):
            return f"login as {self.user!r} refused ({exc.smtp_code}); check user and password"
        if isinstance(exc, smtplib.SMTPRecipientsRefused):
            return f"the server refused every recipient: {', '.join(sorted(exc.recipients))}"
        if isinstance(exc, smtplib.SMTPResponseException):
            error = exc.smtp_error
            reply = error.decode("utf-8", "replace") if isinstance(error, bytes) else error
            return _("the server replied {code} {reply}").format(code=exc.smtp_code, reply=reply)
        return safe_reason(exc, [self.password])

    def _failed(self, reason: str) -> DeliveryFailed:
        """The one-line failure, naming the notifier and the server, never the password."""
        where = _("email via {host}:{port}").format(host=self.host, port=self.port)
        reason = safe_reason(reason, [self.password])
        failed = _("notifier {name} ({where}): {reason}")
        return DeliveryFailed(failed.format(name=self.name, where=where, reason=reason), self.name)
