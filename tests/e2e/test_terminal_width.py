"""`list`, `find` and `alerts` fit an 80- and a 100-column terminal; --wide and CSV keep everything."""

from __future__ import annotations

import csv
import io

import pytest
from wcwidth import wcswidth

from tests.e2e.cli_runner import LedgerCli

LONG_ZH = "关于二〇二一年度全区义务教育阶段学校招生入学划片范围及民办学校摇号录取结果的信息"
LONG_EN = "Minutes of every school-board meeting about the new bus routes in Zhenhai, 2019-2021"


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> LedgerCli:
    """The demonstration as of 2022-03-01, with two open requests whose subjects are long."""
    folder = tmp_path_factory.mktemp("width")
    ledger = LedgerCli(folder / "desk.db", "2022-03-01", init=False)
    assert ledger("demo", "--db", str(ledger.db)).code == 0
    for rid, subject in (("zhjyj-2022-0101", LONG_ZH), ("zhjyj-2022-0102", LONG_EN)):
        ran = ledger("record", "receive", rid, "--date", "2022-02-28", "--channel", "in-person",
                     "--applicant", "natural", "--subject", subject, "--name", "王五",
                     "--phone", "13900001111")  # fmt: skip
        assert ran.code == 0, ran.err
    return ledger


@pytest.mark.parametrize("columns", [80, 100])
@pytest.mark.parametrize("command", [("list",), ("alerts",), ("find", "zhjyj"), ("list", "--open")])
def test_every_line_fits_the_terminal(
    office: LedgerCli, monkeypatch: pytest.MonkeyPatch, columns: int, command: tuple[str, ...]
) -> None:
    """With COLUMNS=80 or 100 no line of the text output is wider than the terminal."""
    monkeypatch.setenv("COLUMNS", str(columns))
    ran = office(*command)
    assert ran.code == 0, ran.err
    lines = ran.out.splitlines()
    assert len(lines) > 1
    too_wide = [line for line in lines if wcswidth(line) > columns]
    assert not too_wide, too_wide


@pytest.mark.parametrize("columns", [80, 100])
def test_a_long_subject_is_cut_with_an_ellipsis(
    office: LedgerCli, monkeypatch: pytest.MonkeyPatch, columns: int
) -> None:
    """`list` shows the start of a long subject, ending in an ellipsis; `show` shows all of it."""
    monkeypatch.setenv("COLUMNS", str(columns))
    lines = office("list", "--open").out.splitlines()
    assert lines[0].split()[-1] == "subject"
    zh = next(line for line in lines if line.startswith("zhjyj-2022-0101"))
    en = next(line for line in lines if line.startswith("zhjyj-2022-0102"))
    assert zh.endswith("…")
    assert LONG_ZH[:6] in zh
    assert en.endswith("…")
    assert LONG_EN[:10] in en
    assert LONG_ZH in office("show", "zhjyj-2022-0101").out


def test_wide_and_csv_keep_every_column(office: LedgerCli, monkeypatch: pytest.MonkeyPatch) -> None:
    """--wide shows every column and the whole subject; CSV carries every column whatever the width."""
    monkeypatch.setenv("COLUMNS", "80")
    wide = office("list", "--open", "--wide").out
    assert wide.splitlines()[0].split() == [
        "id", "agency", "status", "channel", "applicant", "received", "due", "provisional",
        "left", "outcome", "decided", "late", "subject", "recorded_late",
    ]  # fmt: skip
    assert LONG_ZH in wide
    rows = list(csv.DictReader(io.StringIO(office("list", "--open", "--format", "csv").out)))
    assert {r["subject"] for r in rows} >= {LONG_ZH, LONG_EN}
    assert "working_days_left" in rows[0]


def test_find_by_phone_needs_personal(office: LedgerCli) -> None:
    """`ledger find` with --personal finds by phone; without it, the phone finds nothing."""
    found = office("find", "139-0000-1111", "--personal", "--format", "csv").out
    assert [r["id"] for r in csv.DictReader(io.StringIO(found))] == [
        "zhjyj-2022-0101",
        "zhjyj-2022-0102",
    ]
    assert office("find", "139-0000-1111").out == "no request matches '139-0000-1111'\n"
    office("applicant", "erase", "zhjyj-2022-0101", "--basis", "consent withdrawn", "--yes")
    assert office("find", "王五", "--personal").out == "no request matches '王五'\n"
