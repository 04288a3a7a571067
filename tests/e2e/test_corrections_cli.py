"""`ledger record correct` and `record retract` as a clerk types them: one line each,
`show` marking the original entry, the report and `verify` following, refusals in one
line naming the field with nothing written."""

from __future__ import annotations

import pytest

from tests.e2e.cli_runner import LedgerCli
from tests.e2e.test_desk_refusals import receive, refused

TODAY = "2025-03-10"


@pytest.fixture
def desk(tmp_path_factory: pytest.TempPathFactory) -> LedgerCli:
    """A request decided 予以公开 in 2024, one carried over, 2024 closed, one open in 2025."""
    cli = LedgerCli(tmp_path_factory.mktemp("corrections") / "desk.db", TODAY)
    for line in (
        receive("A", "2024-03-04"),
        "record decide A --date 2024-03-20 --outcome 予以公开",
        receive("B", "2024-12-20"),
        "close-year 2024",
        receive("C", "2025-02-03"),
        "record extend C --date 2025-02-05 --days 5 --approver 王主任",
        "record extend C --date 2025-02-05 --days 5 --approver 王主任",  # the same, twice
    ):
        ran = cli(line)
        assert ran.code == 0, (line, ran.err)
    return cli


def test_a_wrong_outcome_is_corrected_with_amend_and_shown(desk: LedgerCli) -> None:
    """予以公开 → 部分公开 in closed 2024: refused, then amended; show, report, verify follow."""
    refused(desk, "record correct A --outcome 部分公开 --reason typo", "2024 is closed", "--amend")
    line = desk.ok("record correct A --outcome 部分公开 --reason 录入错误 --amend")
    assert line == "A: corrected; closed on 2024-03-20"
    data = desk("show A --format json").json()
    assert data["outcome"] == "partial"
    decided = next(e for e in data["events"] if e["type"] == "request.decision-issued")
    assert decided["note"].startswith("corrected by #")
    text = desk("show A").out
    assert "decision-corrected (outcome=partial, reason=录入错误)" in text
    assert "[corrected by #" in text
    assert "reconcile" in desk.ok("report 2024 --check")
    assert "all agree" in desk("verify").out


def test_a_step_recorded_twice_is_retracted(desk: LedgerCli) -> None:
    """The same extension recorded twice: retracting one needs its approver (Art. 33)."""
    data = desk("show C --format json").json()
    twice = [e["position"] for e in data["events"] if e["type"].endswith("extension-granted")]
    assert data["extension_days"] == 10
    refused(desk, f"record retract C --step {twice[-1]} --reason 重复录入", "--approver")
    line = desk.ok(f"record retract C --step {twice[-1]} --reason 重复录入 --approver 王主任")
    assert line.startswith(f"C: step #{twice[-1]} retracted;")
    assert desk("show C --format json").json()["extension_days"] == 5
    assert "[retracted by #" in desk("show C").out
    assert "all agree" in desk("verify").out


def test_a_decision_retracted_reopens_the_request(desk: LedgerCli) -> None:
    """Retracting C's decision makes it open again, and a new decision is accepted."""
    desk.ok("record decide C --date 2025-03-03 --outcome disclosed")
    data = desk("show C --format json").json()
    position = next(e["position"] for e in data["events"] if e["type"].endswith("decision-issued"))
    desk.ok(f"record retract C --step {position} --reason 误录")
    assert desk("show C --format json").json()["status"] != "closed"
    desk.ok("record decide C --date 2025-03-04 --outcome partial")


def test_refusals_name_the_field(desk: LedgerCli) -> None:
    """Bad corrections are refused in one line naming the field, with nothing written."""
    refused(desk, "record retract C --step 1 --reason x", "--step: #1 is not a step of request C")
    refused(desk, "record correct C --applicant natural --reason x", "nothing changes")
    refused(desk, "record correct C --date 2026-01-01 --reason x", "--date: 2026-01-01 is after")
    refused(desk, "record correct C --date 2001-01-01 --reason x", "--date: 2001-01-01 is before")
    data = desk("show C --format json").json()
    receipt = data["events"][0]["position"]
    refused(desk, f"record retract C --step {receipt} --reason x", "is the receipt of C")
    refused(desk, "record correct C --outcome partial --reason x", "has no decision")


def test_a_receipt_typed_years_back_needs_amend(desk: LedgerCli) -> None:
    """record receive --date 2015-03-03 (meaning 2025) is refused as backdated; and even with a
    reason given it would change closed 2024's carry-over, so it needs --amend."""
    refused(desk, receive("T", "2015-03-03"), "--backdated REASON")
    late = receive("T", "2015-03-03") + " --backdated 'paper register'"
    refused(desk, late, "2024 is closed", "carried in")
    desk.ok(late + " --amend")
    assert "reconcile" in desk.ok("report 2024 --check")
