"""Corrections replay as if the history had been right: properties over random histories.

Random desk histories (``test_request_fold``'s steps, refused ones included) go through
the real command handlers onto the in-memory store; then a step is retracted or a
decision corrected. Folding the log must give the facts of the history without that
step (or with the right outcome), every recorded deadline must still re-derive, and a
refused correction must write nothing.
"""

from __future__ import annotations

import contextlib
from datetime import date, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.commands import corrections as fix
from ledger.commands import requests as cmd
from ledger.commands._context import Desk
from ledger.errors import LedgerError
from ledger.events.memory import MemoryStore
from ledger.events.requests import stream_of
from ledger.events.store import StoredEvent
from ledger.projections.requests import RequestState, deadline, fold
from ledger.projections.views import all_requests
from tests.unit.test_request_fold import TODAY, check_recorded_deadlines, draw_step, run_step

FACTS = ("agency", "channel", "applicant", "subject", "received_on", "clarifications",
         "consultations", "fees", "extensions", "deferred_until", "outcome", "decided_on",
         "withdrawn", "carried_out_of")  # fmt: skip
"""What a request is (its derived deadline aside); not what was last told about it."""


def facts(state: RequestState | None) -> dict[str, Any]:
    """The facts of a folded request."""
    assert state is not None
    return {name: getattr(state, name) for name in FACTS}


def history(data: st.DataObject, desk: Desk, rid: str) -> None:
    """A receipt and up to 15 random steps (refusals simply record nothing)."""
    received = data.draw(st.dates(date(2019, 1, 1), date(2022, 12, 31)), label="received")
    cmd.record_receipt(desk, cmd.RecordReceipt(received, "in-person", "natural", rid))
    on = received
    for _ in range(data.draw(st.integers(1, 15), label="steps")):
        step = draw_step(data, cmd.load(desk, rid))
        on += timedelta(days=step.gap)
        with contextlib.suppress(LedgerError):
            run_step(desk, rid, step, on)


def stream(desk: Desk, rid: str) -> list[StoredEvent]:
    """The request's stored events."""
    return desk.store.read_stream(stream_of(rid))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_retracting_a_step_folds_as_if_it_had_never_been_recorded(data: st.DataObject) -> None:
    """retract(step) then fold == fold of the history without that step."""
    desk = Desk(MemoryStore(), "clerk", "default", TODAY)
    history(data, desk, "R")
    events = stream(desk, "R")
    steps = [e for e in events if e.type in fix.STEPS and e.type != "request.received"]
    if not steps:
        return
    target = data.draw(st.sampled_from(steps), label="retracted")
    head = desk.store.last_position()
    try:
        fix.retract(desk, "R", target.position, "recorded by mistake", approver="王主任")
    except LedgerError:
        assert desk.store.last_position() == head  # a refusal writes nothing
        return
    after = fold("R", stream(desk, "R"))
    without = fold("R", [e for e in events if e.position != target.position])
    assert facts(after) == facts(without)
    assert after is not None
    assert without is not None
    assert deadline(after, desk.calendar) == deadline(without, desk.calendar)
    assert [s for s in all_requests(desk.store, timeline=True) if s.id == "R"] == [after]
    check_recorded_deadlines(desk, "R")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), outcome=st.sampled_from(["disclosed", "partial", "unavailable.not-held"]))
def test_correcting_an_outcome_folds_as_if_it_had_been_recorded_right(
    data: st.DataObject, outcome: str
) -> None:
    """correct(outcome) then fold == fold of the history with that outcome decided."""
    desk = Desk(MemoryStore(), "clerk", "default", TODAY)
    history(data, desk, "R")
    events = stream(desk, "R")
    decision = next((e for e in events if e.type == "request.decision-issued"), None)
    if decision is None:
        return
    head = desk.store.last_position()
    try:
        fix.correct(desk, fix.Correction("R", "wrong outcome typed", outcome=outcome))
    except LedgerError:
        assert desk.store.last_position() == head
        return
    right = decision._replace(data={**decision.data, "outcome": outcome})
    rewritten = [right if e.position == decision.position else e for e in events]
    assert facts(fold("R", stream(desk, "R"))) == facts(fold("R", rewritten))
    check_recorded_deadlines(desk, "R")
