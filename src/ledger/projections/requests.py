"""A request's state: a pure fold of its events, and the clock input derived from it.

The fold works on stored payloads (dictionaries) dispatched by event type, one small
``_apply_*`` function per type: replaying hundreds of thousands of events through
validated model objects costs several times more (ORM replay was measured at 1/20 of
raw scanning), and the payloads were validated when they were written.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from copy import copy
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime
from typing import Any, Final

from ledger.calendar import WorkingCalendar
from ledger.clock import (
    CLARIFICATION_NOTICE_DAYS,
    FEE_PAYMENT_DAYS,
    REGIME_2019,
    ClockInput,
    Deadline,
    Pause,
    add_working_days,
    compute_deadline,
    consultation_pause,
    regime_for,
)
from ledger.events.requests import request_of
from ledger.events.store import StoredEvent
from ledger.i18n import _
from ledger.lateness import days_late
from ledger.texts import value_of


@dataclass
class Clarification:
    requested_on: date
    reply_by: date
    clarified_on: date | None = None


@dataclass
class Consultation:
    party: str
    started_on: date
    ended_on: date | None = None
    received_on: date | None = None  # by the party; None: the day sent (Art. 32, 34)
    kind: str = "third-party"

    @property
    def received(self) -> date:
        """The day the party received the letter, from which its 15 working days run."""
        return self.received_on or self.started_on


@dataclass
class FeeNotice:
    notice_on: date
    amount: str
    method: str
    paid_on: date | None = None
    received_on: date | None = None  # by the applicant; None: the day sent

    @property
    def received(self) -> date:
        """The day the applicant received the notice, from which the 20 days to pay run."""
        return self.received_on or self.notice_on


@dataclass
class Extension:
    granted_on: date
    days: int
    approver: str


@dataclass
class TimelineEntry:
    """One line of a request's history as shown to a person."""

    position: int
    on: date
    type: str
    data: dict[str, Any]
    actor: str
    recorded_at: datetime
    note: str = ""  # "corrected by #N", "retracted by #N": set when a correction follows


@dataclass
class RequestState:
    """Everything known about one request, folded from its stream."""

    id: str
    agency: str
    version: int = 0
    channel: str = ""
    applicant: str = ""
    applicant_ref: str | None = None
    subject: str = ""
    received_on: date = date.min
    clarifications: list[Clarification] = field(default_factory=list)
    consultations: list[Consultation] = field(default_factory=list)
    fees: list[FeeNotice] = field(default_factory=list)
    extensions: list[Extension] = field(default_factory=list)
    deferred_until: date | None = None
    outcome: str | None = None
    decided_on: date | None = None
    withdrawn: bool = False
    recorded_due: date | None = None
    recorded_provisional: bool = False
    deadline_recorded: bool = False
    carried_out_of: list[int] = field(default_factory=list)
    timeline: list[TimelineEntry] = field(default_factory=list)
    # The events folded so far (a retraction re-folds them without the retracted one)
    # and the stream versions retracted (docs/corrections.md).
    applied: list[StoredEvent] = field(default_factory=list, compare=False, repr=False)
    retracted: set[int] = field(default_factory=set)
    recorded_late: int = 0  # facts recorded well after their date (ledger.lateness)
    # Where the request begins in the log (its order in a replay) and the latest effective
    # date of its events (whether a read as of a day may use the projection's row).
    first_position: int = 0
    last_effective: date = date.min

    @property
    def closed(self) -> bool:
        return self.outcome is not None

    @property
    def open_clarification(self) -> Clarification | None:
        last = self.clarifications[-1] if self.clarifications else None
        return last if last is not None and last.clarified_on is None else None

    @property
    def unpaid_fee(self) -> FeeNotice | None:
        last = self.fees[-1] if self.fees else None
        return last if last is not None and last.paid_on is None else None

    @property
    def extension_days(self) -> int:
        return sum(e.days for e in self.extensions)

    def open_consultation(self, party: str) -> Consultation | None:
        """The consultation with ``party`` still awaiting its opinion, if any."""
        for c in reversed(self.consultations):
            if c.party == party and c.ended_on is None:
                return c
        return None


def copy_state(state: RequestState) -> RequestState:
    """A copy that ``apply`` can change without changing ``state`` (its parts included).

    A shallow copy with its lists and parts copied: ``dataclasses.replace`` would pass
    every field through ``__init__`` again, and a desk command copies twice.
    """
    new = copy(state)
    new.clarifications = [copy(c) for c in state.clarifications]
    new.consultations = [copy(c) for c in state.consultations]
    new.fees = [copy(f) for f in state.fees]
    new.extensions = list(state.extensions)
    new.carried_out_of = list(state.carried_out_of)
    new.timeline = list(state.timeline)
    new.applied = list(state.applied)
    new.retracted = set(state.retracted)
    return new


def _d(value: str) -> date:
    return date.fromisoformat(value)


def _received(s: RequestState, d: dict[str, Any], _e: StoredEvent) -> None:
    s.channel, s.applicant = d["channel"], d["applicant"]
    s.applicant_ref, s.subject = d.get("applicant_ref"), value_of(d, "subject") or ""
    s.received_on = _d(d["received_on"])


def _clarify(s: RequestState, d: dict[str, Any], e: StoredEvent) -> None:
    s.clarifications.append(Clarification(e.effective_date, _d(d["reply_by"])))


def _clarified(s: RequestState, _d: dict[str, Any], e: StoredEvent) -> None:
    if s.open_clarification is not None:
        s.open_clarification.clarified_on = e.effective_date


def _extend(s: RequestState, d: dict[str, Any], e: StoredEvent) -> None:
    s.extensions.append(Extension(e.effective_date, int(d["days"]), value_of(d, "approver")))


def _consult(s: RequestState, d: dict[str, Any], e: StoredEvent) -> None:
    received = d.get("received_on")
    s.consultations.append(
        Consultation(
            value_of(d, "party"),
            e.effective_date,
            received_on=_d(received) if received else None,
            kind=d.get("kind", "third-party"),
        )
    )


def _consulted(s: RequestState, d: dict[str, Any], e: StoredEvent) -> None:
    c = s.open_consultation(value_of(d, "party"))
    if c is not None:
        c.ended_on = e.effective_date


def _fee(s: RequestState, d: dict[str, Any], e: StoredEvent) -> None:
    received = d.get("received_on")
    notice = FeeNotice(e.effective_date, d["amount"], d["method"])
    notice.received_on = _d(received) if received else None
    s.fees.append(notice)


def _paid(s: RequestState, _d: dict[str, Any], e: StoredEvent) -> None:
    if s.unpaid_fee is not None:
        s.unpaid_fee.paid_on = e.effective_date


def _defer(s: RequestState, d: dict[str, Any], _e: StoredEvent) -> None:
    s.deferred_until = _d(d["until"])


def _deadline(s: RequestState, d: dict[str, Any], _e: StoredEvent) -> None:
    s.recorded_due = _d(d["due"]) if d.get("due") else None
    s.recorded_provisional = bool(d.get("provisional"))
    s.deadline_recorded = True


def _carried(s: RequestState, d: dict[str, Any], _e: StoredEvent) -> None:
    if int(d["year"]) not in s.carried_out_of:
        s.carried_out_of.append(int(d["year"]))


def _revoked(s: RequestState, d: dict[str, Any], _e: StoredEvent) -> None:
    if int(d["year"]) in s.carried_out_of:
        s.carried_out_of.remove(int(d["year"]))


def _decide(s: RequestState, d: dict[str, Any], e: StoredEvent) -> None:
    s.outcome, s.decided_on = d["outcome"], e.effective_date


def _withdraw(s: RequestState, _d: dict[str, Any], e: StoredEvent) -> None:
    s.outcome, s.decided_on, s.withdrawn = "other", e.effective_date, True


def _receipt_corrected(s: RequestState, d: dict[str, Any], _e: StoredEvent) -> None:
    if d.get("received_on"):
        s.received_on = _d(d["received_on"])
    for name in ("channel", "applicant", "agency", "subject"):
        if value_of(d, name) is not None:
            setattr(s, name, value_of(d, name))


def _decision_corrected(s: RequestState, d: dict[str, Any], _e: StoredEvent) -> None:
    if not s.closed or s.withdrawn:
        return  # its decision was retracted: the correction went with it
    if d.get("outcome") is not None:
        s.outcome = d["outcome"]
    if d.get("decided_on"):
        s.decided_on = _d(d["decided_on"])


_KEPT = frozenset(
    {"id", "version", "timeline", "applied", "retracted", "first_position", "last_effective"}
)
_FACTS = tuple(f.name for f in fields(RequestState) if f.name not in _KEPT)


def _step_retracted(s: RequestState, d: dict[str, Any], _e: StoredEvent) -> None:
    """Re-fold the events applied so far without the retracted one (and earlier ones)."""
    s.retracted.add(int(d["step_version"]))
    fresh = RequestState(s.id, s.applied[0].agency if s.applied else s.agency)
    for event in s.applied:
        if event.version not in s.retracted:
            APPLY[event.type](fresh, event.data, event)
    for name in _FACTS:
        setattr(s, name, getattr(fresh, name))


Apply = Callable[[RequestState, dict[str, Any], StoredEvent], None]

APPLY: dict[str, Apply] = {
    "request.received": _received,
    "request.clarification-requested": _clarify,
    "request.clarified": _clarified,
    "request.extension-granted": _extend,
    "request.consultation-started": _consult,
    "request.consultation-ended": _consulted,
    "request.fee-notice-issued": _fee,
    "request.fee-paid": _paid,
    "request.deadline-deferred": _defer,
    "request.deadline-set": _deadline,
    "request.decision-issued": _decide,
    "request.withdrawn": _withdraw,
    "request.carried-over": _carried,
    "request.carry-over-revoked": _revoked,
    "request.receipt-corrected": _receipt_corrected,
    "request.decision-corrected": _decision_corrected,
    "request.step-retracted": _step_retracted,
}

CORRECTED_STEP = {
    "request.receipt-corrected": ("request.received",),
    "request.decision-corrected": ("request.decision-issued",),
}
"""Which step's timeline entry a correction marks as corrected."""


def apply(state: RequestState, event: StoredEvent, *, timeline: bool = True) -> RequestState:
    """Fold one stored event into the state (unknown types are left for other projections)."""
    apply_facts(state, event)
    if days_late(event.type, event.effective_date, event.recorded_at) is not None:
        state.recorded_late += 1
    state.version = max(state.version, event.version)
    if not state.first_position:
        state.first_position = event.position
    state.last_effective = max(state.last_effective, event.effective_date)
    if timeline:
        _mark(state, event)
        state.timeline.append(
            TimelineEntry(
                event.position,
                event.effective_date,
                event.type,
                event.data,
                event.actor,
                event.recorded_at,
            )
        )
    return state


def apply_facts(state: RequestState, event: StoredEvent) -> None:
    """Fold only the request's facts (dates, pauses, outcome: what ``deadline`` and
    ``closed`` read), not its bookkeeping (version, positions, lateness, timeline): the
    deadline audit folds every event of the log and needs no more."""
    handler = APPLY.get(event.type)
    if handler is not None:
        handler(state, event.data, event)
        if handler is not _step_retracted:
            state.applied.append(event)


def _mark(state: RequestState, event: StoredEvent) -> None:
    """Note on the original entry that a correction or retraction followed it."""
    if event.type == "request.step-retracted":
        version = int(event.data["step_version"])
        targets = [e.position for e in state.applied if e.version == version]
        note = f"retracted by #{event.position}"
    elif event.type in CORRECTED_STEP:
        kinds = CORRECTED_STEP[event.type]
        found = [
            e.position
            for e in state.applied
            if e.type in kinds and e.version not in state.retracted
        ]
        targets, note = found[-1:], f"corrected by #{event.position}"
    else:
        return
    for i, entry in enumerate(state.timeline):
        if entry.position in targets:
            joined = f"{entry.note}; {note}" if entry.note else note
            state.timeline[i] = replace(entry, note=joined)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a projection builds its objects."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def state_of(states: dict[str, RequestState], event: StoredEvent) -> RequestState:
    """The state of the event's request in a fold over many, begun at its first event."""
    state = states.get(event.stream_id)
    if state is None:
        state = states[event.stream_id] = RequestState(request_of(event.stream_id), event.agency)
    return state


@dataclass(frozen=True, slots=True)
class CarryFacts:
    """What the report's check compares of a request with the year closes: whether it was
    open at a year's end (receipt and answer), whether a close carried it over, and where
    it begins in the log (the order its disagreements are listed in). The request table
    keeps each in a column of the row, so the check reads no kept state."""

    id: str
    agency: str
    channel: str
    received_on: date
    decided_on: date | None
    carried_out_of: frozenset[int]
    first_position: int

    @classmethod
    def of(cls, state: RequestState) -> CarryFacts:
        """A folded request's."""
        s, carried = state, frozenset(state.carried_out_of)
        return cls(
            s.id, s.agency, s.channel, s.received_on, s.decided_on, carried, s.first_position
        )


def open_at_end(state: RequestState | CarryFacts, year: int) -> bool:
    """Received by 31 December of ``year`` and not closed on or before it: the request is
    carried over out of that year (table 3's 结转下年度, and what ``close-year`` records)."""
    end = date(year, 12, 31)
    return state.received_on <= end and (state.decided_on is None or state.decided_on > end)


Footprint = tuple[str | None, str | None, tuple[str, str] | None, str | None]
"""A request's part in one year's table 3: the applicant column it is new in, carried in
in, (outcome, column) decided in, carried out in; None where it is not counted."""


def footprint(state: RequestState, year: int) -> Footprint:
    """Where table 3 (``projections/annual.py: table3``) counts this request in ``year``.

    The closed-year guard compares it before and after a change: a change whose effect
    reaches a closed year's table 3 needs ``--amend`` (docs/corrections.md).
    """
    if not state.channel:
        return (None, None, None, None)
    column = state.applicant
    decided = state.decided_on is not None and state.decided_on.year == year and state.outcome
    return (
        column if state.received_on.year == year else None,
        column if open_at_end(state, year - 1) else None,
        (str(state.outcome), column) if decided else None,
        column if open_at_end(state, year) else None,
    )


def fold(request_id: str, events: Iterable[StoredEvent]) -> RequestState | None:
    """The state of one request from its stream (None if it was never received)."""
    state: RequestState | None = None
    for event in events:
        if state is None:
            state = RequestState(request_id, event.agency)
        apply(state, event)
    return state if state is not None and state.channel else None


def quiet_fold(request_id: str, events: Iterable[StoredEvent]) -> RequestState:
    """The state of one request from its stream, without the timeline a reader shows
    (a projection's row keeps none); the state of nothing received has no channel."""
    state: RequestState | None = None
    for event in events:
        if state is None:
            state = RequestState(request_id, event.agency)
        apply(state, event, timeline=False)
    return state if state is not None else RequestState(request_id, "")


def clock_input(state: RequestState, cal: WorkingCalendar) -> ClockInput:
    """What the statutory clock needs from a request's history."""
    pauses = [
        consultation_pause(
            c.started_on, c.ended_on, cal, c.party, received_on=c.received_on, kind=c.kind
        )
        for c in state.consultations
    ]
    pauses += [Pause(f.notice_on, f.paid_on, _("fee notice until payment")) for f in state.fees]
    waiting = state.open_clarification
    if waiting is not None:
        pauses.append(Pause(waiting.requested_on, None, _("awaiting the corrected request")))
    restarts = [c.clarified_on for c in state.clarifications if c.clarified_on is not None]
    return ClockInput(
        received_on=state.received_on,
        pauses=tuple(pauses),
        restart_on=max(restarts) if restarts else None,
        extension_days=state.extension_days,
        deferred_until=state.deferred_until,
    )


ClockKey = tuple[Any, ...]


def has_steps(state: RequestState) -> bool:
    """Whether anything between receipt and answer moves the request's deadline (a
    consultation, fee notice, clarification or extension): without, the deadline
    follows from the day of receipt and any deferral alone."""
    return bool(state.consultations or state.fees or state.clarifications or state.extensions)


def clock_key(state: RequestState) -> ClockKey:
    """Everything of a request that ``clock_input`` reads, as a hashable value, except
    the names in the pauses' reasons: two requests with equal keys have the same deadline
    under the same calendar, so a pass over many requests derives it once per key."""
    if not has_steps(state):
        return (state.received_on, state.deferred_until)  # most requests, most of the time
    return (
        state.received_on,
        tuple((c.started_on, c.ended_on, c.received_on, c.kind) for c in state.consultations),
        tuple((f.notice_on, f.paid_on) for f in state.fees),
        tuple((c.requested_on, c.clarified_on) for c in state.clarifications),
        tuple(e.days for e in state.extensions),
        state.deferred_until,
    )


def clarification_limit(state: RequestState, cal: WorkingCalendar) -> date | None:
    """The last day for a clarification notice: the 7th working day after receipt (Art. 30).

    None for a request under the 2007 Regulation, which set no such limit.
    """
    if regime_for(state.received_on) != REGIME_2019:
        return None
    return add_working_days(state.received_on, CLARIFICATION_NOTICE_DAYS, cal)


def late_clarification(state: RequestState, cal: WorkingCalendar) -> date | None:
    """The day a late clarification notice went out (after the Art. 30 limit), else None.

    A late notice still stops the clock (the applicant must still correct the request,
    and the Regulation attaches no other effect to lateness); it is derived, not stored,
    so ``show`` flags it and the report's statistics count it.
    """
    if not state.clarifications:
        return None
    limit = clarification_limit(state, cal)
    sent = state.clarifications[0].requested_on
    return sent if limit is not None and sent > limit else None


def fee_payment_due(notice: FeeNotice, cal: WorkingCalendar) -> date:
    """The last day to pay: the 20th working day after the applicant received the notice.

    The fee measures (国办函〔2020〕109号) count the 20 working days from the applicant's
    receipt of the notice; ``received`` is the sending date when no receipt was recorded.
    """
    return add_working_days(notice.received, FEE_PAYMENT_DAYS, cal)


def deadline(state: RequestState, cal: WorkingCalendar) -> Deadline:
    """The request's current statutory deadline.

    A desk command derives it twice (the command, then the request's projection row in
    the same append), and most requests have no pause, clarification or extension: for
    those the deadline is remembered per (receipt, deferral) and calendar object
    (``_SIMPLE``), whose working days never change (``WorkingCalendar`` is immutable).
    """
    if has_steps(state):
        return compute_deadline(clock_input(state, cal), cal)
    key = (state.received_on, state.deferred_until)
    kept = _SIMPLE.get(id(cal))
    if kept is None or kept[0] is not cal or len(kept[1]) >= SIMPLE_KEPT:
        if len(_SIMPLE) >= CALENDARS_KEPT:
            _SIMPLE.clear()
        kept = _SIMPLE[id(cal)] = (cal, {})
    found = kept[1]
    due = found.get(key)
    if due is None:
        due = found[key] = compute_deadline(clock_input(state, cal), cal)
    return due


SIMPLE_KEPT: Final = 4096
"""Deadlines ``deadline`` remembers per calendar (a few per day of receipt)."""
CALENDARS_KEPT: Final = 4
"""Calendars ``deadline`` remembers deadlines under: a desk's and its projection's, and
the ones before a schedule was recorded."""
_SIMPLE: dict[int, tuple[WorkingCalendar, dict[tuple[date, date | None], Deadline]]] = {}
"""Per calendar (kept alive with its entry, so its id is not reused meanwhile): the
deadlines of requests without pauses (``deadline``)."""


def status(state: RequestState, due: Deadline) -> str:
    """``closed`` once answered or withdrawn, ``paused`` while the clock stops, else ``open``."""
    if state.closed:
        return "closed"
    return "paused" if due.due is None else "open"
