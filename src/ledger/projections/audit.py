"""Re-deriving every recorded deadline: "what did we tell people, and was it right?".

Each ``request.deadline-set`` event must equal the deadline derived from the events of
its request before it, with the calendar as it was recorded at that point of the log.
"""

from __future__ import annotations

from dataclasses import dataclass

from ledger.calendar import YearSchedule
from ledger.events.store import Store, StoredEvent
from ledger.i18n import _
from ledger.projections.calendar import SCHEDULE_RECORDED, fold_calendar
from ledger.projections.requests import RequestState, apply, deadline, state_of


@dataclass(frozen=True)
class DeadlineAudit:
    """How many recorded deadlines were re-derived, and the ones that disagree."""

    checked: int
    mismatches: tuple[str, ...]


def audit_deadlines(store: Store) -> DeadlineAudit:
    """Replay the log once, re-deriving each recorded deadline where it was recorded."""
    auditor = DeadlineAuditor()
    for e in store.read_all():
        auditor.feed(e)
    return auditor.result()


class DeadlineAuditor:
    """The audit fed one event at a time, in log order (one pass with the hash chain)."""

    def __init__(self) -> None:
        self.calendar = fold_calendar([])
        self.states: dict[str, RequestState] = {}
        self.checked = 0
        self.mismatches: list[str] = []

    def feed(self, e: StoredEvent) -> None:
        """Take the next event of the log (payload upcast to its current shape)."""
        if e.type == SCHEDULE_RECORDED:
            self.calendar = self.calendar.with_schedule(YearSchedule.from_dict(e.data))
            return
        if not e.type.startswith("request."):
            return
        state = state_of(self.states, e)
        if e.type == "request.deadline-set":
            self._check(state, e)
        apply(state, e, timeline=False)

    def _check(self, state: RequestState, e: StoredEvent) -> None:
        """Compare a recorded deadline with the one derived from the events before it."""
        derived = deadline(state, self.calendar)
        due = derived.due.isoformat() if derived.due else None
        recorded = (e.data.get("due"), bool(e.data.get("provisional")))
        self.checked += 1
        if (due, derived.provisional) != recorded:
            self.mismatches.append(
                _(
                    "position {position}: {request} recorded due {recorded} (provisional "
                    "{recorded_provisional}), derived {derived} (provisional {derived_provisional})"
                ).format(
                    position=e.position,
                    request=state.id,
                    recorded=recorded[0],
                    recorded_provisional=recorded[1],
                    derived=due,
                    derived_provisional=derived.provisional,
                )
            )

    def result(self) -> DeadlineAudit:
        """How many were checked, and the ones that disagree."""
        return DeadlineAudit(self.checked, tuple(self.mismatches))
