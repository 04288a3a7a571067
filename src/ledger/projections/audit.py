"""Re-deriving every recorded deadline: "what did we tell people, and was it right?".

Each ``request.deadline-set`` event must equal the deadline derived from the events of
its request before it, with the calendar as it was recorded at that point of the log.

The audit walks the log once, in order, and its memory is bounded by the open requests,
not by the log: a closed request's state is kept only among the last ``KEPT_CLOSED``
closed (a notice or a correction usually follows the decision closely); an event of one
dropped earlier re-folds its stream up to that event, by one indexed read. Only the first
``LISTED`` disagreements are kept in words; all are counted.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Final

from ledger.calendar import YearSchedule
from ledger.events.requests import request_of
from ledger.events.store import Store, StoredEvent
from ledger.i18n import _
from ledger.projections.calendar import SCHEDULE_RECORDED, fold_calendar
from ledger.projections.requests import RequestState, apply, deadline

KEPT_CLOSED: Final = 4096
LISTED: Final = 20


@dataclass(frozen=True)
class DeadlineAudit:
    """How many recorded deadlines were re-derived, how many disagree (``wrong``), and
    the first ``LISTED`` of those in words."""

    checked: int
    mismatches: tuple[str, ...]
    wrong: int = 0


def audit_deadlines(store: Store) -> DeadlineAudit:
    """Replay the log once, re-deriving each recorded deadline where it was recorded."""
    auditor = DeadlineAuditor(store)
    for e in store.read_all():
        auditor.feed(e)
    return auditor.result()


class DeadlineAuditor:
    """The audit fed one event at a time, in log order (one pass with the hash chain);
    ``store`` is where a dropped closed request's stream is read again."""

    def __init__(self, store: Store, kept_closed: int = KEPT_CLOSED) -> None:
        self.store = store
        self.kept_closed = kept_closed
        self.calendar = fold_calendar([])
        self.open: dict[str, RequestState] = {}
        self.closed: OrderedDict[str, RequestState] = OrderedDict()
        self.checked = 0
        self.wrong = 0
        self.mismatches: list[str] = []

    def feed(self, e: StoredEvent) -> None:
        """Take the next event of the log (payload upcast to its current shape)."""
        if e.type == SCHEDULE_RECORDED:
            self.calendar = self.calendar.with_schedule(YearSchedule.from_dict(e.data))
            return
        if not e.type.startswith("request."):
            return
        state = self._state_before(e)
        if e.type == "request.deadline-set":
            self._check(state, e)
        apply(state, e, timeline=False)
        if state.closed:
            self.closed[e.stream_id] = state
            if len(self.closed) > self.kept_closed:
                self.closed.popitem(last=False)
        else:
            self.open[e.stream_id] = state

    def _state_before(self, e: StoredEvent) -> RequestState:
        """The request's state before ``e``, taken out of the kept states (``feed`` puts
        it back where it belongs); re-folded from the store if it was dropped."""
        state = self.open.pop(e.stream_id, None) or self.closed.pop(e.stream_id, None)
        if state is not None:
            return state
        if e.version == 1:
            return RequestState(request_of(e.stream_id), e.agency)
        earlier = [x for x in self.store.read_stream(e.stream_id) if x.position < e.position]
        agency = earlier[0].agency if earlier else e.agency
        state = RequestState(request_of(e.stream_id), agency)
        for x in earlier:
            if x.type.startswith("request."):
                apply(state, x, timeline=False)
        return state

    def _check(self, state: RequestState, e: StoredEvent) -> None:
        """Compare a recorded deadline with the one derived from the events before it."""
        derived = deadline(state, self.calendar)
        due = derived.due.isoformat() if derived.due else None
        recorded = (e.data.get("due"), bool(e.data.get("provisional")))
        self.checked += 1
        if (due, derived.provisional) != recorded:
            self.wrong += 1
            if len(self.mismatches) >= LISTED:
                return
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
        return DeadlineAudit(self.checked, tuple(self.mismatches), self.wrong)
