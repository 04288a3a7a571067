"""`ledger demo`, and the published 2020 report (the seed) regenerated from its events.

The demonstration database is built once for the module by a real ``ledger demo``
process; the read-only checks then run ``ledger report`` in-process through
``ledger.cli.main`` (what the installed script calls), and the checks that write (an
agency's local labels) work on a copy.

The seed is the text extracted from the agency's Word file: between
"2、 主动公开政府信息情况" and "5、 存在的主要问题及改进情况" every table cell is one
tab-indented line (a vertically merged cell's continuation is an empty one), a blank
line ends a row, and the headings between the tables separate them. Each table is
compared with the report cell by cell: the JSON and CSV output rebuilt into the published
layout, and the docx and xlsx read back.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pytest

from tests.e2e.cli_runner import LedgerCli, Ran
from tests.seed_tables import (
    AGENCY_NAME,
    SEED,
    SEED_LABELS,
    Rows,
    docx_rows,
    parse_seed_tables,
    xlsx_rows,
)

TODAY = "2022-03-01"


def build_demo(folder: Path) -> tuple[LedgerCli, Ran]:
    """A demonstration database made by a real ``ledger demo --db`` process."""
    db = folder / "demo.db"
    ledger = LedgerCli(db, TODAY)
    ran = ledger.process("demo", "--db", str(db))
    return ledger, ran


# --- the seed and the report in the published layout -------------------------------------


def seed_tables(local: bool) -> list[Rows]:
    """The seed's tables; with ``local=False`` its three local labels read as the official."""
    tables = parse_seed_tables(SEED.read_text(encoding="utf-8"))
    if local:
        return tables
    back = {loc: official for official, loc in SEED_LABELS.items()}
    return [[[back.get(cell, cell) for cell in row] for row in table] for table in tables]


def table2_rows(data: dict[str, Any]) -> Rows:
    """JSON table 2 in the published layout: clause row, column labels, one row per item."""
    rows: Rows = []
    for section in data["sections"]:
        keys = [c["key"] for c in section["columns"]]
        rows.append([section["clause"]])
        rows.append([section["item_column"], *(c["label"] for c in section["columns"])])
        rows += [[r["label"], *(str(r["values"][k]) for k in keys)] for r in section["rows"]]
    return rows


def table3_rows(data: dict[str, Any]) -> Rows:
    """JSON table 3 in the published layout: a merged label cell is written once, in its
    first row, and reads as an empty cell in the rows below (as the seed extracts it)."""
    columns = data["columns"]
    organisations = [c["label"] for c in columns if c["group"]]
    rows: Rows = [
        [data["note"], data["column_header"]],
        ["", columns[0]["label"], columns[1]["group"], columns[-1]["label"]],
        ["", "", *organisations, ""],
    ]
    seen: set[str] = set()
    for r in data["rows"]:
        lead: list[str] = []
        for title in (r["section"], r["group"]):
            if title:
                lead.append("" if title in seen else title)
                seen.add(title)
        numbers = [str(r["values"][c["key"]]) for c in columns]
        rows.append([*lead, r["label"], *numbers])
    return rows


def table4_rows(data: dict[str, Any]) -> Rows:
    """JSON table 4 in the published layout: two header rows of groups, the five column
    labels under each of the three groups, then the fifteen numbers."""
    review, direct, after = data["rows"]
    keys = [c["key"] for c in data["columns"]]
    labels = [c["label"] for c in data["columns"]]
    return [
        [review["label"], direct["parent"]],
        ["", direct["label"], after["label"]],
        labels * 3,
        [str(r["values"][k]) for r in (review, direct, after) for k in keys],
    ]


def json_tables(data: dict[str, Any]) -> list[Rows]:
    return [table2_rows(data["table2"]), table3_rows(data["table3"]), table4_rows(data["table4"])]


def labels_config(folder: Path) -> Path:
    """A configuration file giving the seed agency its name and its three local labels."""
    pairs = ", ".join(f'"{k}" = "{v}"' for k, v in SEED_LABELS.items())
    path = folder / "ledger.toml"
    path.write_text(
        f'[agencies.zhjyj]\nname = "{AGENCY_NAME}"\nlabels = {{ {pairs} }}\n', encoding="utf-8"
    )
    return path


# --- fixtures -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[LedgerCli, Ran]:
    """The demonstration database, built once by a real process, and what it printed."""
    return build_demo(tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="module")
def ledger(built: tuple[LedgerCli, Ran]) -> LedgerCli:
    """``ledger`` on the demonstration database (read-only use)."""
    runner, ran = built
    assert ran.code == 0, ran.err
    return runner


@pytest.fixture(scope="module")
def official_json(ledger: LedgerCli) -> Any:
    """``ledger report 2020 --format json`` without any configuration."""
    return ledger("report", "2020", "--format", "json").json()


# --- the demo command -------------------------------------------------------------------


def test_demo_builds_a_new_database_and_prints_the_2020_report(
    built: tuple[LedgerCli, Ran], ledger: LedgerCli
) -> None:
    """`ledger demo --db NEW` exits 0, says what it recorded, and prints `ledger report 2020`
    followed by today's alerts."""
    _, ran = built
    assert ran.code == 0, ran.err
    assert "Traceback" not in ran.err
    assert ran.err.startswith("demo: recorded ")
    assert "for zhjyj" in ran.err
    assert ran.out.splitlines()[0] == "宁波市镇海区教育局2020年政府信息公开工作年度报告"
    for heading in ("二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况"):
        assert heading in ran.out
    report = ledger("report", "2020")
    assert report.code == 0, report.err
    printed_report, _, alerts = ran.out.partition("\nAlerts as of 2022-03-01 (ledger alerts):")
    assert printed_report.rstrip("\n") == report.out.rstrip("\n")
    assert alerts.strip()


def test_demo_refuses_a_database_that_has_other_events(tmp_path: Path) -> None:
    """`ledger demo` on a non-empty database that is not the demonstration refuses in one
    line, exits non-zero and writes nothing."""
    other = LedgerCli(tmp_path / "desk.db", TODAY)
    received = other(
        "record", "receive", "R-1", "--date", "2022-02-28", "--channel", "in-person",
        "--applicant", "natural",
    )  # fmt: skip
    assert received.code == 0, received.err
    before = other.events()
    ran = other.process("demo", "--db", str(other.db))
    line = ran.refusal()
    assert ran.out == ""
    assert line.startswith("ledger: demo: the database already has events")
    assert "--db" in line
    assert other.events() == before


def test_demo_rerun_on_its_own_database_only_prints(ledger: LedgerCli) -> None:
    """`ledger demo` again on the demonstration database records nothing and prints the report."""
    before = ledger.events()
    ran = ledger("demo")
    assert ran.code == 0, ran.err
    assert ran.err.strip() == f"demo: the demonstration history is already recorded in {ledger.db}"
    assert ran.out.startswith("宁波市镇海区教育局2020年政府信息公开工作年度报告\n")
    assert ledger.events() == before


def test_demo_log_reconciles_for_every_year(ledger: LedgerCli) -> None:
    """`ledger report YEAR --check` passes for 2020 and 2021 of the demonstration log."""
    for year in ("2020", "2021"):
        ran = ledger("report", year, "--check")
        assert ran.code == 0, ran.err
        assert ran.out.strip() == (
            f"report {year}: tables reconcile and agree with the recorded carry-overs"
        )


# --- the seed, cell by cell ---------------------------------------------------------------


def test_the_seed_parses_into_three_tables() -> None:
    """The seed's table section parses into tables 2, 3 and 4 of the published shapes."""
    table2, table3, table4 = seed_tables(local=True)
    assert [len(t) for t in (table2, table3, table4)] == [18, 26, 4]
    assert table3[3] == ["一、本年新收到政府信息公开申请数量", "2", "0", "0", "0", "0", "0", "2"]
    assert len(table4[2]) == len(table4[3]) == 15


def test_report_2020_json_reproduces_the_seed_tables_with_official_labels(
    official_json: Any,
) -> None:
    """Without configuration, tables 2, 3 and 4 of 2020 equal the seed's, cell by cell,
    with the three local labels in their official wording."""
    expected = seed_tables(local=False)
    got = json_tables(official_json)
    for number, (mine, seed) in enumerate(zip(got, expected, strict=True), start=2):
        assert len(mine) == len(seed), f"table {number}"
        for row_number, (a, b) in enumerate(zip(mine, seed, strict=True)):
            assert a == b, f"table {number}, row {row_number}"
    assert official_json["edition"] == "2019"
    assert official_json["label_overrides"] == {}
    text = json.dumps(official_json, ensure_ascii=False)
    for local in SEED_LABELS.values():
        assert local not in text


def test_report_2020_csv_carries_the_seed_numbers_and_labels(ledger: LedgerCli) -> None:
    """The CSV's table 2, 3 and 4 rows carry the seed's labels and numbers, row by row."""
    ran = ledger("report", "2020", "--format", "csv")
    assert ran.code == 0, ran.err
    sections: dict[str, Rows] = {}
    block: Rows = []
    for row in csv.reader(io.StringIO(ran.out)):
        if not row:
            sections[block[0][0]] = block[1:]
            block = []
        else:
            block.append(row)
    sections[block[0][0]] = block[1:]
    seed2, seed3, seed4 = seed_tables(local=False)

    # table 2: long form, one row per figure: (item label, figure label) → value
    figures = {(r[2], r[4]): r[5] for r in sections["table2"][1:]}
    expected2: dict[tuple[str, str], str] = {}
    columns: list[str] = []
    for row in seed2:
        if len(row) == 1:
            continue
        if row[0] == "信息内容":
            columns = row[1:]
            continue
        expected2.update(
            {(row[0], col): value for col, value in zip(columns, row[1:], strict=True)}
        )
    assert figures == expected2

    # table 3: the last label before the seven numbers, and the numbers
    body = [(r[4], r[5:]) for r in sections["table3"][1:]]
    assert body == [(row[-8], row[-7:]) for row in seed3[3:]]

    # table 4: three groups × five columns, in the seed's order
    numbers = [v for r in sections["table4"][1:] for v in r[3:]]
    assert numbers == seed4[3]


def test_configured_local_labels_match_the_seed_exactly(ledger: LedgerCli, tmp_path: Path) -> None:
    """With a config file naming the agency's three local labels, the tables equal the seed's
    exactly, in JSON and in the Word document read back."""
    config = labels_config(tmp_path)
    data = ledger("--config", str(config), "report", "2020", "--format", "json").json()
    assert json_tables(data) == seed_tables(local=True)
    assert data["label_overrides"] == SEED_LABELS
    out = tmp_path / "2020.docx"
    ran = ledger(
        "--config", str(config), "report", "2020", "--format", "docx", "--output", str(out)
    )
    assert ran.code == 0, ran.err
    document = docx.Document(str(out))
    assert [docx_rows(t) for t in document.tables[:3]] == seed_tables(local=True)


def test_agency_add_with_local_labels_matches_the_seed(ledger: LedgerCli, tmp_path: Path) -> None:
    """`ledger agency add zhjyj --label OFFICIAL=LOCAL …` records the wording in the log, and
    `ledger report 2020` then prints the seed's labels with no configuration file."""
    copy = LedgerCli(tmp_path / "labels.db", TODAY)
    shutil.copy(ledger.db, copy.db)
    labels = [arg for k, v in SEED_LABELS.items() for arg in ("--label", f"{k}={v}")]
    added = copy("agency", "add", "zhjyj", "--name", AGENCY_NAME, *labels)
    assert added.code == 0, added.err
    assert added.out.strip() == f"agency zhjyj: {AGENCY_NAME} (3 local labels)"
    data = copy("report", "2020", "--format", "json").json()
    assert json_tables(data) == seed_tables(local=True)
    assert copy("report", "2020", "--check").code == 0


def test_docx_opens_with_the_seed_tables(ledger: LedgerCli, tmp_path: Path) -> None:
    """The Word document opens with python-docx; its first three tables are the seed's,
    cell by cell, merged cells included; headings, narrative and signature are there."""
    out = tmp_path / "2020.docx"
    ran = ledger("report", "2020", "--format", "docx", "--output", str(out))
    assert ran.code == 0, ran.err
    assert ran.out == ""
    assert ran.err.startswith(f"wrote {out} (")
    document = docx.Document(str(out))
    assert [docx_rows(t) for t in document.tables[:3]] == seed_tables(local=False)
    texts = [p.text for p in document.paragraphs]
    assert texts[0] == "宁波市镇海区教育局2020年政府信息公开工作年度报告"
    for heading in (
        "一、总体情况",
        "二、主动公开政府信息情况",
        "三、收到和处理政府信息公开申请情况",
        "四、政府信息公开行政复议、行政诉讼情况",
        "五、存在的主要问题及改进情况",
        "六、其他需要报告的事项",
    ):
        assert heading in texts
    assert "（一）主要做法" in texts
    assert any(
        t.startswith("据统计，我局全年通过不同渠道和方式主动公开政务信息968条") for t in texts
    )
    assert "无其他需要报告的事项。" in texts
    assert texts.index(AGENCY_NAME) < texts.index("2021年1月14日")


def test_xlsx_reads_back_with_the_seed_tables(ledger: LedgerCli, tmp_path: Path) -> None:
    """The workbook opens with openpyxl; its three table sheets hold the seed's tables,
    with the figures as numeric cells."""
    out = tmp_path / "2020.xlsx"
    ran = ledger("report", "2020", "--format", "xlsx", "--output", str(out))
    assert ran.code == 0, ran.err
    workbook = openpyxl.load_workbook(out)
    sheets = workbook.worksheets
    assert [ws["A1"].value for ws in sheets[:3]] == [
        "二、主动公开政府信息情况",
        "三、收到和处理政府信息公开申请情况",
        "四、政府信息公开行政复议、行政诉讼情况",
    ]
    tables = [xlsx_rows(ws, 3) for ws in sheets[:3]]
    assert tables == seed_tables(local=False)
    numbers = [c.value for row in sheets[1].iter_rows(min_row=3) for c in row if c.value == 2]
    assert numbers
    assert all(isinstance(v, int) for v in numbers)


def test_demo_records_nothing_dated_after_today(tmp_path: Path) -> None:
    """`ledger demo` with today pinned to 2021-06-01 records the history up to that day only."""
    early = LedgerCli(tmp_path / "early.db", "2021-06-01")
    ran = early("demo", "--db", str(early.db))
    assert ran.code == 0, ran.err
    last = early.sql("SELECT max(effective_date) FROM events")[0][0]
    assert last == "2021-06-01"


@pytest.mark.parametrize("today", ["2026-03-20", "2025-11-14", "2024-03-22"])
def test_demo_builds_when_its_recent_requests_meet_a_closed_day(tmp_path: Path, today: str) -> None:
    """Forty-one days before these days is a Saturday (2024: in the Spring Festival, 2025:
    in the National Day holiday): the first recent request, sent online then, is received
    on the next working day, and its clarification comes on or after that (it was asked
    before the request existed: "no such request")."""
    ledger = LedgerCli(tmp_path / "recent.db", today)
    ran = ledger("demo", "--db", str(ledger.db))
    assert ran.code == 0, ran.err
    rows = ledger.sql("SELECT stream_id, type FROM events WHERE type = 'request.clarification-requested'")
    assert any(stream.endswith("-9001") for stream, _type in rows)


def test_the_readme_main_command_works_for_a_newcomer(tmp_path: Path) -> None:
    """`ledger demo` as a newcomer runs it: a fresh home, no configuration, no pinned day,
    the default books and language; it records the history and prints the 2020 report."""
    import os

    from tests.e2e.cli_runner import run_process

    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("LEDGER_") and not k.startswith("XDG_")
    }
    env["HOME"] = str(tmp_path)
    ran = run_process(("demo",), env)
    assert ran.returncode == 0, ran.stderr
    assert "宁波市镇海区教育局2020年政府信息公开工作年度报告" in ran.stdout
    assert (tmp_path / ".local" / "share" / "ledger" / "ledger.db").exists()
