"""How a request looks to a person or a tool: its status, due date, days left, timeline."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from ledger.calendar import WorkingCalendar
from ledger.clock import Deadline, due_passed
from ledger.events.names import event_name
from ledger.events.store import Store
from ledger.i18n import N_, _
from ledger.lateness import days_late
from ledger.projections.requests import (
    RequestState,
    apply,
    collector_paused,
    deadline,
    state_of,
    status,
)


def working_days_left(due: date, as_of: date, cal: WorkingCalendar) -> int:
    """Working days from ``as_of`` to ``due``; once the due date has passed, minus the
    working days since it (at least 1: overdue is never shown as 0)."""
    if due >= as_of:
        return cal.working_days_between(as_of, due)
    # Past due is always negative, even on a weekend right after a Friday due date.
    return -max(1, cal.working_days_between(due, as_of))


def is_late(state: RequestState, due: Deadline, as_of: date) -> bool:
    """Decided after the due date, or still undecided after it (withdrawals never are)."""
    return late(state.withdrawn, due.due, state.decided_on, as_of)


def late(withdrawn: bool, due: date | None, decided_on: date | None, as_of: date) -> bool:
    """``is_late`` from the facts a projection row keeps (``projections/tables.py``)."""
    if withdrawn:
        return False  # a withdrawal is the applicant's act, never the agency's lateness
    return due_passed(due, decided_on or as_of)


def days_left(
    closed: bool, due: date | None, stopped_with: int | None, as_of: date, cal: WorkingCalendar
) -> int | None:
    """Working days left as of ``as_of`` (negative once past due), the days a stopped
    clock stopped with, or None for a closed request."""
    if closed:
        return None
    return working_days_left(due, as_of, cal) if due else stopped_with


def due_text(state: RequestState, due: Deadline) -> str:
    """The due date in words for the one-line confirmations."""
    if state.closed:
        if is_late(state, due, state.decided_on or date.max):
            late = _("closed on {day} (late: due {due})")
            return late.format(day=state.decided_on, due=due.due)
        return _("closed on {day}").format(day=state.decided_on)
    if due.due is None:
        stopped = _("clock stopped with {left} of {allowed} working days left")
        return stopped.format(left=due.stopped_with, allowed=due.days_allowed)
    text = _("due {day}").format(day=due.due)
    if due.deferred:
        text = _("{text} ({note})").format(text=text, note=_("deferred, Art. 35"))
    if due.provisional:
        years = ", ".join(str(y) for y in sorted(due.unscheduled_years))
        note = _("provisional: no official schedule for {years}").format(years=years)
        text = _("{text} ({note})").format(text=text, note=note)
    return text


STATUS_NAMES = {"open": N_("open"), "paused": N_("paused"), "closed": N_("closed")}
"""Each status as a person reads it (in English the code itself; JSON and CSV keep codes)."""


def status_name(code: str) -> str:
    """A request's status in the current language."""
    return _(STATUS_NAMES.get(code, code))


def summary(type_name: str, data: dict[str, Any]) -> str:
    """One timeline line's words: the step's name and its facts (facts keep their field
    names, as the log has them)."""
    facts = {k: v for k, v in data.items() if k not in ("request_id", "calendar")}
    words = ", ".join(f"{k}={v}" for k, v in facts.items() if v not in (None, "", [], {}))
    name = event_name(type_name)
    return _("{text} ({note})").format(text=name, note=words) if words else name


@dataclass(frozen=True)
class RequestRow:
    """One request as ``ledger list`` shows it (and ``ledger show`` above its timeline)."""

    id: str
    agency: str
    status: str
    channel: str
    applicant: str
    subject: str
    received_on: date
    due_date: date | None
    provisional: bool
    deferred: bool
    regime: str
    days_allowed: int
    extension_days: int
    outcome: str | None
    decided_on: date | None
    late: bool
    working_days_left: int | None
    recorded_late: bool = False  # a fact recorded well after its date (ledger.lateness)

    @property
    def closed(self) -> bool:
        """Decided or withdrawn."""
        return self.outcome is not None

    @property
    def overdue(self) -> bool:
        """Undecided with a due date that has passed (``clock.Deadline.passed``)."""
        return not self.closed and self.late

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape (dates as YYYY-MM-DD)."""
        data = asdict(self)
        for key in ("received_on", "due_date", "decided_on"):
            data[key] = data[key].isoformat() if data[key] else None
        return data


def request_row(state: RequestState, cal: WorkingCalendar, as_of: date) -> RequestRow:
    """A request's row: status, due date and working days left as of ``as_of``."""
    due = deadline(state, cal)
    left = days_left(state.closed, due.due, due.stopped_with, as_of, cal)
    return RequestRow(
        id=state.id,
        agency=state.agency,
        status=status(state, due),
        channel=state.channel,
        applicant=state.applicant,
        subject=state.subject,
        received_on=state.received_on,
        due_date=due.due,
        provisional=due.provisional,
        deferred=due.deferred,
        regime=due.regime,
        days_allowed=due.days_allowed,
        extension_days=state.extension_days,
        outcome=state.outcome,
        decided_on=state.decided_on,
        late=is_late(state, due, as_of),
        recorded_late=state.recorded_late > 0,
        working_days_left=left,
    )


def timeline(state: RequestState) -> list[dict[str, Any]]:
    """The request's events for a person or a tool, oldest first."""
    return [
        {
            "position": e.position,
            "date": e.on.isoformat(),
            "type": e.type,
            "data": e.data,
            "actor": e.actor,
            "recorded_at": e.recorded_at.isoformat(timespec="seconds") + "Z",
            "note": e.note,
            "days_late": days_late(e.type, e.on, e.recorded_at),
        }
        for e in state.timeline
    ]


def view(state: RequestState, cal: WorkingCalendar, as_of: date) -> dict[str, Any]:
    """The JSON shape of a request (``show --format json``): its row and its timeline."""
    return {**request_row(state, cal, as_of).as_dict(), "events": timeline(state)}


def all_requests(store: Store, timeline: bool = False) -> Iterator[RequestState]:
    """Every request in the log, folded (at its true stream version), in order of first
    appearance; the timelines only when asked, since a list of thousands never shows them."""
    states: dict[str, RequestState] = {}
    with collector_paused():
        for event in store.read_all():
            if not event.type.startswith("request."):
                continue
            apply(state_of(states, event), event, timeline=timeline)
    return (s for s in states.values() if s.channel)
