"""How requests are shown: lateness and days left."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from ledger.bootstrap import bootstrap
from ledger.commands._context import Desk
from ledger.commands.requests import RecordReceipt, issue_decision, record_receipt, withdraw
from ledger.projections.views import view


def test_a_withdrawal_after_the_due_date_is_not_late_but_a_decision_is(tmp_path: Path) -> None:
    """Withdrawing after the due date is the applicant's act and never counts as late."""
    app = bootstrap(f"sqlite:///{tmp_path / 'v.db'}", actor="desk")
    desk = Desk(app.store, "desk", "a", date(2020, 6, 1))
    for rid in ("W", "D"):
        record_receipt(desk, RecordReceipt(date(2020, 3, 2), "in-person", "natural", rid))
    withdrawn = withdraw(desk, "W", date(2020, 4, 1))  # due 2020-03-30
    decided = issue_decision(desk, "D", date(2020, 4, 1), "disclosed")
    cal = desk.calendar
    app.close()
    assert view(withdrawn.state, cal, date(2020, 6, 1))["late"] is False
    assert view(decided.state, cal, date(2020, 6, 1))["late"] is True


def test_days_left_is_negative_on_the_weekend_after_a_friday_due_date(tmp_path: Path) -> None:
    """On the Saturday after a Friday due date the request is already one day overdue."""
    app = bootstrap(f"sqlite:///{tmp_path / 'v.db'}", actor="desk")
    desk = Desk(app.store, "desk", "a", date(2020, 6, 1))
    desk.today = date(2020, 9, 1)
    # received Fri 2020-07-10: 20 working days are 13–17, 20–24, 27–31 July, 3–7 August
    state = record_receipt(
        desk, RecordReceipt(date(2020, 7, 10), "in-person", "natural", "F")
    ).state
    cal = desk.calendar
    app.close()
    assert view(state, cal, date(2020, 8, 7))["due_date"] == "2020-08-07"
    assert view(state, cal, date(2020, 8, 7))["working_days_left"] == 0
    assert view(state, cal, date(2020, 8, 8))["working_days_left"] == -1
    assert view(state, cal, date(2020, 8, 10))["working_days_left"] == -1
    assert view(state, cal, date(2020, 8, 11))["working_days_left"] == -2
