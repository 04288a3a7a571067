"""Re-deriving every recorded deadline: "what did we tell people, and was it right?".

Each ``request.deadline-set`` event must equal the deadline derived from the events of
its request before it, with the calendar as it was recorded at that point of the log.
"""

from __future__ import annotations

from dataclasses import dataclass

from ledger.calendar import YearSchedule
from ledger.events.store import Store
from ledger.projections.calendar import SCHEDULE_RECORDED, fold_calendar
from ledger.projections.requests import RequestState, apply, deadline, state_of


@dataclass(frozen=True)
class DeadlineAudit:
    """How many recorded deadlines were re-derived, and the ones that disagree."""

    checked: int
    mismatches: tuple[str, ...]


def audit_deadlines(store: Store) -> DeadlineAudit:
    """Replay the log once, re-deriving each recorded deadline where it was recorded."""
    calendar = fold_calendar([])
    states: dict[str, RequestState] = {}
    checked, mismatches = 0, []
    for e in store.read_all():
        if e.type == SCHEDULE_RECORDED:
            calendar = calendar.with_schedule(YearSchedule.from_dict(e.data))
            continue
        if not e.type.startswith("request."):
            continue
        state = state_of(states, e)
        if e.type == "request.deadline-set":
            derived = deadline(state, calendar)
            due = derived.due.isoformat() if derived.due else None
            recorded = (e.data.get("due"), bool(e.data.get("provisional")))
            checked += 1
            if (due, derived.provisional) != recorded:
                mismatches.append(
                    f"position {e.position}: {state.id} recorded due {recorded[0]} "
                    f"(provisional {recorded[1]}), derived {due} "
                    f"(provisional {derived.provisional})"
                )
        apply(state, e, timeline=False)
    return DeadlineAudit(checked, tuple(mismatches))
