"""Re-deriving every recorded deadline: "what did we tell people, and was it right?".

Each ``request.deadline-set`` event must equal the deadline derived from the events of
its request before it, with the calendar as it was recorded at that point of the log.

The audit walks the log once, in order, and its memory is bounded by the open requests,
not by the log: a closed request's state is kept only among the last ``KEPT_CLOSED``
closed (a notice or a correction usually follows the decision closely). An event of one
dropped earlier is passed over (the state is not kept, so nothing needs it), except a
recorded deadline, which re-folds the stream up to it, by one indexed read, and is
checked. Only the first ``LISTED`` disagreements are kept in words; all are counted.

Many requests share a deadline's inputs (received the same day, nothing paused yet): the
derived deadline is kept by ``clock_key`` for the calendar in force, at most
``DERIVED_KEPT`` of them, and derived again only for a key not seen under that calendar.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Final

from ledger.calendar import YearSchedule
from ledger.events.requests import DeadlineSet, request_of
from ledger.events.store import Store, StoredEvent
from ledger.i18n import _
from ledger.projections.calendar import SCHEDULE_RECORDED, fold_calendar
from ledger.projections.requests import (
    ClockKey,
    RequestState,
    apply_facts,
    clock_key,
    deadline,
)

KEPT_CLOSED: Final = 4096
LISTED: Final = 20
DERIVED_KEPT: Final = 65_536
"""Derived deadlines kept by their inputs; all are forgotten when there are more."""
AUDITED_PREFIX: Final = "request."
DEADLINE_SET: Final = DeadlineSet.type


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

    def __init__(self, store: Store, kept_closed: int | None = None) -> None:
        self.store = store
        self.kept_closed = KEPT_CLOSED if kept_closed is None else kept_closed
        self.calendar = fold_calendar([])
        self.derived: dict[ClockKey, tuple[str | None, bool]] = {}
        self.open: dict[str, RequestState] = {}
        self.closed: OrderedDict[str, RequestState] = OrderedDict()
        self.checked = 0
        self.wrong = 0
        self.mismatches: list[str] = []

    @staticmethod
    def wants(kind: str) -> bool:
        """Whether events of this type change what the audit knows (the rest need not be
        decoded for it): a request's events and the calendar's schedules."""
        return kind.startswith(AUDITED_PREFIX) or kind == SCHEDULE_RECORDED

    def feed(self, e: StoredEvent) -> None:
        """Take the next event of the log (payload upcast to its current shape)."""
        if e.type == SCHEDULE_RECORDED:
            self.calendar = self.calendar.with_schedule(YearSchedule.from_dict(e.data))
            self.derived.clear()
            return
        if not e.type.startswith(AUDITED_PREFIX):
            return
        recorded, stream = e.type == DEADLINE_SET, e.stream_id
        state = self.open.get(stream)
        if state is None:
            state = self._state_before(e, recorded)
            if state is None:
                return
            self.open[stream] = state
        if recorded:
            self._check(state, e)
        apply_facts(state, e)
        if state.closed:
            del self.open[stream]
            self.closed[stream] = state
            if len(self.closed) > self.kept_closed:
                self.closed.popitem(last=False)

    def _state_before(self, e: StoredEvent, needed: bool) -> RequestState | None:
        """The state before ``e`` of a request not open: taken out of the closed ones
        (``feed`` puts it back at their end), or new, or, if it was dropped, re-folded
        from the store when ``needed`` (else None)."""
        state = self.closed.pop(e.stream_id, None)
        if state is not None:
            return state
        if e.version == 1:
            return RequestState(request_of(e.stream_id), e.agency)
        if not needed:
            return None
        earlier = [x for x in self.store.read_stream(e.stream_id) if x.position < e.position]
        agency = earlier[0].agency if earlier else e.agency
        state = RequestState(request_of(e.stream_id), agency)
        for x in earlier:
            if x.type.startswith(AUDITED_PREFIX):
                apply_facts(state, x)
        return state

    def _check(self, state: RequestState, e: StoredEvent) -> None:
        """Compare a recorded deadline with the one derived from the events before it."""
        due, provisional = self._derive(state)
        recorded = (e.data.get("due"), bool(e.data.get("provisional")))
        self.checked += 1
        if (due, provisional) != recorded:
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
                    derived_provisional=provisional,
                )
            )

    def _derive(self, state: RequestState) -> tuple[str | None, bool]:
        """The request's deadline now (ISO due date, provisional), derived once per
        ``clock_key`` under the current calendar."""
        key = clock_key(state)
        found = self.derived.get(key)
        if found is None:
            derived = deadline(state, self.calendar)
            found = (derived.due.isoformat() if derived.due else None, derived.provisional)
            if len(self.derived) >= DERIVED_KEPT:
                self.derived.clear()
            self.derived[key] = found
        return found

    def result(self) -> DeadlineAudit:
        """How many were checked, and the ones that disagree."""
        return DeadlineAudit(self.checked, tuple(self.mismatches), self.wrong)
