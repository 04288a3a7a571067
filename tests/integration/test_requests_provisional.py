"""A deadline in a year without an official schedule is provisional until the schedule comes.

A request received 2026-12-10 is due in January 2027; ``chinesecalendar`` stops at 2026,
so the date is counted with weekends and the statutory holidays (2027-01-01, 元旦) and
marked provisional. Recording the 2027
schedule (``ledger calendar add 2027 --file F``) appends a new ``request.deadline-set``
for it, and only for the open requests whose deadline it changes. Run on each backend.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from ledger.bootstrap import App, bootstrap
from ledger.cli import cli
from ledger.commands._context import Desk
from ledger.commands.requests import RecordReceipt, issue_decision, record_receipt
from ledger.config import Config
from ledger.events.requests import stream_of
from ledger.projections.calendar import load_calendar
from ledger.projections.requests import deadline, fold

TODAY = date(2026, 12, 31)

# Only the holiday that matters here is listed; the file is the test's, not the State
# Council's. 2027-01-01 (元旦) is a Friday inside the request's answer period.
SCHEDULE_2027 = """\
year = 2027

[[holidays]]
date = "2027-01-01"
name = "元旦"

[[holidays]]
start = "2027-02-06"
end = "2027-02-13"
name = "春节"

[[workdays]]
date = "2027-02-14"
name = "春节调休"
"""


@pytest.fixture
def app(db_url: str) -> Iterator[App]:
    """The application on a fresh database of each backend."""
    application = bootstrap(db_url, Config(backdate_days=3650), actor="clerk")
    yield application
    application.close()


def desk_of(app: App) -> Desk:
    """A desk as the CLI builds it, with today pinned to 2026-12-31."""
    return Desk(app.store, "clerk", "default", TODAY)


def run(db_url: str, *args: str) -> str:
    """Run the CLI in-process on the database; insist on success; return its output."""
    result = CliRunner().invoke(
        cli,
        ["--db", db_url, *args],
        env={"LEDGER_TODAY": TODAY.isoformat()},
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    return result.stdout


def deadlines_set(app: App, request_id: str) -> list[dict[str, object]]:
    """The payloads of the request's recorded deadlines, oldest first."""
    return [
        e.data
        for e in app.store.read_stream(stream_of(request_id))
        if e.type == "request.deadline-set"
    ]


def test_a_2027_deadline_is_provisional_until_the_schedule_is_recorded(
    app: App, db_url: str, tmp_path: Path
) -> None:
    """The 2027 schedule makes the provisional 2027-01-08 final, recorded as an event."""
    desk = desk_of(app)
    # 2026-12-11 (1), 14..18 (2–6), 21..25 (7–11), 28..31 (12–15); 2027 unknown: weekends
    # and 01-01 (元旦, a holiday by law) off, 01-04..08 (16–20) → 2027-01-08, provisional.
    first = record_receipt(desk, RecordReceipt(date(2026, 12, 10), "in-person", "natural", "P-1"))
    assert (first.deadline.due, first.deadline.provisional) == (date(2027, 1, 8), True)
    assert first.deadline.unscheduled_years == frozenset({2027})
    # Due inside 2026: 11-03..06 (1–4), 09..13 (5–9), 16..20 (10–14), 23..27 (15–19), 30 (20).
    inside = record_receipt(desk, RecordReceipt(date(2026, 11, 2), "in-person", "natural", "P-2"))
    assert (inside.deadline.due, inside.deadline.provisional) == (date(2026, 11, 30), False)
    # A closed request keeps the deadline it had when it closed.
    record_receipt(desk, RecordReceipt(date(2026, 12, 14), "in-person", "natural", "P-3"))
    issue_decision(desk, "P-3", date(2026, 12, 18), "disclosed")

    before = run(db_url, "show", "P-1")
    assert "due       2027-01-08 (provisional: a year without an official schedule)" in before
    shown = run(db_url, "show", "P-1", "--format", "json", "--explain")
    assert '"provisional":true' in shown
    assert "provisional: no official schedule recorded for 2027" in shown
    assert "2027: no official schedule" in run(db_url, "calendar", "show", "2027")
    counts = {rid: len(deadlines_set(app, rid)) for rid in ("P-1", "P-2", "P-3")}

    schedule = tmp_path / "2027.toml"
    schedule.write_text(SCHEDULE_2027, encoding="utf-8")
    out = run(db_url, "calendar", "add", "2027", "--file", str(schedule))
    assert out.splitlines() == [
        "recorded the 2027 schedule: 9 holidays, 1 make-up working days; 1 deadlines recomputed",
        "  P-1: due 2027-01-08",
    ]

    # 01-01 元旦 off: 2026-12-11..31 (1–15), 2027-01-04..08 (16–20) → 2027-01-08.
    recorded = deadlines_set(app, "P-1")
    assert len(recorded) == counts["P-1"] + 1
    assert {
        k: recorded[-1][k] for k in ("due", "provisional", "unscheduled_years", "calendar")
    } == {
        "due": "2027-01-08",
        "provisional": False,
        "unscheduled_years": [],
        "calendar": {"2026": "chinesecalendar", "2027": "recorded"},
    }
    assert "2027 official schedule recorded" in str(recorded[-1]["reason"])
    assert {rid: len(deadlines_set(app, rid)) for rid in ("P-2", "P-3")} == {
        "P-2": counts["P-2"],
        "P-3": counts["P-3"],
    }
    # The recorded date is the one re-derived from the log with the calendar as recorded.
    state = fold("P-1", app.store.read_stream(stream_of("P-1")))
    assert state is not None
    again = deadline(state, load_calendar(app.store))
    assert (again.due, again.provisional) == (date(2027, 1, 8), False)
    # `ledger verify` re-derives every deadline with the calendar as it stood when recorded:
    # the provisional 2027-01-08 (before the schedule) and the final one (after) both agree.
    checked = sum(len(deadlines_set(app, rid)) for rid in ("P-1", "P-2", "P-3"))
    assert run(db_url, "verify").splitlines()[-1] == (
        f"{checked} recorded deadlines re-derived; all agree"
    )

    after = run(db_url, "show", "P-1")
    assert "due       2027-01-08  (2019 Regulation, 20 working days)" in after
    assert "provisional" not in after.split("timeline:")[0]
    assert '"provisional":false' in run(db_url, "show", "P-1", "--format", "json")
    assert "2027-01-01 Fri: skipped: holiday: 元旦" in run(db_url, "show", "P-1", "--explain")
    assert "2027 official schedule (recorded)" in run(db_url, "calendar", "show", "2027")


def test_recording_the_schedule_again_recomputes_nothing(
    app: App, db_url: str, tmp_path: Path
) -> None:
    """A second identical 2027 schedule leaves every recorded deadline as it is."""
    record_receipt(desk_of(app), RecordReceipt(date(2026, 12, 10), "in-person", "natural", "P-1"))
    schedule = tmp_path / "2027.toml"
    schedule.write_text(SCHEDULE_2027, encoding="utf-8")
    run(db_url, "calendar", "add", "2027", "--file", str(schedule))
    count = len(deadlines_set(app, "P-1"))
    out = run(db_url, "calendar", "add", "2027", "--file", str(schedule))
    assert out.splitlines()[0].endswith("; 0 deadlines recomputed")
    assert len(deadlines_set(app, "P-1")) == count
