"""A full report year from the log: carry-overs, year close, amendments, tables 2, 3 and 4.

The history is the demonstration's 2020 and 2021 (recorded through the desk command
handlers, each step on its day, as ``ledger.demo`` does) plus steps of this module's own
that the rules below need: a request carried into 2021 from 2020, one still open when
2021 closed, cases concluded on 31 December and just after it, a document made in
December and published in January, a figure recorded with its Chinese labels, and the
year's narrative from a Markdown file. It is built once into a SQLite file; tests that
write work on a copy of it.

What 2021 holds as finally recorded (today is 2022-03-01):

- carried in from 2020: zhjyj-2020-0101 (natural), decided 2021-01-20;
- carried out of 2021: 0107, 0108 (decided in January 2022) and 0201 (still open); 0109 was
  carried out too, until the February amendment recorded its answer of 28 December;
- every outcome code at least once, a withdrawal (0106, counted under 其他);
- table 4: reviews upheld, concluded "other" on 31 December, and concluded in 2022; a
  lawsuit corrected; two lawsuits after review still pending at 31 December.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from functools import partial
from html.parser import HTMLParser
from io import BytesIO
from pathlib import Path
from typing import Any

import docx
import orjson
import pytest
from click.testing import CliRunner

from ledger import demo
from ledger.bootstrap import App, bootstrap
from ledger.cli import cli
from ledger.commands import annual
from ledger.commands import requests as desk_cmd
from ledger.commands._context import Desk
from ledger.commands.years import close_year
from ledger.config import Config
from ledger.dates import parse_moment, utc_now
from ledger.errors import IntegrityFailure, RuleViolation
from ledger.events.requests import RequestReceived, stream_of
from ledger.events.store import ANY, NO_STREAM, NewEvent
from ledger.events.years import RequestCarriedOver
from ledger.projections.annual import Facts, ReportRequest, build_report, check, collect
from ledger.report import editions
from ledger.report.model import APPLICANTS, OUTCOMES, AnnualReport
from ledger.report.render import render

TODAY = date(2022, 3, 1)
AGENCY = demo.AGENCY
COLUMNS = (*APPLICANTS, "total")
AMENDED_AT = "2022-02-10T10:00"
"""When the demonstration recorded 0109's answer of 28 December 2021 (an amendment)."""
NARRATIVE = """\
# 总体情况

叙述标记：本段来自测试的 Markdown 文件。

## （一）测试小节

小节正文：依申请公开工作稳步推进。

# 存在的主要问题及改进情况

问题标记：答复期限管理仍需加强。

# 其他需要报告的事项

无其他需要报告的事项。
"""


def _extra_steps(script: demo.Script, narrative: Path) -> None:
    """This module's additions to the demonstration history (see the module docstring)."""
    d = date
    script.receive("zhjyj-2020-0101", d(2020, 12, 21), "in-person", "natural")
    script.on(
        d(2021, 1, 20),
        lambda desk: desk_cmd.issue_decision(desk, "zhjyj-2020-0101", d(2021, 1, 20), "disclosed"),
    )
    script.receive("zhjyj-2021-0201", d(2021, 12, 27), "in-person", "natural")
    script.on(
        d(2021, 12, 30),
        lambda desk: annual.file_case(desk, "FY-2021-03", d(2021, 12, 30), "review", None),
    )
    script.on(
        d(2021, 12, 31),
        lambda desk: annual.conclude_case(desk, "FY-2021-03", d(2021, 12, 31), "其他"),
    )
    script.on(
        d(2021, 12, 30),
        lambda desk: annual.file_case(
            desk, "SS-2021-03", d(2021, 12, 30), "litigation-after-review", "zhjyj-2021-0007"
        ),
    )
    script.on(
        d(2022, 1, 5),
        lambda desk: annual.conclude_case(desk, "SS-2021-03", d(2022, 1, 5), "maintained"),
    )
    script.on(
        d(2022, 1, 10),
        lambda desk: annual.file_case(desk, "FY-2022-01", d(2022, 1, 10), "行政复议", None),
    )
    script.on(
        d(2021, 12, 29),
        lambda desk: annual.issue_document(
            desk, "ZHJY-2021-3", d(2021, 12, 29), "行政规范性文件", "测试文件", d(2022, 1, 4)
        ),
    )
    script.on(
        d(2022, 1, 11),
        lambda desk: annual.record_figures(desk, 2021, "行政强制", ["本年处理决定数量=4"]),
    )
    script.on(
        d(2022, 1, 21),
        lambda desk: annual.record_narrative(desk, 2021, narrative, d(2022, 1, 25)),
    )


def open_app(path: Path) -> App:
    """The application on a SQLite file, with no configuration file."""
    return bootstrap(f"sqlite:///{path}", Config(backdate_days=3650), actor="clerk")


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The SQLite file holding the whole history, built once."""
    folder = tmp_path_factory.mktemp("annual")
    narrative = folder / "2021.md"
    narrative.write_text(NARRATIVE, encoding="utf-8")
    path = folder / "history.db"
    app = open_app(path)
    script = demo.Script()
    demo.year_2020(script)
    demo.year_2021(script)
    _extra_steps(script, narrative)
    script.run(app, TODAY)
    app.close()
    return path


@pytest.fixture(scope="module")
def facts(history: Path) -> Facts:
    """The log as it stands now, collected once."""
    app = open_app(history)
    try:
        return collect(app.store)
    finally:
        app.close()


@pytest.fixture
def copy(history: Path, tmp_path: Path) -> Iterator[App]:
    """A private copy of the history to write to; new events are stamped with the clock."""
    path = tmp_path / "copy.db"
    shutil.copy(history, path)
    app = open_app(path)
    app.store.now = utc_now
    yield app
    app.close()


def report_of(facts: Facts, year: int, edition: str | None = None, **kw: Any) -> AnnualReport:
    name, labels = facts.agency_names[AGENCY]
    return build_report(
        facts, ReportRequest(year, frozenset({AGENCY}), edition, name, labels, **kw)
    )


def json_of(report: AnnualReport) -> Any:
    out = render(report, "json")
    assert isinstance(out, bytes)
    return orjson.loads(out)


def rows_by_key(data: Any) -> dict[str, dict[str, int]]:
    return {r["key"]: r["values"] for r in data["table3"]["rows"]}


def run_cli(path: Path, *args: str) -> Any:
    """``ledger --db PATH ARGS`` through click's runner, exceptions kept for inspection."""
    runner = CliRunner(env={"LEDGER_CONFIG": None, "LEDGER_TODAY": TODAY.isoformat()})
    return runner.invoke(cli, ["--db", f"sqlite:///{path}", *args])


# --- table 3: a year with carry-overs, every outcome, both editions -------------------------


def test_the_year_uses_every_outcome_and_carries_requests_in_and_out(facts: Facts) -> None:
    """2021 as recorded uses every outcome code, carries one request in and three out."""
    t3 = report_of(facts, 2021).table3
    unused = [code for code in OUTCOMES if not sum(t3.decided[code].values())]
    assert unused == []
    assert dict(t3.carried_in) == {**dict.fromkeys(APPLICANTS, 0), "natural": 1}
    assert sum(t3.carried_out.values()) == 3
    withdrawn = facts.requests["request-zhjyj-2021-0106"]
    assert (withdrawn.withdrawn, withdrawn.outcome) == (True, "other")


@pytest.mark.parametrize(("edition", "decided_rows"), [("2019", 19), ("2021", 21)])
def test_both_editions_render_and_reconcile_per_column(
    facts: Facts, edition: str, decided_rows: int
) -> None:
    """2021 renders in the 2019 and the 2021 edition, and in each, per applicant column and
    总计, new + carried in = total decided + carried out, the outcome rows adding up to （七）总计."""
    report = report_of(facts, 2021, edition)
    data = json_of(report)
    assert data["edition"] == edition
    rows = rows_by_key(data)
    decided = [r for r in data["table3"]["rows"] if r["part"] == "decided"]
    assert len(decided) == decided_rows
    for column in COLUMNS:
        came = rows["new"][column] + rows["carried-in"][column]
        went = rows["total"][column] + rows["carried-out"][column]
        assert came == went, column
        assert sum(r["values"][column] for r in decided) == rows["total"][column], column
    assert rows["total"]["total"] == 25
    assert rows["carried-in"]["total"] == 1
    assert rows["carried-out"]["total"] == 3
    for fmt in ("text", "md", "csv", "html", "docx", "xlsx"):
        assert render(report, fmt)


def test_the_2019_edition_counts_every_other_ending_in_one_row(facts: Facts) -> None:
    """In the 2019 edition （六）其他处理 counts no-clarification, fee-unpaid and 其他 (the
    withdrawal included); the 2021 edition shows them on three rows."""
    old = {r["label"]: r for r in json_of(report_of(facts, 2021, "2019"))["table3"]["rows"]}
    new = rows_by_key(json_of(report_of(facts, 2021, "2021")))
    row = old["（六）其他处理"]
    assert row["outcomes"] == ["other.no-clarification", "other.fee-unpaid", "other"]
    assert row["values"]["total"] == 4
    assert [new[code]["total"] for code in row["outcomes"]] == [1, 1, 2]


def test_check_passes_on_the_consistent_log(facts: Facts) -> None:
    """`check` finds nothing wrong in 2020, 2021 or 2022 of the consistent log."""
    for year in (2020, 2021, 2022):
        assert check(facts, year, None) == [], year


# --- closing a year ----------------------------------------------------------------------


def test_close_year_is_idempotent(db_url: str) -> None:
    """Closing a year carries its open requests over once; a second close adds nothing."""
    app = bootstrap(db_url, Config(backdate_days=3650), actor="clerk")
    try:
        desk = Desk(app.store, "clerk", AGENCY, date(2023, 1, 3))
        for rid, on in (("OPEN", date(2022, 12, 20)), ("DONE", date(2022, 12, 1))):
            cmd = desk_cmd.RecordReceipt(on, "in-person", "natural", rid, agency=AGENCY)
            desk_cmd.record_receipt(desk, cmd)
        desk_cmd.issue_decision(desk, "DONE", date(2022, 12, 5), "disclosed")
        first = close_year(desk, 2022, AGENCY)
        assert (first.carried_over, first.already_closed) == (("OPEN",), False)
        before = app.store.last_position()
        second = close_year(desk, 2022, AGENCY)
        assert (second.carried_over, second.already_closed) == ((), True)
        assert app.store.last_position() == before
        types = [e.type for e in app.store.read_stream(stream_of("OPEN"))]
        assert types.count("request.carried-over") == 1
    finally:
        app.close()


def test_close_year_command_twice_adds_nothing(copy: App) -> None:
    """`ledger close-year 2021` on the closed year says so, and the log keeps its size."""
    path = Path(str(copy.engine.url.database))
    before = copy.store.last_position()
    ran = run_cli(path, "close-year", "2021", "--agency", AGENCY)
    assert ran.exit_code == 0, ran.output
    assert ran.output.strip() == "2021 (zhjyj) was already closed; nothing added"
    assert copy.store.last_position() == before


def test_a_step_dated_in_a_closed_year_is_refused_and_nothing_written(copy: App) -> None:
    """After 2021 is closed, a decision, a receipt, a case or a document dated in 2021 is
    refused with a message pointing to --amend, and nothing is written."""
    desk = Desk(copy.store, "clerk", AGENCY, TODAY)
    before = copy.store.last_position()
    receipt = desk_cmd.RecordReceipt(date(2021, 12, 20), "in-person", "natural", "LATE-1")
    attempts = [
        lambda: desk_cmd.issue_decision(desk, "zhjyj-2021-0201", date(2021, 12, 30), "disclosed"),
        lambda: desk_cmd.record_receipt(desk, receipt),
        lambda: annual.file_case(desk, "FY-LATE", date(2021, 6, 1), "review", None),
        lambda: annual.issue_document(desk, "DOC-LATE", date(2021, 6, 1), "rules", "", None),
    ]
    for attempt in attempts:
        with pytest.raises(RuleViolation) as refused:
            attempt()
        message = refused.value.message
        assert "2021, which is closed" in message
        assert "--amend" in message
        assert "\n" not in message
    assert copy.store.last_position() == before


@pytest.mark.parametrize("step", ["case-end", "repeal"])
def test_a_case_end_or_repeal_dated_in_the_agencys_closed_year_is_refused(
    copy: App, step: str
) -> None:
    """Concluding zhjyj's case or repealing its document on a date in zhjyj's closed 2021 is
    refused (unless amended), whichever agency the desk is configured for."""
    desk = Desk(copy.store, "clerk", "default", TODAY)  # the CLI's desk without a config file
    before = copy.store.last_position()
    steps = {
        "case-end": partial(annual.conclude_case, desk, "SS-2021-02", date(2021, 12, 20), "其他"),
        "repeal": partial(annual.repeal_document, desk, "ZHJY-2021-1", date(2021, 11, 1)),
    }
    with pytest.raises(RuleViolation, match="--amend"):
        steps[step]()
    assert copy.store.last_position() == before


def test_amend_is_refused_for_a_year_that_is_not_closed(copy: App) -> None:
    """--amend on a date in an open year is refused: it is for closed years only."""
    desk = Desk(copy.store, "clerk", AGENCY, TODAY, amend=True)
    before = copy.store.last_position()
    with pytest.raises(RuleViolation, match="2022 is not closed; record it without --amend"):
        desk_cmd.issue_decision(desk, "zhjyj-2021-0201", date(2022, 2, 1), "disclosed")
    assert copy.store.last_position() == before


# --- amendments -------------------------------------------------------------------------


def test_an_amended_decision_revokes_the_carry_over(copy: App) -> None:
    """A decision dated in the closed year, recorded with amend, is stored together with
    request.amendment-recorded and request.carry-over-revoked, and the tables follow."""
    desk = Desk(copy.store, "clerk", AGENCY, TODAY, amend=True)
    recorded = desk_cmd.issue_decision(desk, "zhjyj-2021-0201", date(2021, 12, 30), "partial")
    stored = [(e.type, e.data, e.effective_date) for e in recorded.events]
    assert [t for t, _, _ in stored] == [
        "request.decision-issued",
        "request.amendment-recorded",
        "request.carry-over-revoked",
    ]
    assert all(on == date(2021, 12, 30) for _, _, on in stored)
    assert stored[1][1]["year"] == stored[2][1]["year"] == 2021
    assert "amendment" in stored[2][1]["reason"]
    assert recorded.state.carried_out_of == []

    after = collect(copy.store)
    t3 = report_of(after, 2021).table3
    assert sum(t3.carried_out.values()) == 2
    assert sum(t3.decided["partial"].values()) == 2
    assert sum(report_of(after, 2022).table3.carried_in.values()) == 2
    assert check(after, 2021, None) == check(after, 2022, None) == []


def test_an_amended_late_receipt_is_carried_over(copy: App) -> None:
    """A receipt dated in the closed year, recorded with amend, is carried over out of it in
    the same append, so the 2021 and 2022 tables still reconcile with the carry-overs."""
    desk = Desk(copy.store, "clerk", AGENCY, TODAY, amend=True)
    cmd = desk_cmd.RecordReceipt(date(2021, 12, 20), "in-person", "business", "LATE-1")
    recorded = desk_cmd.record_receipt(desk, cmd)
    types = [e.type for e in recorded.events]
    assert types[:3] == [
        "request.received",
        "request.amendment-recorded",
        "request.carried-over",
    ]
    assert recorded.state.carried_out_of == [2021]
    after = collect(copy.store)
    t3 = report_of(after, 2021).table3
    assert t3.new["business"] == report_of(collect_before(copy), 2021).table3.new["business"] + 1
    assert sum(t3.carried_out.values()) == 4
    assert check(after, 2021, None) == check(after, 2022, None) == []


def collect_before(app: App) -> Facts:
    """The log as it stood before this test's own appends (the last scripted step)."""
    return collect(app.store, parse_moment("2022-02-28", "--as-of"))


def test_the_demonstration_amendment_is_in_the_log(facts: Facts, history: Path) -> None:
    """The demonstration recorded 0109's answer of 28 December in February, with amend: its
    stream holds the year-end carry-over, then the decision and its correcting events."""
    app = open_app(history)
    try:
        events = app.store.read_stream(stream_of("zhjyj-2021-0109"))
    finally:
        app.close()
    types = [e.type for e in events if e.type != "request.deadline-set"]
    assert types[-4:] == [
        "request.carried-over",
        "request.decision-issued",
        "request.amendment-recorded",
        "request.carry-over-revoked",
    ]
    assert events[-1].effective_date == date(2021, 12, 28)
    assert facts.requests["request-zhjyj-2021-0109"].decided_on == date(2021, 12, 28)


@pytest.mark.parametrize(
    ("as_of", "carried_out", "disclosed"),
    [
        ("2022-02-09", 4, 3),  # the end of the day before: the figures as first published
        ("2022-02-10T09:59", 4, 3),  # a minute before the amendment was recorded
        ("2022-02-10T10:01", 3, 4),  # a minute after it
        (None, 3, 4),  # as the log stands now
    ],
)
def test_report_as_of_before_the_amendment_prints_the_original_figures(
    history: Path, as_of: str | None, carried_out: int, disclosed: int
) -> None:
    """`ledger report 2021 --as-of` before the amendment gives the original figures (0109
    carried over); after it, and by default, the corrected ones (0109 disclosed)."""
    extra = ("--as-of", as_of) if as_of else ()
    ran = run_cli(history, "report", "2021", "--format", "json", *extra)
    assert ran.exit_code == 0, ran.output
    rows = rows_by_key(orjson.loads(ran.output))
    assert rows["carried-out"]["total"] == carried_out
    assert rows["disclosed"]["total"] == disclosed
    text = run_cli(history, "report", "2021", "--no-stats", *extra)
    assert text.exit_code == 0, text.output
    assert ("本报告数据按" in text.output) == bool(as_of)


# --- --check -----------------------------------------------------------------------------


def test_report_check_exits_zero_on_a_consistent_log(history: Path) -> None:
    """`ledger report 2021 --check` says the tables reconcile and exits 0."""
    ran = run_cli(history, "report", "2021", "--check")
    assert ran.exit_code == 0, ran.output
    assert ran.output.strip() == (
        "report 2021: tables reconcile and agree with the recorded carry-overs"
    )


def test_report_check_names_a_request_whose_carry_over_disagrees(copy: App) -> None:
    """A raw request.carried-over appended for a request decided in 2021 makes `--check`
    fail for 2021 (and 2022), naming the request and the year, while the tables, counted
    from the requests, still reconcile."""
    copy.store.append(
        stream_of("zhjyj-2021-0001"),
        [NewEvent(RequestCarriedOver(year=2021), date(2021, 12, 31))],
        expected_version=ANY,
        actor="tamper",
        agency=AGENCY,
    )
    path = Path(str(copy.engine.url.database))
    for year in ("2021", "2022"):
        ran = run_cli(path, "report", year, "--check")
        assert ran.exit_code != 0
        assert isinstance(ran.exception, IntegrityFailure)
        message = ran.exception.message
        assert "request zhjyj-2021-0001: closed at the end of 2021" in message
        assert "did carry it over" in message
        assert "\n" not in message
    facts = collect(copy.store)
    assert report_of(facts, 2021).table3.reconciliation_errors() == []


def test_report_check_names_an_open_request_the_close_missed(copy: App) -> None:
    """A request received in 2021 and appended after the close without amend (bypassing the
    desk) is open at the end of 2021 without a carry-over: `--check` names it."""
    on = date(2021, 12, 28)
    event = RequestReceived(
        request_id="SNEAK-1", channel="in-person", applicant="natural", received_on=on,
        submitted_on=on,
    )  # fmt: skip
    copy.store.append(
        stream_of("SNEAK-1"),
        [NewEvent(event, on)],
        expected_version=NO_STREAM,
        actor="tamper",
        agency=AGENCY,
    )
    problems = check(collect(copy.store), 2021, None)
    assert problems == [
        "request SNEAK-1: open at the end of 2021, but the year close did not carry it over"
    ]


# --- table 4 -----------------------------------------------------------------------------


def test_table4_counts_cases_in_the_year_filed_by_the_outcome_known_at_31_december(
    facts: Facts,
) -> None:
    """A case counts in the year it was filed, in the column of its outcome as known at 31
    December: concluded on 31 December counts as concluded, concluded in 2022 as pending."""
    t4 = report_of(facts, 2021).table4
    assert t4.review.values() == {
        "maintained": 1, "corrected": 0, "other": 1, "pending": 1, "total": 3,
    }  # fmt: skip
    assert t4.litigation_direct.values() == {
        "maintained": 0, "corrected": 1, "other": 0, "pending": 0, "total": 1,
    }  # fmt: skip
    assert t4.litigation_after_review.values() == {
        "maintained": 0, "corrected": 0, "other": 0, "pending": 2, "total": 2,
    }  # fmt: skip
    t4_2022 = report_of(facts, 2022).table4
    assert t4_2022.review.values()["total"] == 1  # FY-2022-01 only; 2021's stay in 2021
    assert t4_2022.review.pending == 1
    assert t4_2022.litigation_after_review.total == 0


def test_table4_json_has_the_fifteen_columns(facts: Facts) -> None:
    """Table 4 in JSON: three groups of the five official columns, totals the sums."""
    data = json_of(report_of(facts, 2021))["table4"]
    assert [c["label"] for c in data["columns"]] == [
        "结果维持",
        "结果纠正",
        "其他结果",
        "尚未审结",
        "总计",
    ]
    assert [(r["label"], r["parent"]) for r in data["rows"]] == [
        ("行政复议", None),
        ("未经复议直接起诉", "行政诉讼"),
        ("复议后起诉", "行政诉讼"),
    ]
    for row in data["rows"]:
        values = row["values"]
        assert values["total"] == sum(
            values[k] for k in ("maintained", "corrected", "other", "pending")
        )


# --- table 2 -----------------------------------------------------------------------------


def figures_of(report: AnnualReport) -> dict[tuple[str, str], Any]:
    data = json_of(report)["table2"]
    return {
        (row["label"], column["label"]): row["values"][column["key"]]
        for section in data["sections"]
        for column in section["columns"]
        for row in section["rows"]
    }


def test_table2_counts_documents_per_edition(facts: Facts) -> None:
    """Documents: the 2021 edition counts made, repealed and in force; the 2019 edition made,
    published in the year and published and in force at its end."""
    f2021 = figures_of(report_of(facts, 2021, "2021"))
    assert [
        f2021["行政规范性文件", c] for c in ("本年制发件数", "本年废止件数", "现行有效件数")
    ] == [3, 1, 3]
    assert [f2021["规章", c] for c in ("本年制发件数", "本年废止件数", "现行有效件数")] == [0, 0, 0]
    f2019 = figures_of(report_of(facts, 2021, "2019"))
    assert [
        f2019["规范性文件", c] for c in ("本年新制作数量", "本年新公开数量", "对外公开总数量")
    ] == [3, 2, 2]
    f2022 = figures_of(report_of(facts, 2022, "2019"))
    assert [
        f2022["规范性文件", c] for c in ("本年新制作数量", "本年新公开数量", "对外公开总数量")
    ] == [0, 1, 3]
    f2020 = figures_of(report_of(facts, 2020))
    assert [
        f2020["规范性文件", c] for c in ("本年新制作数量", "本年新公开数量", "对外公开总数量")
    ] == [1, 1, 1]


def test_table2_figures_recorded_with_chinese_labels(facts: Facts) -> None:
    """Figures recorded with the Chinese item and column labels land in their cells; the
    2019 edition has procurement, the 2021 edition fee income in 万元 and no procurement."""
    f2020 = figures_of(report_of(facts, 2020))
    assert [f2020["行政许可", c] for c in ("上一年项目数量", "本年增/减", "处理决定数量")] == [
        22,
        0,
        200,
    ]
    assert f2020["政府集中采购", "采购总金额"] == 0
    f2021 = figures_of(report_of(facts, 2021))
    assert f2021["行政许可", "本年处理决定数量"] == 186
    assert f2021["行政处罚", "本年处理决定数量"] == 3
    assert f2021["行政强制", "本年处理决定数量"] == 4  # 本年处理决定数量=4 replaced decisions=0
    assert f2021["行政事业性收费", "本年收费金额（单位：万元）"] == "0.85"
    assert not any(item == "政府集中采购" for item, _ in f2021)
    assert report_of(facts, 2021).table2.figure("fees", "fee-amount") == Decimal("0.85")


# --- narrative and statistics -------------------------------------------------------------


class _Text(HTMLParser):
    """The visible text of a page, and the text inside each <table>."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.tables: list[list[str]] = []
        self._depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._depth += 1
            self.tables.append([])

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._depth -= 1

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._depth:
            self.tables[-1].append(data)


def test_narrative_from_markdown_appears_in_text_html_and_docx(facts: Facts) -> None:
    """The narrative recorded from the Markdown file is printed in text, html and docx, its
    sub-heading as a heading, under the official section headings."""
    report = report_of(facts, 2021)
    assert report.date_signed == date(2022, 1, 25)
    text = render(report, "text")
    assert isinstance(text, str)
    lines = text.splitlines()
    for needle in (
        "叙述标记：本段来自测试的 Markdown 文件。",
        "（一）测试小节",
        "问题标记：答复期限管理仍需加强。",
    ):
        assert needle in lines
    assert lines.index("一、总体情况") < lines.index("叙述标记：本段来自测试的 Markdown 文件。")
    assert lines.index("五、存在的主要问题及改进情况") < lines.index(
        "问题标记：答复期限管理仍需加强。"
    )

    page = _Text()
    html = render(report, "html")
    assert isinstance(html, str)
    page.feed(html)
    visible = [t.strip() for t in page.text]
    assert "叙述标记：本段来自测试的 Markdown 文件。" in visible
    assert "（一）测试小节" in visible

    document = docx.Document(BytesIO(render(report, "docx")))  # type: ignore[arg-type]
    paragraphs = {p.text: p.style.name for p in document.paragraphs}
    assert paragraphs["叙述标记：本段来自测试的 Markdown 文件。"] == "Normal"
    assert paragraphs["（一）测试小节"].startswith("Heading")
    assert paragraphs["一、总体情况"].startswith("Heading")


def test_processing_statistics_are_outside_the_official_tables(facts: Facts) -> None:
    """The processing statistics appear in text, json and html, after the official tables and
    never inside them; they agree with table 3; --no-stats leaves them out."""
    report = report_of(facts, 2021)
    stats_labels = list(editions.STATS_LABELS.values())

    data = json_of(report)
    stats = data["stats"]
    answered = stats["answered_on_time"] + stats["answered_late"]
    assert answered == rows_by_key(data)["total"]["total"]
    assert [o["request_id"] for o in stats["oldest_open"]] == [
        "zhjyj-2021-0107", "zhjyj-2021-0108", "zhjyj-2021-0201",
    ]  # fmt: skip
    assert sum(stats["received_per_month"]) == rows_by_key(data)["new"]["total"]
    official = orjson.dumps([data["table2"], data["table3"], data["table4"]]).decode()
    assert not any(label in official for label in stats_labels)

    text = render(report, "text")
    assert isinstance(text, str)
    assert text.index(editions.STATS_HEADING) > text.index("2022年1月25日")
    tables_part = text[: text.index(editions.STATS_HEADING)]
    assert not any(label in tables_part for label in stats_labels)
    assert all(label in text for label in stats_labels)

    page = _Text()
    html = render(report, "html")
    assert isinstance(html, str)
    page.feed(html)
    assert len(page.tables) > 3
    assert not any(label in cell for t in page.tables[:3] for cell in t for label in stats_labels)
    assert any(label in cell for t in page.tables[3:] for cell in t for label in stats_labels)

    bare = report_of(facts, 2021, with_stats=False)
    assert json_of(bare)["stats"] is None
    for fmt in ("text", "html"):
        out = render(bare, fmt)
        assert isinstance(out, str)
        assert editions.STATS_HEADING not in out
        assert not any(label in out for label in stats_labels)


def test_as_of_collect_ignores_later_events(history: Path) -> None:
    """The log as known at the end of 2021 has no 2022 decisions and no year close yet."""
    app = open_app(history)
    try:
        known = collect(app.store, parse_moment("2021-12-31", "--as-of"))
    finally:
        app.close()
    assert known.closed.get(AGENCY, set()) == {2020}
    state = known.requests["request-zhjyj-2021-0107"]
    assert state.decided_on is None
    assert state.carried_out_of == []
