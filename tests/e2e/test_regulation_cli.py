"""The Regulation's rules as the desk sees them through the ``ledger`` command.

The rules themselves are tested below the CLI (tests/integration/test_regulation_reading.py);
these tests check what a clerk reads: the calendar's years, warnings, the report's refusals.
"""

from __future__ import annotations

import os
import stat
from importlib.metadata import version
from pathlib import Path

import chinese_calendar
import docx
import pytest
from docx.oxml.ns import qn

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
    assert ran.notes.strip() == (
        "warning: received in person on 2026-10-01, not a working day (holiday: 国庆节); "
        "recorded as given (Art. 31): check the date"
    )


def test_an_in_person_receipt_on_a_working_day_has_no_warning(cli: LedgerCli) -> None:
    """Art. 31(1): a receipt on a working day prints only its confirmation."""
    ran = cli("record receive R-1 --date 2026-03-09 --channel in-person --applicant natural")
    assert (ran.code, ran.notes) == (0, "")


# --- the report as an official document (Art. 49–50) ------------------------------------


@pytest.fixture
def year_2025(cli: LedgerCli) -> LedgerCli:
    """One request of 2025, answered, and the year closed."""
    cli.ok("record receive R-1 --date 2025-03-03 --channel in-person --applicant natural")
    cli.ok("record decide R-1 --date 2025-03-10 --outcome disclosed")
    cli.ok("close-year 2025")
    return cli


def test_a_report_for_a_year_not_begun_is_refused(cli: LedgerCli) -> None:
    """Art. 49: a year that has not begun has no annual report; `report 2027` is refused in one line."""
    assert cli("report", "2027").refusal() == (
        "ledger: report 2027: the year has not begun (as of 2026-11-30); give a year up to 2026"
    )


def test_a_report_for_a_year_not_ended_warns(cli: LedgerCli) -> None:
    """Art. 49: the report of the running year is rendered with a warning that it is not final."""
    ran = cli("report", "2026")
    assert ran.code == 0, ran.err
    assert (
        "warning: 2026 has not ended (as of 2026-11-30); the report shows the year so far "
        "and is not the annual report to publish"
    ) in ran.err.splitlines()


def test_empty_narrative_sections_are_warned(year_2025: LedgerCli) -> None:
    """Art. 50: sections 一、五、六 are the agency's own words; rendering them empty is warned."""
    ran = year_2025("report", "2025")
    assert ran.code == 0, ran.err
    assert ran.err.splitlines() == [
        "warning: sections 一、五、六 are empty (一、总体情况; 五、存在的主要问题及改进情况; "
        "六、其他需要报告的事项); record the narrative (ledger record narrative 2025 --file FILE)"
    ]


def test_the_as_of_note_uses_the_shanghai_date(year_2025: LedgerCli) -> None:
    """Art. 49: `--as-of 2026-11-30T07:35` (Shanghai; 23:35 the day before in UTC) is noted as of 2026-11-30."""
    ran = year_2025("report", "2025", "--as-of", "2026-11-30T07:35", "--format", "md")
    assert ran.code == 0, ran.err
    assert "本报告数据按2026-11-30时已记录的情况生成。" in ran.out


def test_report_files_follow_the_umask(year_2025: LedgerCli, tmp_path: Path) -> None:
    """Art. 50: a report is published, so its file gets the user's umask (0644 under 022), not 0600."""
    out = tmp_path / "2025.md"
    saved = os.umask(0o022)
    try:
        ran = year_2025("report", "2025", "--format", "md", "--output", str(out))
    finally:
        os.umask(saved)
    assert ran.code == 0, ran.err
    assert stat.S_IMODE(out.stat().st_mode) == 0o644


def test_the_docx_keeps_table_rows_and_the_signature_together(
    year_2025: LedgerCli, tmp_path: Path
) -> None:
    """Art. 50: in Word, table 3's three header rows repeat on each page, no row splits, and the signature stays with the text."""
    out = tmp_path / "2025.docx"
    assert year_2025("report", "2025", "--format", "docx", "--output", str(out)).code == 0
    document = docx.Document(str(out))
    table3 = document.tables[1]
    flags = [
        tuple(row._tr.trPr.find(qn(name)) is not None for name in ("w:tblHeader", "w:cantSplit"))
        for row in table3.rows
    ]
    assert flags[:4] == [(True, True), (True, True), (True, True), (False, True)]
    assert all(split for _, split in flags)
    texts = [p.text for p in document.paragraphs]
    signed = texts.index("default")  # the agency's name: the signature's first line
    assert texts[signed - 2 : signed + 1] == ["六、其他需要报告的事项", "", "default"]
    keep = [p.paragraph_format.keep_with_next for p in document.paragraphs]
    assert keep[signed - 2 : signed] == [True, True]


SCHEDULE_2027 = """\
year = 2027

[[holidays]]
date = "2027-01-01"
name = "元旦"

[[holidays]]
start = "2027-02-05"
end = "2027-02-11"
name = "春节"
"""


def test_2027_is_provisional_and_skips_new_year_until_its_schedule_is_recorded(
    cli: LedgerCli, tmp_path: Path
) -> None:
    """Art. 33: from 2026-12-20, 20 working days skip 2027-01-01 (元旦, by law) provisionally, and are final once 2027 is recorded."""
    assert cli.ok("calendar due --from 2026-12-20") == (
        "received 2026-12-20: working day 20 is 2027-01-18 (provisional: no official schedule for 2027)"
    )
    explained = cli("calendar due --from 2026-12-20 --explain").out
    assert "2027-01-01 Fri: skipped: holiday: 元旦 (by law; no official schedule)" in explained
    schedule = tmp_path / "2027.toml"
    schedule.write_text(SCHEDULE_2027, encoding="utf-8")
    cli.ok("calendar", "add", "2027", "--file", str(schedule))
    assert cli.ok("calendar due --from 2026-12-20") == "received 2026-12-20: working day 20 is 2027-01-18"
