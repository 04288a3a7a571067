"""The rules of the Regulation as ledger reads them (docs/regulation-reading.md), one test each.

Each test records a request's steps through the commands on a real SQLite file and checks
the refusal or the date the rule gives; its docstring names the article.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.bootstrap import App, bootstrap
from ledger.commands import requests as cmd
from ledger.commands._context import Desk
from ledger.config import Config
from ledger.errors import RuleViolation
from ledger.events.store import StoredEvent
from ledger.projections.alerts import compute_alerts
from ledger.projections.annual import stats as annual_stats
from ledger.projections.requests import apply, deadline

TODAY = date(2026, 6, 30)


@pytest.fixture
def app(tmp_path: Path) -> Iterator[App]:
    """The application on a fresh SQLite file."""
    application = bootstrap(
        f"sqlite:///{tmp_path / 'desk.db'}", Config(backdate_days=3650), actor="clerk"
    )
    yield application
    application.close()


@pytest.fixture
def desk(app: App) -> Desk:
    """A desk with today pinned to 2026-06-30."""
    return Desk(app.store, "clerk", "default", TODAY)


def receive(desk: Desk, request_id: str, on: date, channel: str = "in-person") -> cmd.Recorded:
    """Record a receipt from a natural person."""
    return cmd.record_receipt(desk, cmd.RecordReceipt(on, channel, "natural", request_id))


def test_a_second_fee_notice_after_payment_is_refused(desk: Desk) -> None:
    """One fee per request (国办函〔2020〕109号; Art. 42): a paid notice bars a second one."""
    receive(desk, "R1", date(2026, 3, 2))
    cmd.issue_fee_notice(desk, cmd.IssueFeeNotice("R1", date(2026, 3, 3), amount="100"))
    cmd.record_payment(desk, "R1", date(2026, 3, 5))
    before = desk.store.read_stream("request-R1")
    with pytest.raises(RuleViolation) as refused:
        cmd.issue_fee_notice(desk, cmd.IssueFeeNotice("R1", date(2026, 3, 6), amount="50"))
    assert str(refused.value) == (
        "record fee: request R1 already had a fee notice on 2026-03-03 (paid 2026-03-05); "
        "the fee measures (国办函〔2020〕109号) allow one fee per request"
    )
    assert len(desk.store.read_stream("request-R1")) == len(before)


def test_a_second_fee_notice_while_unpaid_is_refused(desk: Desk) -> None:
    """One fee per request (国办函〔2020〕109号; Art. 42): an unpaid notice bars a second one."""
    receive(desk, "R1", date(2026, 3, 2))
    cmd.issue_fee_notice(desk, cmd.IssueFeeNotice("R1", date(2026, 3, 3), amount="100"))
    with pytest.raises(RuleViolation, match=r"\(unpaid\); the fee measures"):
        cmd.issue_fee_notice(desk, cmd.IssueFeeNotice("R1", date(2026, 3, 4), amount="50"))
    assert deadline(cmd.load(desk, "R1"), desk.calendar).due is None


def consult(
    desk: Desk, on: date, received: date | None = None, kind: str = "third-party"
) -> cmd.Recorded:
    """Consult 某公司 on request R1 (received 2026-03-02, a Monday)."""
    return cmd.start_consultation(desk, "R1", on, "某公司", received=received, kind=kind)


def test_a_third_party_has_15_working_days_from_receiving_the_letter(desk: Desk) -> None:
    """Art. 32: a letter sent 2026-03-03 and received 03-10 pauses the clock to 03-31, not 03-24."""
    receive(desk, "R1", date(2026, 3, 2))
    recorded = consult(desk, date(2026, 3, 3), received=date(2026, 3, 10))
    assert recorded.deadline.due == date(2026, 4, 28)
    state = cmd.load(desk, "R1")
    assert state.consultations[0].received == date(2026, 3, 10)
    assert state.consultations[0].kind == "third-party"


def test_a_letter_without_a_receipt_date_is_received_the_day_sent(desk: Desk) -> None:
    """Art. 32: without --received the 15 working days run from the sending date (2026-03-24)."""
    receive(desk, "R1", date(2026, 3, 2))
    assert consult(desk, date(2026, 3, 3)).deadline.due == date(2026, 4, 21)


def test_a_co_producing_agency_has_the_same_cap_and_silence_is_consent(desk: Desk) -> None:
    """Art. 34: a co-producing agency's 15 working days run from receipt; the alert says silence is consent."""
    receive(desk, "R1", date(2026, 3, 2))
    due = consult(desk, date(2026, 3, 3), date(2026, 3, 10), "joint-agency").deadline.due
    assert due == date(2026, 4, 28)
    found = compute_alerts(desk.store, desk.calendar, date(2026, 4, 1))
    expired = [a for a in found if a.kind == "consultation-expired"]
    assert [a.date for a in expired] == [date(2026, 3, 31)]
    assert "silence of a co-producing agency counts as consent (Art. 34)" in expired[0].message


def test_another_agency_pauses_until_its_opinion_arrives(desk: Desk) -> None:
    """Art. 33 para. 2: another agency's consultation has no cap; the clock stops until the opinion."""
    receive(desk, "R1", date(2026, 3, 2))
    stopped = consult(desk, date(2026, 3, 3), kind="agency").deadline
    assert stopped.due is None
    assert stopped.stopped_with == 19
    answered = cmd.end_consultation(desk, "R1", date(2026, 4, 30), "某公司")
    assert answered.deadline.due == date(2026, 5, 29)


def test_a_long_agency_consultation_is_alerted_after_15_working_days(desk: Desk) -> None:
    """Art. 33 para. 2: past 15 working days from receipt, an agency's silence is alerted, the clock still stopped."""
    receive(desk, "R1", date(2026, 3, 2))
    consult(desk, date(2026, 3, 3), kind="agency")
    assert not [
        a for a in compute_alerts(desk.store, desk.calendar, date(2026, 3, 24))
        if a.kind.startswith("consultation")
    ]
    found = compute_alerts(desk.store, desk.calendar, date(2026, 3, 25))
    long = [a for a in found if a.kind.startswith("consultation")]
    assert [(a.kind, a.date) for a in long] == [("consultation-long", date(2026, 3, 24))]
    assert "the clock stays stopped until it arrives (Art. 33)" in long[0].message


def test_a_consultation_payload_without_the_new_fields_reads_as_before(desk: Desk) -> None:
    """Art. 32: a consultation recorded before --received and --kind existed is a third party's, received the day sent."""
    receive(desk, "R1", date(2026, 3, 2))
    state = cmd.load(desk, "R1")
    old = StoredEvent(
        0, "request-R1", state.version + 1, "request.consultation-started", 1,
        {"party": "某公司"}, date(2026, 3, 3), desk.store.now(), "clerk", "default", None, "",
    )  # fmt: skip
    apply(state, old)
    assert (state.consultations[0].kind, state.consultations[0].received) == (
        "third-party",
        date(2026, 3, 3),
    )
    assert deadline(state, desk.calendar).due == date(2026, 4, 21)


def test_a_letter_received_before_it_was_sent_is_refused(desk: Desk) -> None:
    """Art. 32: the letter's receipt cannot precede its sending; the refusal names --received."""
    receive(desk, "R1", date(2026, 3, 2))
    with pytest.raises(RuleViolation, match="--received 2026-03-02 is before the letter was sent"):
        consult(desk, date(2026, 3, 3), received=date(2026, 3, 2))


def test_a_late_clarification_notice_is_flagged_and_counted(desk: Desk) -> None:
    """Art. 30: a notice after the 7th working day (2026-03-11) still stops the clock, is flagged, and is counted late."""
    receive(desk, "R1", date(2026, 3, 2))
    receive(desk, "R2", date(2026, 3, 2))
    cmd.request_clarification(desk, "R1", date(2026, 3, 12), date(2026, 3, 27))
    cmd.request_clarification(desk, "R2", date(2026, 3, 11), date(2026, 3, 27))
    late, on_time = cmd.load(desk, "R1"), cmd.load(desk, "R2")
    assert deadline(late, desk.calendar).due is None
    assert cmd.clarification_late(late, desk) == (
        "clarification notice sent 2026-03-12, after the 7th working day (2026-03-11) (Art. 30)"
    )
    assert cmd.clarification_late(on_time, desk) is None
    figures = annual_stats([late, on_time], 2026, desk.calendar)
    assert (figures.clarifications_used, figures.clarifications_late) == (2, 1)


def test_a_2007_request_has_no_clarification_limit(desk: Desk) -> None:
    """2007 Regulation: no 7-working-day limit for the notice, so none is late (Art. 30 of 2019 only)."""
    old = Desk(desk.store, "clerk", "default", date(2019, 4, 30))
    receive(old, "R1", date(2019, 3, 1))
    cmd.request_clarification(old, "R1", date(2019, 3, 29), date(2019, 4, 12))
    assert cmd.clarification_late(cmd.load(old, "R1"), old) is None


def test_the_fee_is_payable_for_20_working_days_from_the_applicants_receipt(desk: Desk) -> None:
    """Fee measures (国办函〔2020〕109号), Art. 42: a notice sent 2026-03-03 and received 03-10 is unpaid only after 04-08."""
    receive(desk, "R1", date(2026, 3, 2))
    notice = cmd.IssueFeeNotice("R1", date(2026, 3, 3), amount="100", received=date(2026, 3, 10))
    cmd.issue_fee_notice(desk, notice)
    assert cmd.load(desk, "R1").fees[0].received == date(2026, 3, 10)
    closing = Desk(desk.store, "clerk", "default", date(2026, 4, 9))
    with pytest.raises(RuleViolation, match="unpaid for 20 working days after the applicant received it"):
        cmd.issue_decision(closing, "R1", date(2026, 4, 8), "other.fee-unpaid")
    assert [a.date for a in compute_alerts(desk.store, desk.calendar, date(2026, 4, 9)) if a.kind == "fee-unpaid"] == [date(2026, 4, 8)]
    assert cmd.issue_decision(closing, "R1", date(2026, 4, 9), "other.fee-unpaid").state.closed


def test_a_2007_request_corrected_under_the_2019_regulation_gets_20_days(desk: Desk) -> None:
    """Art. 30 (2019): a request received 2019-05-14 and corrected 2019-05-20 is answered in a 2019 period, due 2019-06-18."""
    then = Desk(desk.store, "clerk", "default", date(2019, 6, 30))
    assert receive(then, "R1", date(2019, 5, 14)).deadline.regime == "2007"
    cmd.request_clarification(then, "R1", date(2019, 5, 16), date(2019, 5, 31))
    corrected = cmd.record_clarified(then, "R1", date(2019, 5, 20)).deadline
    assert (corrected.regime, corrected.days_allowed, corrected.due) == ("2019", 20, date(2019, 6, 18))
    assert corrected.max_extension == 20


def test_a_2007_request_corrected_before_the_2019_regulation_keeps_15_days(desk: Desk) -> None:
    """2007 Regulation, Art. 24: a request received and corrected before 2019-05-15 keeps 15 working days."""
    then = Desk(desk.store, "clerk", "default", date(2019, 6, 30))
    receive(then, "R1", date(2019, 5, 6))
    cmd.request_clarification(then, "R1", date(2019, 5, 8), date(2019, 5, 31))
    corrected = cmd.record_clarified(then, "R1", date(2019, 5, 14)).deadline
    assert (corrected.regime, corrected.days_allowed) == ("2007", 15)
    assert corrected.due == then.calendar.nth_working_day_after(date(2019, 5, 14), 15)


@pytest.fixture(scope="module")
def shared_desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    """One desk on one SQLite file for every example of a property (ids differ per example)."""
    folder = tmp_path_factory.mktemp("fees")
    application = bootstrap(f"sqlite:///{folder / 'desk.db'}", Config(backdate_days=3650), actor="clerk")
    yield Desk(application.store, "clerk", "default", TODAY)
    application.close()


EXAMPLES = iter(range(1_000_000))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.integers(0, 40),
    st.integers(0, 10),
    st.none() | st.integers(0, 10),
    st.integers(0, 15),
)
def test_the_due_date_never_depends_on_a_second_fee(
    shared_desk: Desk, received_after: int, notice_after: int, paid_after: int | None, second_after: int
) -> None:
    """One fee per request (国办函〔2020〕109号): over random histories a second notice is refused and the due date stays."""
    desk, request_id = shared_desk, f"F{next(EXAMPLES)}"
    received = date(2026, 3, 2) + timedelta(days=received_after)
    receive(desk, request_id, received)
    notice = received + timedelta(days=notice_after)
    cmd.issue_fee_notice(desk, cmd.IssueFeeNotice(request_id, notice, amount="100"))
    last = notice
    if paid_after is not None:
        last = notice + timedelta(days=paid_after)
        cmd.record_payment(desk, request_id, last)
    before = deadline(cmd.load(desk, request_id), desk.calendar)
    second = cmd.IssueFeeNotice(request_id, last + timedelta(days=second_after), amount="50")
    with pytest.raises(RuleViolation, match="allow one fee per request"):
        cmd.issue_fee_notice(desk, second)
    after = cmd.load(desk, request_id)
    assert len(after.fees) == 1
    assert deadline(after, desk.calendar) == before
