"""`ledger report` as a person runs it: every format, --output, and the refusals.

One demonstration database is built for the module (in-process ``ledger demo``); the
commands run in-process through ``ledger.cli.main``, the script's entry point, so that a
refusal is checked exactly as a person sees it: one line on standard error and a
non-zero exit. Commands that must write nothing are checked against the log's size and
head hash; commands that may write run on a copy.
"""

from __future__ import annotations

import csv
import errno
import io
import json
import re
import shutil
import tempfile
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pytest
from click.testing import CliRunner
from wcwidth import wcswidth

from ledger.cli import cli
from ledger.errors import InvalidInput
from tests.e2e.cli_runner import LedgerCli

TODAY = "2022-03-01"  # as in test_demo: after the demonstration's 2020-2022 history
FORMATS = ("text", "md", "csv", "json", "html", "docx", "xlsx")
COLUMN_LABELS = ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
OUTCOME_ROWS_2021 = {
    "disclosed": "（一）予以公开",
    "partial": "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
    "withheld.state-secret": "1.属于国家秘密",
    "withheld.law-prohibited": "2.其他法律行政法规禁止公开",
    "withheld.security-stability": "3.危及“三安全一稳定”",
    "withheld.third-party": "4.保护第三方合法权益",
    "withheld.internal": "5.属于三类内部事务信息",
    "withheld.process": "6.属于四类过程性信息",
    "withheld.enforcement-file": "7.属于行政执法案卷",
    "withheld.query-matter": "8.属于行政查询事项",
    "unavailable.not-held": "1.本机关不掌握相关政府信息",
    "unavailable.needs-creation": "2.没有现成信息需要另行制作",
    "unavailable.still-unclear": "3.补正后申请内容仍不明确",
    "declined.petition": "1.信访举报投诉类申请",
    "declined.repeat": "2.重复申请",
    "declined.publication": "3.要求提供公开出版物",
    "declined.excessive": "4.无正当理由大量反复申请",
    "declined.confirmation": "5.要求行政机关确认或重新出具已获取信息",
    "other.no-clarification": "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    "other.fee-unpaid": "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    "other": "3.其他",
}
"""The rows of table 3 by outcome code, in the 2021 format's words (docs/rules.md)."""
SECTIONS = [
    "一、总体情况",
    "二、主动公开政府信息情况",
    "三、收到和处理政府信息公开申请情况",
    "四、政府信息公开行政复议、行政诉讼情况",
    "五、存在的主要问题及改进情况",
    "六、其他需要报告的事项",
]
GROUPS_2021 = {
    "withheld": "（三）不予公开",
    "unavailable": "（四）无法提供",
    "declined": "（五）不予处理",
    "other": "（六）其他处理",
}


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> LedgerCli:
    """``ledger`` on a demonstration database built once (read-only use)."""
    folder = tmp_path_factory.mktemp("report-cli")
    runner = LedgerCli(folder / "demo.db", TODAY)
    built = runner("demo", "--db", str(runner.db))
    assert built.code == 0, built.err
    return runner


@pytest.fixture
def scratch(ledger: LedgerCli, tmp_path: Path) -> LedgerCli:
    """A private copy of the demonstration database, for commands that may write."""
    copy = LedgerCli(tmp_path / "scratch.db", TODAY)
    shutil.copy(ledger.db, copy.db)
    return copy


def out_of(ledger: LedgerCli, *args: str) -> str:
    ran = ledger(*args)
    assert ran.code == 0, ran.err
    return ran.out


# --- every format --------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("year", ["2020", "2021"])
def test_every_format_renders(ledger: LedgerCli, tmp_path: Path, fmt: str, year: str) -> None:
    """Each --format renders both report years (2019 and 2021 edition), to a file if asked."""
    out = tmp_path / f"report.{fmt}"
    ran = ledger("report", year, "--format", fmt, "--output", str(out))
    assert ran.code == 0, ran.err
    assert ran.out == ""
    assert ran.err.strip() == f"wrote {out} ({out.stat().st_size} bytes)"
    assert out.stat().st_size > 1000


@pytest.mark.parametrize("year", ["2020", "2021"])
def test_text_tables_align_by_display_width(ledger: LedgerCli, year: str) -> None:
    """Every line of each text table has the same display width (a CJK character counts two),
    though not the same number of characters."""
    lines = out_of(ledger, "report", year).splitlines()
    tables: list[list[str]] = []
    inside = False
    for line in lines:
        ruled = line.startswith(("+", "|"))
        if ruled and not inside:
            tables.append([])
        if ruled:
            tables[-1].append(line)
        inside = ruled
    assert len(tables) >= 5  # tables 2, 3, 4 and the statistics
    for table in tables:
        widths = {wcswidth(line) for line in table}
        assert len(widths) == 1, table
        assert table[0].startswith("+")
        assert table[-1].startswith("+")
    assert any(len({len(line) for line in t}) > 1 for t in tables)


def test_json_has_official_labels_and_outcome_codes(ledger: LedgerCli) -> None:
    """JSON: each table with its official column labels and rows; each table 3 row with its
    official label, its outcome codes and its numbers (2021 edition)."""
    data = json.loads(out_of(ledger, "report", "2021", "--format", "json"))
    assert (data["schema"], data["year"], data["edition"]) == (
        "ledger.annual-report/1",
        2021,
        "2021",
    )
    assert data["edition_document"] == "国办公开办函〔2021〕30号"
    t3 = data["table3"]
    assert t3["heading"] == "三、收到和处理政府信息公开申请情况"
    assert [c["label"] for c in t3["columns"]] == COLUMN_LABELS
    assert {c["group"] for c in t3["columns"][1:6]} == {"法人或其他组织"}
    rows = t3["rows"]
    assert [r["label"] for r in rows[:2]] == [
        "一、本年新收政府信息公开申请数量",
        "二、上年结转政府信息公开申请数量",
    ]
    assert [r["label"] for r in rows[-2:]] == ["（七）总计", "四、结转下年度继续办理"]
    by_code = {r["outcomes"][0]: r for r in rows if r["part"] == "decided"}
    assert list(by_code) == list(OUTCOME_ROWS_2021)
    for code, label in OUTCOME_ROWS_2021.items():
        row = by_code[code]
        assert (row["label"], row["official_label"], row["outcomes"]) == (label, label, [code])
        assert row["section"] == "三、本年度办理结果"
        assert row["group"] == GROUPS_2021.get(code.partition(".")[0])
        assert set(row["values"]) == {
            "natural",
            "business",
            "research",
            "nonprofit",
            "legal",
            "other",
            "total",
        }
        assert row["values"]["total"] >= 1
    t2 = data["table2"]["sections"]
    assert [(s["clause"], [c["label"] for c in s["columns"]]) for s in t2] == [
        ("第二十条第（一）项", ["本年制发件数", "本年废止件数", "现行有效件数"]),
        ("第二十条第（五）项", ["本年处理决定数量"]),
        ("第二十条第（六）项", ["本年处理决定数量"]),
        ("第二十条第（八）项", ["本年收费金额（单位：万元）"]),
    ]
    assert [r["label"] for s in t2 for r in s["rows"]] == [
        "规章", "行政规范性文件", "行政许可", "行政处罚", "行政强制", "行政事业性收费",
    ]  # fmt: skip
    t4 = data["table4"]
    assert [c["label"] for c in t4["columns"]] == [
        "结果维持",
        "结果纠正",
        "其他结果",
        "尚未审结",
        "总计",
    ]
    assert [r["label"] for r in t4["rows"]] == ["行政复议", "未经复议直接起诉", "复议后起诉"]


def test_json_2019_edition_has_one_other_row_with_three_codes(ledger: LedgerCli) -> None:
    """In the 2019 edition the JSON row （六）其他处理 lists the three 'other' outcome codes."""
    data = json.loads(out_of(ledger, "report", "2021", "--edition", "2019", "--format", "json"))
    rows = {r["label"]: r for r in data["table3"]["rows"]}
    assert rows["（六）其他处理"]["outcomes"] == [
        "other.no-clarification",
        "other.fee-unpaid",
        "other",
    ]
    assert rows["（六）其他处理"]["group"] is None
    assert [s["clause"] for s in data["table2"]["sections"]][-1] == "第二十条第（九）项"


class _Page(HTMLParser):
    """Counts elements and collects the text of each table and each heading."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: dict[str, int] = {}
        self.tables: list[list[str]] = []
        self.headings: list[str] = []
        self._in: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] = self.tags.get(tag, 0) + 1
        self._in.append(tag)
        if tag == "table":
            self.tables.append([])

    def handle_endtag(self, tag: str) -> None:
        while self._in and self._in.pop() != tag:
            pass

    def handle_data(self, data: str) -> None:
        if "table" in self._in and data.strip():
            self.tables[-1].append(data.strip())
        if self._in and self._in[-1] in ("h1", "h2", "h3"):
            self.headings.append(data.strip())


def test_html_is_one_self_contained_page_with_an_inline_chart(ledger: LedgerCli) -> None:
    """The html is one page that fetches nothing (no scripts, links, external sources or
    urls) and draws the monthly chart as inline SVG; the three tables carry their labels."""
    html = out_of(ledger, "report", "2021", "--format", "html")
    svg_namespace = 'xmlns="http://www.w3.org/2000/svg"'  # a name, not something fetched
    assert html.count(svg_namespace) == 1
    assert html.lstrip().lower().startswith("<!doctype html>")
    assert html.lower().count("<html") == 1
    for forbidden in (
        "<script",
        "<link",
        "<iframe",
        "<img",
        " src=",
        "url(",
        "@import",
        "http://",
        "https://",
    ):
        assert forbidden not in html.replace(svg_namespace, "").lower(), forbidden
    page = _Page()
    page.feed(html)
    assert page.tags.get("svg") == 1
    assert page.tags.get("rect", 0) >= 24  # received and answered bars for 12 months
    assert page.headings[0] == "宁波市镇海区教育局2021年政府信息公开工作年度报告"
    assert [h for h in page.headings if h in SECTIONS] == SECTIONS
    table2, table3, table4 = page.tables[:3]
    assert "本年制发件数" in table2
    assert "一、本年新收政府信息公开申请数量" in table3
    assert "结转下年度" not in "".join(table2)
    assert table4[:3] == ["行政复议", "行政诉讼", "未经复议直接起诉"]


def _pipe_cells(line: str) -> list[str]:
    """The cells of a Markdown pipe-table line (escaped pipes stay inside their cell)."""
    assert line.startswith("|"), line
    assert line.endswith("|"), line
    return [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]


def test_markdown_parses_into_headings_and_consistent_pipe_tables(ledger: LedgerCli) -> None:
    """The Markdown has the title and six section headings, and every pipe table has an
    alignment row and the same number of cells on each line."""
    text = out_of(ledger, "report", "2021", "--format", "md")
    lines = text.splitlines()
    assert lines[0] == "# 宁波市镇海区教育局2021年政府信息公开工作年度报告"
    sections = [line[3:] for line in lines if line.startswith("## ")]
    assert sections[:6] == SECTIONS
    tables: list[list[list[str]]] = []
    previous = ""
    for line in lines:
        if line.startswith("|"):
            if not previous.startswith("|"):
                tables.append([])
            tables[-1].append(_pipe_cells(line))
        previous = line
    assert len(tables) >= 6
    for table in tables:
        width = len(table[0])
        assert all(len(row) == width for row in table), table[0]
        assert all(re.fullmatch(r":?-{3,}:?", cell) for cell in table[1])
    table3 = next(t for t in tables if t[0][0] == "申请人情况")
    assert table3[0][1:] == COLUMN_LABELS
    labels = [row[0] for row in table3[2:]]
    assert "一、本年新收政府信息公开申请数量" in labels
    assert "四、结转下年度继续办理" in labels


def test_csv_parses_into_sections_that_reconcile(ledger: LedgerCli) -> None:
    """The CSV parses into keyed sections whose rows match their header; table 3's columns
    reconcile (new + carried in = total decided + carried out)."""
    text = out_of(ledger, "report", "2021", "--format", "csv")
    sections: dict[str, list[list[str]]] = {}
    current: list[list[str]] | None = None
    for row in csv.reader(io.StringIO(text)):
        if not row:
            current = None
        elif current is None:
            current = sections.setdefault(row[0], [])
        else:
            current.append(row)
    assert list(sections)[:4] == ["report", "table2", "table3", "table4"]
    assert "stats-summary" in sections
    for key, rows in sections.items():
        assert all(len(r) == len(rows[0]) for r in rows), key
    header, *body = sections["table3"]
    rows = {r[0]: dict(zip(header, r, strict=True)) for r in body}
    for column in ("natural", "business", "research", "nonprofit", "legal", "other", "total"):
        came = int(rows["new"][column]) + int(rows["carried-in"][column])
        went = int(rows["total"][column]) + int(rows["carried-out"][column])
        assert came == went, column
    assert rows["withheld.internal"]["label"] == "5.属于三类内部事务信息"
    assert rows["withheld.internal"]["group"] == "（三）不予公开"


# --- --output -------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["text", "json", "csv", "md", "html"])
def test_output_file_holds_what_stdout_prints(ledger: LedgerCli, tmp_path: Path, fmt: str) -> None:
    """--output writes exactly what standard output shows (which ends the text with a newline
    where the file has none, as JSON), and leaves no temporary file behind."""
    shown = out_of(ledger, "report", "2021", "--format", fmt)
    target = tmp_path / f"2021.{fmt}"
    ran = ledger("report", "2021", "--format", fmt, "--output", str(target))
    assert ran.code == 0, ran.err
    written = target.read_bytes()
    if fmt == "csv":  # a file for spreadsheets starts with the UTF-8 byte-order mark
        assert written.startswith("\ufeff".encode())
        written = written.removeprefix("\ufeff".encode())
    assert shown.encode() == (written if written.endswith(b"\n") else written + b"\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]


def test_output_replaces_an_existing_file_only_when_complete(
    ledger: LedgerCli, tmp_path: Path
) -> None:
    """An existing output file is replaced by a good run and untouched by a refused one."""
    target = tmp_path / "report.txt"
    target.write_text("old", encoding="utf-8")
    refused = ledger("report", "2021", "--as-of", "not-a-date", "--output", str(target))
    assert refused.code != 0
    assert target.read_text(encoding="utf-8") == "old"
    ran = ledger("report", "2021", "--output", str(target))
    assert ran.code == 0, ran.err
    assert target.read_text(encoding="utf-8").startswith("宁波市镇海区教育局2021年")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.txt"]


def test_output_is_not_touched_when_the_rename_fails(
    ledger: LedgerCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If moving the finished file into place fails, the old file is intact and the
    temporary file is removed (the write is atomic)."""
    target = tmp_path / "report.docx"
    target.write_bytes(b"published")

    def fail(self: Path, other: Any) -> Path:
        raise OSError(errno.EXDEV, "rename failed")

    monkeypatch.setattr(Path, "replace", fail)
    runner = CliRunner(env={"LEDGER_CONFIG": None})
    result = runner.invoke(
        cli,
        [
            "--db",
            f"sqlite:///{ledger.db}",
            "report",
            "2021",
            "--format",
            "docx",
            "--output",
            str(target),
        ],
    )
    assert isinstance(result.exception, InvalidInput)
    assert "--output" in str(result.exception)
    assert target.read_bytes() == b"published"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.docx"]


def test_an_output_that_cannot_be_written_is_refused_in_one_line(
    ledger: LedgerCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A disk-full error while writing --output is one line naming the file, exit non-zero."""

    def full(*args: Any, **kwargs: Any) -> Any:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(tempfile, "mkstemp", full)
    target = tmp_path / "2021.txt"
    ran = ledger("report", "2021", "--output", str(target))
    line = ran.refusal()
    assert str(target) in line or "--output" in line
    assert not target.exists()


@pytest.mark.parametrize("fmt", ["docx", "xlsx"])
def test_binary_formats_need_output(ledger: LedgerCli, fmt: str) -> None:
    """docx and xlsx without --output are refused in one line, with nothing on stdout."""
    ran = ledger("report", "2020", "--format", fmt)
    assert ran.refusal() == f"ledger: --format {fmt} is a binary file; give --output FILE"
    assert ran.code == 2
    assert ran.out == ""


def test_xlsx_output_reads_back(ledger: LedgerCli, tmp_path: Path) -> None:
    """The xlsx output opens with openpyxl: the three tables, then the statistics sheet."""
    target = tmp_path / "2021.xlsx"
    assert ledger("report", "2021", "--format", "xlsx", "--output", str(target)).code == 0
    workbook = openpyxl.load_workbook(target)
    assert [ws["A1"].value for ws in workbook.worksheets] == [
        "二、主动公开政府信息情况",
        "三、收到和处理政府信息公开申请情况",
        "四、政府信息公开行政复议、行政诉讼情况",
        "附：办理情况统计",
    ]
    document_target = tmp_path / "2021.docx"
    assert ledger("report", "2021", "--format", "docx", "--output", str(document_target)).code == 0
    assert len(docx.Document(str(document_target)).tables) >= 4


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (("--format", "pdf"), ("--format", "'pdf'")),
        (("--edition", "2020"), ("--edition", "'2020'")),
        (("--as-of", "2021-13-01"), ("--as-of", "'2021-13-01'", "YYYY-MM-DD")),
        (("--as-of", "yesterday"), ("--as-of", "'yesterday'")),
        (("--output", "/no/such/folder/r.txt"), ("--output", "/no/such/folder")),
    ],
    ids=["format", "edition", "as-of-month", "as-of-word", "output-folder"],
)
def test_bad_report_options_are_refused_in_one_line(
    ledger: LedgerCli, args: tuple[str, ...], needles: tuple[str, ...]
) -> None:
    """An unknown format or edition, a bad --as-of or an output folder that does not exist is
    refused in one line naming the option and the value, with a non-zero exit."""
    ran = ledger("report", "2021", *args)
    line = ran.refusal()
    assert ran.out == ""
    for needle in needles:
        assert needle in line


def test_a_year_without_an_edition_is_refused_in_one_line(ledger: LedgerCli) -> None:
    """A report year before 2019 has no official format: one line, non-zero exit."""
    line = ledger("report", "2018").refusal()
    assert line == (
        "ledger: year: 2018 has no report edition; the 2019 format covers 2019-2020, "
        "the 2021 format 2021 on"
    )


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (("2021", "行政许可", "foo=1"), ("FIGURE: 'foo=1'", "decisions")),
        (("2021", "licensing", "decisions"), ("FIGURE: 'decisions' is not KEY=VALUE",)),
        (("2021", "licensing", "decisions=many"), ("'many' is not a number",)),
        (("2021", "licensing", "decisions=-3"), ("negative",)),
        (("2021", "政府集中采购", "count=1"), ("ITEM: '政府集中采购' is not in the 2021 table 2",)),
        (("2018", "licensing", "decisions=1"), ("2018 has no report edition",)),
    ],
    ids=["key", "no-value", "not-a-number", "negative", "item-not-in-edition", "year"],
)
def test_record_figures_with_a_bad_key_is_refused_in_one_line(
    ledger: LedgerCli, args: tuple[str, ...], needles: tuple[str, ...]
) -> None:
    """`ledger record figures` with an unknown key, item or value is refused in one line
    naming it, and writes nothing."""
    before = ledger.events()
    line = ledger("record", "figures", *args, "--agency", "zhjyj").refusal()
    for needle in needles:
        assert needle in line
    assert ledger.events() == before


@pytest.mark.parametrize("value", ["NaN", "Infinity", "1.5"])
def test_record_figures_refuses_values_that_are_not_counts(scratch: LedgerCli, value: str) -> None:
    """A count figure must be a finite whole number: NaN, Infinity, 1.5 are refused in one line."""
    before = scratch.events()
    try:
        ran = scratch(
            "record", "figures", "2021", "licensing", f"decisions={value}", "--agency", "zhjyj"
        )
    finally:
        assert scratch.events() == before
    line = ran.refusal()
    assert f"decisions={value}" in line or repr(value) in line


def test_a_report_survives_a_figure_recorded_as_infinity(scratch: LedgerCli) -> None:
    """Whatever a figure was recorded as, `ledger report 2021` prints or refuses in one line."""
    scratch("record", "figures", "2021", "licensing", "decisions=Infinity", "--agency", "zhjyj")
    ran = scratch("report", "2021")
    assert ran.code == 0 or len(ran.err.strip().splitlines()) == 1


def test_record_narrative_with_an_unknown_section_is_refused(
    ledger: LedgerCli, tmp_path: Path
) -> None:
    """`ledger record narrative` refuses a Markdown file with an unknown '# section' in one
    line naming the file, the line, the section and the allowed ones; nothing is written."""
    source = tmp_path / "2021.md"
    source.write_text("# 总体情况\n\n正文。\n\n# 附录\n\n其他文字。\n", encoding="utf-8")
    before = ledger.events()
    line = ledger(
        "record", "narrative", "2021", "--file", str(source), "--agency", "zhjyj"
    ).refusal()
    assert line == (
        f"ledger: {source}:5: section '附录' is unknown; use 总体情况, 存在的主要问题及改进情况, "
        "其他需要报告的事项"
    )
    missing = ledger("record", "narrative", "2021", "--file", str(tmp_path / "none.md")).refusal()
    assert "--file: cannot read" in missing
    assert ledger.events() == before


def test_record_narrative_then_report_shows_it(scratch: LedgerCli, tmp_path: Path) -> None:
    """A narrative recorded from Markdown replaces the year's text in the printed report."""
    source = tmp_path / "2021.md"
    source.write_text(
        "# 一、总体情况\n\n新的总体情况。\n\n## （一）新小节\n\n小节内容。\n", encoding="utf-8"
    )
    ran = scratch("record", "narrative", "2021", "--file", str(source), "--signed", "2022-01-30",
                  "--agency", "zhjyj")  # fmt: skip
    assert ran.code == 0, ran.err
    text = out_of(scratch, "report", "2021", "--no-stats")
    assert "新的总体情况。" in text.splitlines()
    assert "（一）新小节" in text.splitlines()
    assert "2022年1月30日" in text.splitlines()


def test_a_local_label_of_one_edition_does_not_block_the_other_edition(scratch: LedgerCli) -> None:
    """A local wording for 政府集中采购 (a 2019-edition item) shows in 2020 and leaves the
    2021 report, which has no such item, printable."""
    added = scratch("agency", "add", "zhjyj", "--name", "宁波市镇海区教育局",
                    "--label", "政府集中采购=政府集中采购项目")  # fmt: skip
    assert added.code == 0, added.err
    assert "政府集中采购项目" in out_of(scratch, "report", "2020", "--no-stats")
    ran = scratch("report", "2021", "--no-stats")
    assert ran.code == 0, ran.err


def test_an_agency_with_nothing_in_the_log_is_refused(ledger: LedgerCli) -> None:
    """Asking for the report of an agency the log does not know is one line, not an empty report."""
    result = ledger("report", "2020", "--agency", "nope")
    assert result.code != 0
    assert "--agency: 'nope' has nothing in the log" in result.err
    assert len(result.err.strip().splitlines()) == 1


# --- the log's head in a published report --------------------------------------------------


def test_a_report_as_of_a_moment_carries_the_log_head_then(ledger: LedgerCli, tmp_path: Path) -> None:
    """A report --as-of names the last event recorded by then, as a line verify --against proves."""
    data = json.loads(out_of(ledger, "report", "2021", "--format", "json", "--as-of", "2022-01-15"))
    line = data["log_head"]
    position = int(line.split()[1].split(":")[0])
    events = [json.loads(x) for x in out_of(ledger, "log", "--format", "json").splitlines()]
    then = [e for e in events if e["recorded_at"] <= "2022-01-15T16:00"]
    assert position == then[-1]["position"] < events[-1]["position"]
    assert line.startswith(f"ledger-anchor {position}:{then[-1]['hash']}@")
    for fmt in ("text", "md", "html"):
        assert line in out_of(ledger, "report", "2021", "--format", fmt, "--as-of", "2022-01-15")
    out = tmp_path / "r.docx"
    out_of(ledger, "report", "2021", "--format", "docx", "--as-of", "2022-01-15", "--output", str(out))
    footer = docx.Document(str(out)).sections[0].footer.paragraphs[0].text
    assert line in footer
    assert json.loads(out_of(ledger, "report", "2021", "--format", "json"))["log_head"] is None
    proved = ledger("verify", "--against", line.split()[1])
    assert proved.code == 0, proved.err
    assert "1 anchors hold" in proved.out
