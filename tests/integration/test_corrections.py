"""Every mistake of issue 9 corrected on SQLite and PostgreSQL, with show, table 3, the
report as published before the correction (--as-of), verify, and closed-year guards.

2024 is closed for the default agency; today is 2025-03-10.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date

import pytest

from ledger.bootstrap import App, bootstrap
from ledger.commands import corrections as fix
from ledger.commands.requests import (
    RecordReceipt,
    grant_extension,
    issue_decision,
    load,
    record_clarified,
    record_receipt,
    request_clarification,
)
from ledger.commands.years import close_year
from ledger.config import Config
from ledger.dates import FixedClock
from ledger.errors import InvalidInput, RuleViolation
from ledger.projections.annual import collect, requests_of, table3
from ledger.projections.log import verify_log
from ledger.projections.queries import list_requests, show_request
from ledger.projections.reports import ReportQuery, check_report
from ledger.report.model import Table3

TODAY = date(2025, 3, 10)


@pytest.fixture
def app(db_url: str) -> Iterator[App]:
    """Two 2024 requests (one decided 予以公开, one carried over), 2024 closed."""
    application = bootstrap(db_url, Config(backdate_days=3650), actor="clerk", clock=FixedClock(TODAY))
    desk = application.desk()
    record_receipt(desk, RecordReceipt(date(2024, 3, 4), "in-person", "natural", "A"))
    issue_decision(desk, "A", date(2024, 3, 20), "予以公开")
    record_receipt(desk, RecordReceipt(date(2024, 12, 20), "online", "business", "B"))
    close_year(desk, 2024, "default")
    record_receipt(desk, RecordReceipt(date(2025, 2, 3), "in-person", "natural", "C"))
    yield application
    application.close()


def t3(app: App, year: int, as_of: object = None) -> Counted:
    """Table 3 of ``year`` from the log (as known at ``as_of``), its zero cells left out."""
    facts = collect(app.store, as_of)  # type: ignore[arg-type]
    return counted(table3(requests_of(facts, None), year))


@dataclass(frozen=True)
class Counted:
    """Table 3's cells that are not zero, to compare with a literal."""

    new: dict[str, int]
    carried_in: dict[str, int]
    decided: dict[str, dict[str, int]]
    carried_out: dict[str, int]


def cells(row: Mapping[str, int]) -> dict[str, int]:
    """The cells of one row that are not zero."""
    return {k: v for k, v in row.items() if v}


def counted(table: Table3) -> Counted:
    """The table without its zero cells."""
    decided = {k: cells(v) for k, v in table.decided.items() if cells(v)}
    return Counted(cells(table.new), cells(table.carried_in), decided, cells(table.carried_out))


def all_well(app: App, year: int = 2024) -> None:
    """verify re-derives every deadline, and the year's report reconciles."""
    checked = verify_log(app.store)  # type: ignore[arg-type]
    assert checked.audit.mismatches == ()
    assert "reconcile" in check_report(app, ReportQuery(year))


def moment(app: App) -> object:
    """A moment strictly between what is recorded and what comes next."""
    now = app.store.now()
    time.sleep(0.01)
    return now


def test_a_wrong_outcome_in_a_closed_year_needs_amend_and_is_then_corrected(app: App) -> None:
    """予以公开 → 部分公开 in closed 2024: refused without --amend, applied with it."""
    before = moment(app)
    with pytest.raises(RuleViolation, match=r"2024 is closed .*decided: disclosed/natural"):
        fix.correct(
            app.desk(), fix.Correction("A", "clerk typed the wrong outcome", outcome="部分公开")
        )
    result = fix.correct(
        app.desk(amend=True),
        fix.Correction("A", "clerk typed the wrong outcome", outcome="部分公开"),
    )
    assert result.state is not None
    assert result.state.outcome == "partial"
    assert t3(app, 2024).decided == {"partial": {"natural": 1}}
    assert t3(app, 2024, before).decided == {"disclosed": {"natural": 1}}
    assert "reconcile" in check_report(app, ReportQuery(2024, as_of=before))  # type: ignore[arg-type]
    shown = show_request(app, "A")
    notes = {e["type"]: e["note"] for e in shown.events}
    assert notes["request.decision-issued"].startswith("corrected by #")
    correction = next(e for e in shown.events if e["type"] == "request.decision-corrected")
    assert correction["actor"] == "clerk"
    assert correction["data"]["reason"] == "clerk typed the wrong outcome"
    all_well(app)


def test_applicant_channel_and_date_of_receipt_are_corrected(app: App) -> None:
    """The open 2025 request's category, channel and date: table 3 and the deadline follow."""
    before = moment(app)
    desk = app.desk()
    fix.correct(desk, fix.Correction("C", "a company, not a person", applicant="商业企业"))
    fix.correct(desk, fix.Correction("C", "it came by post", channel="mail-unsigned"))
    result = fix.correct(desk, fix.Correction("C", "date misread", date=date(2025, 2, 5)))
    assert result.state is not None
    assert (result.state.applicant, result.state.channel) == ("business", "mail-unsigned")
    assert result.state.received_on == date(2025, 2, 5)
    assert result.deadline is not None
    assert result.deadline.due == date(2025, 3, 4)
    assert t3(app, 2025).new == {"business": 1}
    assert t3(app, 2025, before).new == {"natural": 1}
    row = next(r for r in list_requests(app) if r.id == "C")
    assert row.due_date == date(2025, 3, 4)
    all_well(app)


def test_a_correction_that_changes_nothing_is_refused(app: App) -> None:
    """Correcting to the facts already recorded writes nothing and names the request."""
    head = app.store.last_position()
    with pytest.raises(InvalidInput, match="nothing changes"):
        fix.correct(app.desk(), fix.Correction("C", "same", applicant="natural"))
    with pytest.raises(InvalidInput, match="--date: 2007-01-01 is before 2008-05-01"):
        fix.correct(app.desk(), fix.Correction("C", "typo", date=date(2007, 1, 1)))
    assert app.store.last_position() == head


def test_the_agency_is_corrected_and_the_request_moves(app: App) -> None:
    """A request filed under the wrong agency counts for the right one afterwards."""
    fix.correct(app.desk(), fix.Correction("C", "belongs to 卫健委", agency="wsj"))
    state = load(app.desk(), "C")
    assert state.agency == "wsj"
    facts = collect(app.store)
    assert counted(table3(requests_of(facts, {"wsj"}), 2025)).new == {"natural": 1}
    assert counted(table3(requests_of(facts, {"default"}), 2025)).new == {}
    all_well(app)


def test_a_step_on_the_wrong_request_is_retracted_and_recorded_on_the_right_one(app: App) -> None:
    """An extension recorded on C instead of B: retracted (with its approver), re-recorded."""
    desk = app.desk()
    wrong = grant_extension(desk, "C", date(2025, 3, 3), 10, "王主任")
    position = wrong.events[0].position
    with pytest.raises(InvalidInput, match="--approver"):
        fix.retract(desk, "C", position, "meant for B")
    result = fix.retract(desk, "C", position, "meant for B", approver="王主任")
    assert result.state is not None
    assert result.state.extension_days == 0
    assert [e.type for e in result.events][-1] == "request.deadline-set"
    notes = {e.position: e.note for e in load(desk, "C").timeline}
    assert notes[position] == f"retracted by #{result.events[0].position}"
    request_clarification(desk, "B", date(2025, 1, 2), date(2025, 1, 20))
    record_clarified(desk, "B", date(2025, 1, 10))
    grant_extension(desk, "B", date(2025, 2, 5), 10, "王主任")
    assert load(desk, "B").extension_days == 10
    all_well(app)


def test_a_step_recorded_twice_is_retracted(app: App) -> None:
    """A duplicated receipt (a second request for the same letter) leaves the books."""
    desk = app.desk()
    dup = record_receipt(desk, RecordReceipt(date(2025, 2, 3), "in-person", "natural", "C2"))
    fix.retract(desk, "C2", dup.events[0].position, "the same letter as C")
    assert [r.id for r in list_requests(app)].count("C2") == 0
    assert t3(app, 2025).new == {"natural": 1}
    all_well(app)


def test_retracting_a_decision_reopens_the_request(app: App) -> None:
    """A decision retracted: the request is open again, and may be decided anew."""
    desk = app.desk()
    decided = issue_decision(desk, "C", date(2025, 3, 3), "disclosed")
    result = fix.retract(desk, "C", decided.events[0].position, "decided by mistake")
    assert result.state is not None
    assert not result.state.closed
    assert load(desk, "C").outcome is None
    issue_decision(desk, "C", date(2025, 3, 7), "partial")
    assert t3(app, 2025).decided == {"partial": {"natural": 1}}
    all_well(app)


def test_retracting_a_decision_counted_in_a_closed_year_needs_amend(app: App) -> None:
    """Reopening A (decided in closed 2024) changes 2024's carry-over: --amend appends it."""
    position = next(e.position for e in load(app.desk(), "A").applied if "decision" in e.type)
    with pytest.raises(RuleViolation, match="2024 is closed"):
        fix.retract(app.desk(), "A", position, "never sent")
    fix.retract(app.desk(amend=True), "A", position, "never sent")
    assert t3(app, 2024).carried_out == {"natural": 1, "business": 1}
    all_well(app)


def test_a_receipt_typed_years_back_is_guarded_by_its_effect(app: App) -> None:
    """record receive --date 2015-03-03 (meaning 2025) would stay open through closed 2024."""
    typo = RecordReceipt(date(2015, 3, 3), "in-person", "natural", "T")
    with pytest.raises(RuleViolation, match=r"2024 is closed .*carried in"):
        record_receipt(app.desk(backdated="paper register"), typo)
    assert t3(app, 2024).carried_out == {"business": 1}
    record_receipt(app.desk(amend=True, backdated="paper register"), typo)
    assert t3(app, 2024).carried_out == {"business": 1, "natural": 1}
    all_well(app)


def test_amend_is_refused_where_nothing_reaches_a_closed_year(app: App) -> None:
    """--amend on a change that reaches no closed year is refused."""
    with pytest.raises(
        RuleViolation, match="reaches none, and 2025 is not closed; record it without"
    ):
        fix.correct(app.desk(amend=True), fix.Correction("C", "x", subject="学区"))


def test_a_carried_over_request_moved_to_another_agency_leaves_the_closed_year(app: App) -> None:
    """B, carried out of closed 2024, filed under the wrong agency: --amend revokes it there."""
    wrong = fix.Correction("B", "belongs to 卫健委", agency="wsj")
    with pytest.raises(RuleViolation, match="2024 is closed for default"):
        fix.correct(app.desk(), wrong)
    fix.correct(app.desk(amend=True), wrong)
    assert load(app.desk(), "B").carried_out_of == []
    assert t3(app, 2024).carried_out == {"business": 1}  # now wsj's, which never closed 2024
    facts = collect(app.store)
    assert counted(table3(requests_of(facts, {"default"}), 2024)).carried_out == {}
    all_well(app)


def test_a_carried_over_receipt_retracted_with_amend_leaves_the_closed_year(app: App) -> None:
    """B's receipt retracted (recorded by mistake): 2024's carry-over is revoked with it."""
    receipt = load(app.desk(), "B").applied[0].position
    with pytest.raises(RuleViolation, match="2024 is closed"):
        fix.retract(app.desk(), "B", receipt, "no such letter")
    result = fix.retract(app.desk(amend=True), "B", receipt, "no such letter")
    assert result.state is None
    assert t3(app, 2024).carried_out == {}
    all_well(app)
