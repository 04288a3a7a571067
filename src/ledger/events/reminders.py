"""What the nightly job claimed, delivered, failed to deliver, and when it ran.

The job sends each alert once per notifier: ``ReminderSent`` is the proof, and its key
(notifier, agency, request, kind, date) is what a later run checks before sending again.
``date`` is the date the alert is about (a due date, a reply-by date…), so a request
whose due date moves gets a new reminder, while a rerun or a catch-up after downtime
repeats nothing. ``ReminderClaimed`` is recorded before each delivery and the result
right after it, under the delivery lock (``ledger.runlock``): a claim left without a
result was in flight when its run died, and the next run re-sends it once, marked as a
possible repeat. ``reminder_id`` names a reminder the same way in every run, so a
receiver can drop a repeat by it. ``ReminderFailed`` records a delivery that did not
get through; it is not a "sent", so the next run retries it. ``ReminderRunCompleted``
marks a finished run: the scheduler compares the newest one with its schedule to decide
whether to catch up.

All four go on the job's stream ``reminders-<agency>``; no personal data is here.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from pydantic import Field

from ledger.events.fields import empty_list
from ledger.events.types import Event, register

CLAIMED = "reminder.claimed"
SENT = "reminder.sent"
FAILED = "reminder.failed"
RUN_COMPLETED = "reminder.run-completed"


def reminders_stream(agency: str) -> str:
    """The stream of one job's deliveries and runs (the job's agency, from the config)."""
    return f"reminders-{agency}"


def reminder_id(agency: str, request: str | None, kind: str, day: dt.date) -> str:
    """A reminder's idempotency key: the same for the same alert in every run and notifier."""
    key = f"{agency}|{request or ''}|{kind}|{day.isoformat()}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:24]


class ReminderClaimed(Event):
    """A run is about to deliver an alert through one notifier; the result follows.

    ``repeat`` marks a re-send of a claim whose run died before recording its result:
    the receiver may have got it already.
    """

    type = CLAIMED
    request: str | None
    agency: str
    kind: str
    date: dt.date
    notifier: str
    reminder_id: str
    repeat: bool = False


class ReminderSent(Event):
    """An alert was delivered through one notifier (``request`` None: agency-wide)."""

    type = SENT
    request: str | None
    agency: str
    kind: str
    date: dt.date
    notifier: str


class ReminderFailed(Event):
    """An alert could not be delivered through one notifier; ``reason`` is one safe line."""

    type = FAILED
    request: str | None
    agency: str
    kind: str
    date: dt.date
    notifier: str
    reason: str = Field(max_length=500)


class ReminderRunCompleted(Event):
    """The nightly job finished a run: what it found, sent, failed and closed."""

    type = RUN_COMPLETED
    as_of: dt.date
    alerts: int
    sent: int
    failed: int
    closed: list[str] = Field(default_factory=empty_list)


register(ReminderClaimed, ReminderSent, ReminderFailed, ReminderRunCompleted)
