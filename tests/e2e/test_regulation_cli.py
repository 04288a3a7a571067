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
