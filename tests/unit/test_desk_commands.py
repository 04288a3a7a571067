"""The intake desk's command handlers on the in-memory store: what they record and refuse.

Each test drives ``ledger.commands.requests`` directly (no CLI, no database: the
databases pass the same store contract). A refusal must say why and write nothing.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import date

import pytest

from ledger.applicants import Applicant
from ledger.commands import requests as cmd
from ledger.commands._context import Desk
from ledger.commands._once import exactly_once
from ledger.errors import InvalidInput, LedgerError, NotFound, RuleViolation
from ledger.events.memory import MemoryStore
from ledger.events.requests import stream_of

TODAY = date(2021, 6, 30)
MARCH_1 = date(2021, 3, 1)
ZHANG = Applicant(name="张三", id_number="110101199001011234", phone="13800000000")


@pytest.fixture
def desk() -> Desk:
    return Desk(MemoryStore(), "clerk", "default", TODAY)


def receive(desk: Desk, rid: str | None = "R1", on: date = MARCH_1, **kw: object) -> cmd.Recorded:
    return cmd.record_receipt(desk, cmd.RecordReceipt(on, "in-person", "natural", rid, **kw))


def refused(desk: Desk, kind: type[LedgerError], match: str, run: Callable[[], object]) -> str:
    """Run a refused command; the log must be unchanged. The message is returned."""
    head = desk.store.last_position()
    with pytest.raises(kind, match=match) as caught:
        run()
    assert desk.store.last_position() == head
    assert "\n" not in str(caught.value)
    return str(caught.value)


def test_receipt_records_the_request_and_its_deadline(desk: Desk) -> None:
    """A receipt stores the request and a DeadlineSet of 20 working days (Art. 33)."""
    recorded = receive(desk)
    assert [e.type for e in recorded.events] == ["request.received", "request.deadline-set"]
    assert recorded.state.received_on == MARCH_1
    assert recorded.state.version == 2
    assert recorded.deadline.due == date(2021, 3, 29)
    assert recorded.events[1].data["due"] == "2021-03-29"
    assert cmd.load(desk, "R1") == recorded.state


def test_omitted_ids_are_assigned_in_sequence(desk: Desk) -> None:
    """Without an id, the next free AGENCY-YEAR-NNNN is taken."""
    first = receive(desk, None)
    second = receive(desk, None)
    assert (first.request_id, second.request_id) == ("default-2021-0001", "default-2021-0002")


def test_an_existing_id_is_refused(desk: Desk) -> None:
    """Receiving under an id already recorded is refused, naming it."""
    receive(desk)
    refused(desk, cmd.IdTaken, "R1 already exists", lambda: receive(desk))


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"on": date(2021, 7, 1)}, r"--date: 2021-07-01 is after today"),
        ({"confirmed": date(2021, 2, 1)}, r"--confirmed 2021-02-01 is before the day submitted"),
        ({"rid": "bad id"}, r"ID: 'bad id' is not allowed"),
    ],
)
def test_bad_receipts_are_refused(desk: Desk, kw: dict[str, object], match: str) -> None:
    """Dates after today or before submission, and unsafe ids, are refused."""
    kind = RuleViolation if "confirmed" in kw else InvalidInput
    refused(desk, kind, match, lambda: receive(desk, **kw))


def test_unknown_channel_is_refused(desk: Desk) -> None:
    """A channel outside the list is refused, naming the allowed ones."""
    receipt = cmd.RecordReceipt(MARCH_1, "pigeon", "natural", "R1")
    refused(
        desk,
        InvalidInput,
        "--channel: 'pigeon' is not a channel; use one of",
        lambda: cmd.record_receipt(desk, receipt),
    )


def test_applicant_is_stored_once_and_recognised(desk: Desk) -> None:
    """A new applicant's data is stored with the receipt; the next receipt reuses the reference."""
    first = receive(desk, "R1", person=ZHANG)
    ref = first.state.applicant_ref
    assert ref is not None
    assert (desk.store.applicants.read(ref) or {})["name"] == "张三"
    second = receive(desk, "R2", person=Applicant(id_number=ZHANG.id_number))
    assert second.state.applicant_ref == ref


def test_a_refused_receipt_stores_no_applicant(desk: Desk) -> None:
    """When the receipt is refused, the applicant's data is not stored either."""
    receive(desk)
    refused(desk, cmd.IdTaken, "already exists", lambda: receive(desk, person=ZHANG))
    assert desk.store.applicants.find_ref(ZHANG) is None


def test_unknown_request_is_refused(desk: Desk) -> None:
    """A step on an id never received is refused, pointing to `ledger list`."""
    refused(
        desk, NotFound, "request NOPE: no such request", lambda: cmd.withdraw(desk, "NOPE", MARCH_1)
    )


def test_clarification_stops_the_clock_and_only_once(desk: Desk) -> None:
    """One clarification notice per request (Art. 30); the corrected request restarts the period."""
    receive(desk)
    asked = cmd.request_clarification(desk, "R1", date(2021, 3, 3), date(2021, 3, 20))
    assert asked.deadline.due is None
    message = refused(
        desk, RuleViolation, "already had a clarification notice",
        lambda: cmd.request_clarification(desk, "R1", date(2021, 3, 4), date(2021, 3, 20)),
    )  # fmt: skip
    assert "Art. 30" in message
    answered = cmd.record_clarified(desk, "R1", date(2021, 3, 10))
    assert answered.deadline.due == date(2021, 4, 8)


def test_clarified_needs_an_open_clarification(desk: Desk) -> None:
    """Recording the corrected request without a notice is refused."""
    receive(desk)
    refused(
        desk,
        RuleViolation,
        "has no open clarification",
        lambda: cmd.record_clarified(desk, "R1", MARCH_1),
    )


def test_extension_is_limited_to_20_working_days(desk: Desk) -> None:
    """Extensions add to the due date, at most 20 working days in all (Art. 33)."""
    receive(desk)
    extended = cmd.grant_extension(desk, "R1", date(2021, 3, 2), 15, "王主任")
    assert extended.deadline.due == date(2021, 4, 20)
    refused(
        desk, RuleViolation, "would make 21 working days of extension; at most 20",
        lambda: cmd.grant_extension(desk, "R1", date(2021, 3, 3), 6, "王主任"),
    )  # fmt: skip
    refused(
        desk,
        InvalidInput,
        "--approver is empty",
        lambda: cmd.grant_extension(desk, "R1", date(2021, 3, 3), 1, " "),
    )


def test_consultation_pauses_until_the_opinion(desk: Desk) -> None:
    """A consultation stops the clock; ending one that is not open is refused."""
    receive(desk)
    cmd.start_consultation(desk, "R1", date(2021, 3, 2), "某建设公司")
    refused(
        desk,
        RuleViolation,
        "already awaiting an opinion",
        lambda: cmd.start_consultation(desk, "R1", date(2021, 3, 3), "某建设公司"),
    )
    refused(
        desk,
        RuleViolation,
        "no open consultation with '别的单位'",
        lambda: cmd.end_consultation(desk, "R1", date(2021, 3, 3), "别的单位"),
    )
    ended = cmd.end_consultation(desk, "R1", date(2021, 3, 9), "某建设公司")
    assert ended.deadline.due is not None
    assert ended.deadline.due > date(2021, 3, 29)


def test_fee_notice_and_payment(desk: Desk) -> None:
    """A fee notice stops the clock until paid; payment without a notice is refused."""
    receive(desk)
    refused(
        desk,
        RuleViolation,
        "no unpaid fee notice",
        lambda: cmd.record_payment(desk, "R1", date(2021, 3, 2)),
    )
    noticed = cmd.issue_fee_notice(desk, cmd.IssueFeeNotice("R1", date(2021, 3, 2), amount="100"))
    assert noticed.deadline.due is None
    refused(
        desk,
        RuleViolation,
        "already had a fee notice on 2021-03-02 .unpaid.; the fee measures",
        lambda: cmd.issue_fee_notice(desk, cmd.IssueFeeNotice("R1", date(2021, 3, 3), amount="5")),
    )
    paid = cmd.record_payment(desk, "R1", date(2021, 3, 5))
    assert paid.deadline.due is not None


def test_free_pages_record_nothing(desk: Desk) -> None:
    """A per-page fee for 30 pages or fewer is nothing: no event is stored."""
    receive(desk)
    head = desk.store.last_position()
    recorded = cmd.issue_fee_notice(
        desk, cmd.IssueFeeNotice("R1", date(2021, 3, 2), method="per-page", pages=10)
    )
    assert recorded.events == ()
    assert "nothing recorded" in recorded.note
    assert desk.store.last_position() == head


def test_fees_before_the_measures_are_refused(desk: Desk) -> None:
    """No fee notice before the 2020 fee measures took effect."""
    receive(desk, on=date(2020, 3, 2))
    refused(
        desk,
        RuleViolation,
        "before .* when the fee measures",
        lambda: cmd.issue_fee_notice(desk, cmd.IssueFeeNotice("R1", date(2020, 3, 3), amount="10")),
    )


def test_defer_must_be_later_than_the_statutory_date(desk: Desk) -> None:
    """Art. 35 allows only a later due date, with a reason."""
    receive(desk)
    refused(
        desk,
        RuleViolation,
        "is not later than the statutory due date 2021-03-29",
        lambda: cmd.defer_deadline(desk, "R1", date(2021, 3, 2), date(2021, 3, 20), "多"),
    )
    deferred = cmd.defer_deadline(
        desk, "R1", date(2021, 3, 2), date(2021, 5, 31), "一个月内申请200件"
    )
    assert deferred.deadline.due == date(2021, 5, 31)


def test_closure_needs_its_circumstances(desk: Desk) -> None:
    """Closing for no clarification or an unpaid fee is refused without them."""
    receive(desk)
    refused(
        desk,
        RuleViolation,
        "other.no-clarification needs an open clarification",
        lambda: cmd.issue_decision(desk, "R1", date(2021, 3, 5), "other.no-clarification"),
    )
    refused(
        desk,
        RuleViolation,
        "other.fee-unpaid needs a fee notice",
        lambda: cmd.issue_decision(desk, "R1", date(2021, 3, 5), "other.fee-unpaid"),
    )


def test_a_closed_request_takes_no_further_steps(desk: Desk) -> None:
    """After a decision or withdrawal every further step is refused."""
    receive(desk)
    receive(desk, "R2")
    decided = cmd.issue_decision(desk, "R1", date(2021, 3, 15), "disclosed")
    assert decided.state.closed
    cmd.withdraw(desk, "R2", date(2021, 3, 2))
    refused(
        desk,
        RuleViolation,
        "R1 was decided .* takes no further steps",
        lambda: cmd.withdraw(desk, "R1", date(2021, 3, 16)),
    )
    refused(
        desk,
        RuleViolation,
        "R2 was withdrawn on 2021-03-02",
        lambda: cmd.record_payment(desk, "R2", date(2021, 3, 16)),
    )


def test_step_dates_are_checked(desk: Desk) -> None:
    """A step before the receipt or after today is refused."""
    receive(desk)
    refused(
        desk,
        RuleViolation,
        "before the date of receipt",
        lambda: cmd.withdraw(desk, "R1", date(2021, 2, 1)),
    )
    refused(
        desk, InvalidInput, "is after today", lambda: cmd.withdraw(desk, "R1", date(2021, 7, 1))
    )


def test_commit_leaves_the_callers_state_alone(desk: Desk) -> None:
    """A command returns the new state without changing the state it was given."""
    receive(desk)
    cmd.request_clarification(desk, "R1", date(2021, 3, 3), date(2021, 3, 20))
    state = cmd.load(desk, "R1")
    before = copy.deepcopy(state)

    @exactly_once(lambda _desk, _command_id: None)  # commit runs inside a desk command
    def clarified(at: Desk) -> cmd.Recorded:
        return cmd.commit(at, state, [cmd.ev.Clarified()], date(2021, 3, 10), "corrected")

    recorded = clarified(desk)
    assert state == before
    assert recorded.state != before
    assert recorded.state.clarifications[0].clarified_on == date(2021, 3, 10)
    assert state.clarifications[0].clarified_on is None
    assert recorded.state == cmd.load(desk, "R1")
    assert recorded.state.version == desk.store.stream_version(stream_of("R1"))
