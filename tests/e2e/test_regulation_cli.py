"""The Regulation's rules as the desk sees them through the ``ledger`` command.

The rules themselves are tested below the CLI (tests/integration/test_regulation_reading.py);
these tests check what a clerk reads: the calendar's years, warnings, the report's refusals.
"""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

import chinese_calendar
import pytest

from tests.e2e.cli_runner import LedgerCli


@pytest.fixture
def cli(tmp_path: Path) -> LedgerCli:
    """The command on a fresh database, today 2026-11-30."""
    return LedgerCli(tmp_path / "desk.db", "2026-11-30")


def test_calendar_show_names_the_years_the_installed_package_holds(cli: LedgerCli) -> None:
    """`calendar show` and the group's help name the years chinesecalendar holds (Art. 33: working days)."""
    years = sorted({d.year for d in chinese_calendar.holidays})
    span = f"{years[0]}–{years[-1]}"
    shown = cli("calendar", "show", "2026")
    assert shown.code == 0, shown.err
    assert shown.out.splitlines()[0] == f"chinesecalendar {version('chinesecalendar')} holds {span}"
    assert f"chinesecalendar for {span}" in " ".join(cli("calendar", "--help").out.split())


def test_the_pinned_package_holds_2026(cli: LedgerCli) -> None:
    """The required chinesecalendar holds 2026: a request of 2026-02-13 is due 2026-03-19 (Art. 33), not provisional."""
    assert cli.ok("calendar due --from 2026-02-13") == "received 2026-02-13: working day 20 is 2026-03-19"


@pytest.mark.parametrize("channel", ["online", "fax", "mail-unsigned"])
def test_a_request_submitted_on_a_closed_day_is_received_the_next_working_day(
    cli: LedgerCli, channel: str
) -> None:
    """Art. 31(2), (3): without a confirmation date, a Saturday 2026-03-07 submission is received Monday 03-09."""
    line = cli.ok(f"record receive R-1 --date 2026-03-07 --channel {channel} --applicant natural")
    assert line == f"R-1: received 2026-03-09 ({channel}, natural); due 2026-04-07"


def test_a_confirmation_date_given_is_the_date_of_receipt(cli: LedgerCli) -> None:
    """Art. 31(3): the date both sides confirmed is the date of receipt, as given."""
    line = cli.ok(
        "record receive R-1 --date 2026-03-06 --confirmed 2026-03-07 --channel online --applicant natural"
    )
    assert line == "R-1: received 2026-03-07 (online, natural); due 2026-04-03"


def test_an_in_person_receipt_on_a_closed_day_is_recorded_with_a_warning(cli: LedgerCli) -> None:
    """Art. 31(1): the day submitted in person is the date of receipt even on 2026-10-01 (国庆节), with a warning."""
    ran = cli("record receive R-1 --date 2026-10-01 --channel in-person --applicant natural")
    assert ran.code == 0, ran.err
    assert ran.line.startswith("R-1: received 2026-10-01 (in-person, natural); due ")
    assert ran.err.strip() == (
        "warning: received in person on 2026-10-01, not a working day (holiday: 国庆节); "
        "recorded as given (Art. 31): check the date"
    )


def test_an_in_person_receipt_on_a_working_day_has_no_warning(cli: LedgerCli) -> None:
    """Art. 31(1): a receipt on a working day prints only its confirmation."""
    ran = cli("record receive R-1 --date 2026-03-09 --channel in-person --applicant natural")
    assert (ran.code, ran.err) == (0, "")
