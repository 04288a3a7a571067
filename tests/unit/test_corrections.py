"""The correction handlers on the in-memory store: what they record and what they refuse.

A refusal must name the field in one line and write nothing (``refused`` checks both).
"""

from __future__ import annotations

from datetime import date

import pytest

from ledger.commands import corrections as fix
from ledger.commands import requests as cmd
from ledger.commands._context import Desk
from ledger.errors import InvalidInput, RuleViolation
from ledger.events.memory import MemoryStore
from ledger.projections.requests import fold
from tests.unit.test_desk_commands import MARCH_1, TODAY, receive, refused


@pytest.fixture
def desk() -> Desk:
    return Desk(MemoryStore(), "clerk", "default", TODAY)


def test_a_correction_needs_a_reason(desk: Desk) -> None:
    """An empty --reason is refused, naming the option."""
    receive(desk)
    refused(desk, InvalidInput, "--reason", lambda: fix.correct(desk, fix.Correction("R1", " ")))


def test_a_date_of_receipt_after_a_step_is_refused(desk: Desk) -> None:
    """The corrected date of receipt may not fall after a step already recorded."""
    receive(desk)
    cmd.request_clarification(desk, "R1", date(2021, 3, 3), date(2021, 3, 20))
    c = fix.Correction("R1", "misread", date=date(2021, 3, 5))
    refused(desk, RuleViolation, "would be after step", lambda: fix.correct(desk, c))


def test_a_step_with_a_later_partner_is_retracted_after_it(desk: Desk) -> None:
    """A clarification answered must have its answer retracted first, then it can go."""
    receive(desk)
    asked = cmd.request_clarification(desk, "R1", date(2021, 3, 3), date(2021, 3, 20))
    answered = cmd.record_clarified(desk, "R1", date(2021, 3, 8))
    first, second = asked.events[0].position, answered.events[0].position
    refused(
        desk, RuleViolation, f"followed by #{second}", lambda: fix.retract(desk, "R1", first, "x")
    )
    fix.retract(desk, "R1", second, "not answered yet")
    state = fix.retract(desk, "R1", first, "never sent").state
    assert state is not None
    assert state.clarifications == []
    assert state.retracted == {asked.events[0].version, answered.events[0].version}


def test_a_retracted_step_cannot_be_retracted_again(desk: Desk) -> None:
    """A second retraction of the same step is refused, naming --step."""
    receive(desk)
    deferred = cmd.defer_deadline(desk, "R1", date(2021, 3, 2), date(2021, 6, 1), "大量")
    position = deferred.events[0].position
    fix.retract(desk, "R1", position, "not excessive after all")
    refused(desk, RuleViolation, "--step", lambda: fix.retract(desk, "R1", position, "again"))


def test_a_withdrawal_is_not_corrected_as_a_decision(desk: Desk) -> None:
    """A withdrawn request's outcome is not corrected: the withdrawal is retracted instead."""
    receive(desk)
    cmd.withdraw(desk, "R1", date(2021, 3, 5))
    c = fix.Correction("R1", "typo", outcome="partial")
    refused(desk, RuleViolation, "retract the withdrawal", lambda: fix.correct(desk, c))


def test_a_lone_receipt_retracted_leaves_the_books(desk: Desk) -> None:
    """A receipt with no steps left can be retracted; the request is then not in the books."""
    recorded = receive(desk)
    result = fix.retract(desk, "R1", recorded.events[0].position, "entered twice")
    assert result.state is None
    assert fold("R1", desk.store.read_stream("request-R1")) is None
    refused(desk, cmd.IdTaken, "ID R1 was used by a receipt since retracted", lambda: receive(desk))
    assert receive(desk, None).request_id == "default-2021-0001"


def test_a_corrected_decision_date_follows_the_rules_of_dates(desk: Desk) -> None:
    """--decided is checked like any fact date, and may not precede the last step."""
    receive(desk)
    cmd.issue_decision(desk, "R1", date(2021, 3, 20), "disclosed")
    future = fix.Correction("R1", "typo", decided=date(2021, 7, 1))
    refused(
        desk,
        InvalidInput,
        "--decided: 2021-07-01 is after today",
        lambda: fix.correct(desk, future),
    )
    early = fix.Correction("R1", "typo", decided=MARCH_1)
    result = fix.correct(desk, early)
    assert result.state is not None
    assert result.state.decided_on == MARCH_1


def test_a_retracted_receipt_no_longer_counts_in_the_applicants_month(desk: Desk) -> None:
    """Per-request fees count the applicant's requests of the month without retracted ones."""
    from tests.unit.test_desk_commands import ZHANG

    for n in range(1, 12):
        receive(desk, f"M{n}", date(2021, 3, n), person=ZHANG)
    assert cmd.nth_in_month(desk, cmd.load(desk, "M11")) == 11
    first = cmd.load(desk, "M1").applied[0].position
    fix.retract(desk, "M1", first, "the same letter as M2")
    assert cmd.nth_in_month(desk, cmd.load(desk, "M11")) == 10
    fix.correct(desk, fix.Correction("M2", "received in April", date=date(2021, 4, 1)))
    assert cmd.nth_in_month(desk, cmd.load(desk, "M11")) == 9
