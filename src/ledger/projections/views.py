"""How a request looks to a person or a tool: its status, due date, days left, timeline."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from ledger.calendar import WorkingCalendar
from ledger.clock import Deadline
from ledger.events.store import Store
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
    if due.due is None or state.withdrawn:
        return False  # a withdrawal is the applicant's act, never the agency's lateness
    return (state.decided_on or as_of) > due.due


def due_text(state: RequestState, due: Deadline) -> str:
    """The due date in words for the one-line confirmations."""
    if state.closed:
        late = is_late(state, due, state.decided_on or date.max)
        return f"closed on {state.decided_on}" + (f" (late: due {due.due})" if late else "")
    if due.due is None:
        return f"clock stopped with {due.stopped_with} of {due.days_allowed} working days left"
    text = f"due {due.due}"
    if due.deferred:
        text += " (deferred, Art. 35)"
    if due.provisional:
        years = ", ".join(str(y) for y in sorted(due.unscheduled_years))
        text += f" (provisional: no official schedule for {years})"
    return text


def summary(type_name: str, data: dict[str, Any]) -> str:
    """One timeline line's words: the event type and its facts."""
    facts = {k: v for k, v in data.items() if k not in ("request_id", "calendar")}
    words = ", ".join(f"{k}={v}" for k, v in facts.items() if v not in (None, "", [], {}))
    return type_name.removeprefix("request.") + (f" ({words})" if words else "")


def view(state: RequestState, cal: WorkingCalendar, as_of: date) -> dict[str, Any]:
    """The JSON shape of a request (``show --format json`` and ``list --format json``)."""
    due = deadline(state, cal)
    left = None
    if not state.closed:
        left = working_days_left(due.due, as_of, cal) if due.due else due.stopped_with
    return {
        "id": state.id,
        "agency": state.agency,
        "status": status(state, due),
        "channel": state.channel,
        "applicant": state.applicant,
        "subject": state.subject,
        "received_on": state.received_on.isoformat(),
        "due_date": due.due.isoformat() if due.due else None,
        "provisional": due.provisional,
        "deferred": due.deferred,
        "regime": due.regime,
        "days_allowed": due.days_allowed,
        "extension_days": state.extension_days,
        "outcome": state.outcome,
        "decided_on": state.decided_on.isoformat() if state.decided_on else None,
        "late": is_late(state, due, as_of),
        "working_days_left": left,
        "events": [
            {
                "position": e.position,
                "date": e.on.isoformat(),
                "type": e.type,
                "data": e.data,
                "actor": e.actor,
                "recorded_at": e.recorded_at.isoformat(timespec="seconds") + "Z",
            }
            for e in state.timeline
        ],
    }


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
