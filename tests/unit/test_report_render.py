"""Every renderer: the 2021 edition, the reconciliation refusal, and each format's shape."""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from datetime import date, datetime
from decimal import Decimal

import docx
import openpyxl
import orjson
import pytest
from docx.oxml.ns import qn
from wcwidth import wcswidth

from ledger.errors import IntegrityFailure, InvalidInput
from ledger.report import (
    FORMATS,
    AnnualReport,
    Narrative,
    OpenRequest,
    ProcessingStats,
    Table2,
    Table3,
    Table4,
    Table4Group,
    render,
    render_bytes,
)
from ledger.report._layout import table3_grid

AGENCY = "某市某区某局"


def stats() -> ProcessingStats:
    return ProcessingStats(
        answered_on_time=9,
        answered_late=1,
        median_working_days=6.5,
        mean_working_days=7.25,
        longest_working_days=31,
        extensions_used=2,
        clarifications_used=1,
        oldest_open=(OpenRequest("2021-0107", date(2021, 11, 2), 38),),
        received_by_month={"online": [1, 0, 2, 0, 1, 0, 0, 3, 0, 1, 2, 1], "in-person": [0] * 12},
        answered_by_month=[0, 1, 1, 1, 1, 1, 0, 2, 1, 1, 1, 0],
    )


def report_2021(**changes: object) -> AnnualReport:
    """A 2021 report using every feature: split （六） rows, fees in 万元, stats, narrative."""
    fields: dict[str, object] = {
        "year": 2021,
        "agency": AGENCY,
        "table2": Table2(
            {
                "rules": {"issued": 1, "repealed": 0, "in-force": 4},
                "normative": {"issued": 3, "repealed": 1, "in-force": 12},
                "licensing": {"decisions": 540},
                "fees": {"fee-amount": Decimal("12.35")},
            }
        ),
        "table3": Table3(
            new={"natural": 9, "business": 2},
            carried_in={"natural": 1},
            decided={
                "disclosed": {"natural": 5},
                "other.no-clarification": {"natural": 2},
                "other.fee-unpaid": {"business": 1},
                "other": {"business": 1},
            },
            carried_out={"natural": 3},
        ),
        "table4": Table4(review=Table4Group(maintained=1, pending=1)),
        "narrative": Narrative(
            overview="今年共收到申请11件。\n\n# （一）主要做法\n\n一是规范办理流程。",
            problems="答复时限把握不够。",
            other_matters="无其他需要报告的事项。",
        ),
        "stats": stats(),
        "date_signed": date(2022, 1, 20),
        "as_of": datetime(2022, 1, 20, 1, 30),
    }
    fields.update(changes)
    return AnnualReport(**fields)  # type: ignore[arg-type]


def table_blocks(text: str) -> list[list[str]]:
    """Runs of consecutive lines drawn as a table (starting with + or |)."""
    blocks: list[list[str]] = []
    current: list[str] = []
    for line in text.splitlines():
        if line[:1] in ("+", "|"):
            current.append(line)
        elif current:
            blocks.append(current)
            current = []
    return blocks


# --- the 2021 edition -----------------------------------------------------------------


def test_2021_table3_has_the_three_other_processing_rows() -> None:
    """The 2021 table 3 puts （六）其他处理 beside three numbered rows, each with its own count."""
    rows = table3_grid(report_2021()).word_rows()
    six = next(i for i, row in enumerate(rows) if "（六）其他处理" in row)
    assert rows[six][:3] == [
        "",
        "（六）其他处理",
        "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    ]
    assert rows[six][3] == "2"
    assert rows[six + 1][:2] == ["", ""]
    assert rows[six + 1][2].startswith("2.申请人逾期未按收费通知要求缴纳费用")
    assert rows[six + 2][2:] == ["3.其他", "0", "1", "0", "0", "0", "0", "1"]
    assert rows[six + 3][:2] == ["", "（七）总计"]


def test_2021_table2_has_the_2021_columns() -> None:
    """The 2021 table 2 prints 本年制发件数 / 本年废止件数 / 现行有效件数 and fees in 万元."""
    text = str(render(report_2021(), "text"))
    for label in (
        "本年制发件数",
        "行政规范性文件",
        "本年处理决定数量",
        "本年收费金额（单位：万元）",
    ):
        assert label in text
    assert "政府集中采购" not in text
    assert "12.35" in text


def test_2019_report_has_one_other_processing_row() -> None:
    """A 2019-edition report shows a single （六）其他处理 row counting all three endings."""
    t3 = Table3(
        new={"natural": 3}, decided={"other": {"natural": 1}, "other.fee-unpaid": {"natural": 2}}
    )
    data = orjson.loads(render(AnnualReport(2020, AGENCY, table3=t3), "json"))
    (row,) = [r for r in data["table3"]["rows"] if r["label"] == "（六）其他处理"]
    assert row["values"]["natural"] == 3
    assert row["outcomes"] == ["other.no-clarification", "other.fee-unpaid", "other"]


# --- refusing an unbalanced table 3 ---------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_unreconciled_table3_is_refused_naming_the_column(fmt: str) -> None:
    """Every format refuses a table 3 whose 法律服务机构 column does not add up, naming it."""
    bad = report_2021(table3=Table3(new={"legal": 2}, decided={"disclosed": {"legal": 1}}))
    with pytest.raises(IntegrityFailure, match=r"column legal \(法律服务机构\): new 2"):
        render(bad, fmt)


def test_unknown_format_is_refused() -> None:
    """A format that does not exist is refused with the list of formats."""
    with pytest.raises(InvalidInput, match="use one of text, md, csv, json, docx, xlsx, html"):
        render(report_2021(), "pdf")


# --- text -----------------------------------------------------------------------------


def test_text_tables_align_by_display_width() -> None:
    """Every line of every text table has the same display width, though not the same length."""
    text = str(render(report_2021(), "text"))
    blocks = table_blocks(text)
    assert len(blocks) >= 5
    for block in blocks:
        assert len({wcswidth(line) for line in block}) == 1, block[0]
    table3 = next(b for b in blocks if any("（七）总计" in line for line in b))
    assert len({len(line) for line in table3}) > 1  # CJK lines are shorter in characters


def test_text_puts_statistics_after_the_official_tables() -> None:
    """The processing statistics come after section 六 under their own appendix heading."""
    text = str(render(report_2021(), "text"))
    assert text.index("六、其他需要报告的事项") < text.index("附：办理情况统计")
    assert "2021-0107" in text.split("附：办理情况统计")[1]
    assert "7.3" in text  # mean 7.25 working days, rounded half up
    assert text.rstrip().endswith("本报告数据按2022-01-20 09:30时已记录的情况生成。")


def test_text_without_stats_has_no_appendix() -> None:
    """A report without statistics prints no appendix heading."""
    assert "附：" not in str(render(report_2021(stats=None), "text"))


# --- json -----------------------------------------------------------------------------


def test_json_holds_each_table_with_official_labels_codes_and_numbers() -> None:
    """The JSON lists each table's column labels and its rows with labels, codes and numbers."""
    data = orjson.loads(render(report_2021(), "json"))
    assert data["edition"] == "2021"
    assert data["edition_document"] == "国办公开办函〔2021〕30号"
    t3 = data["table3"]
    assert [c["label"] for c in t3["columns"]] == [
        "自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计",
    ]  # fmt: skip
    assert t3["columns"][1]["group"] == "法人或其他组织"
    rows = {r["key"]: r for r in t3["rows"]}
    assert len(t3["rows"]) == 25
    assert rows["other.fee-unpaid"]["outcomes"] == ["other.fee-unpaid"]
    assert rows["other.fee-unpaid"]["group"] == "（六）其他处理"
    assert rows["total"]["values"]["total"] == 9
    assert rows["new"]["outcomes"] == []
    fees = data["table2"]["sections"][3]
    assert fees["columns"] == [{"key": "fee-amount", "label": "本年收费金额（单位：万元）"}]
    assert fees["rows"][0]["values"] == {"fee-amount": "12.35"}
    t4 = {r["key"]: r for r in data["table4"]["rows"]}
    assert t4["review"]["values"]["total"] == 2
    assert t4["litigation_direct"]["parent"] == "行政诉讼"
    assert data["stats"]["received_per_month"][7] == 3
    assert data["narrative"]["overview"]["paragraphs"][1] == "# （一）主要做法"
    assert data["as_of"] == "2022-01-20T09:30:00+08:00"


def test_json_keeps_the_official_label_beside_an_override() -> None:
    """An overridden row shows the local label and still names the official one."""
    overrides = {"四、结转下年度继续办理": "四、转结下年度继续办理"}
    data = orjson.loads(render(report_2021(label_overrides=overrides), "json"))
    row = data["table3"]["rows"][-1]
    assert (row["label"], row["official_label"]) == (
        "四、转结下年度继续办理",
        "四、结转下年度继续办理",
    )


# --- csv and md -----------------------------------------------------------------------


def test_csv_has_one_parseable_section_per_table() -> None:
    """The CSV splits on blank rows into sections, each headed by its key."""
    rows = list(csv.reader(io.StringIO(str(render(report_2021(), "csv")))))
    sections: list[list[list[str]]] = [[]]
    for row in rows:
        if row:
            sections[-1].append(row)
        else:
            sections.append([])
    keys = [s[0][0] for s in sections]
    assert keys == ["report", "table2", "table3", "table4", "stats-summary", "stats-oldest-open", "stats-monthly"]  # fmt: skip
    table3 = sections[2]
    assert table3[1] == ["key", "outcomes", "section", "group", "label", "natural", "business", "research", "nonprofit", "legal", "other", "total"]  # fmt: skip
    assert all(len(r) == 12 for r in table3[1:])
    new = next(r for r in table3 if r[0] == "new")
    assert new[-1] == "11"


def test_markdown_tables_are_rectangular() -> None:
    """Each Markdown pipe table has the same number of cells on every line."""
    text = str(render(report_2021(), "md"))
    assert text.startswith("# 某市某区某局2021年政府信息公开工作年度报告\n")
    assert "## 三、收到和处理政府信息公开申请情况" in text
    assert "### （一）主要做法" in text
    blocks = table_blocks(text)
    assert len(blocks) >= 7
    for block in blocks:
        assert len({line.count(" | ") for line in block}) == 1, block[0]


# --- html -----------------------------------------------------------------------------


def test_html_is_self_contained_with_an_svg_chart() -> None:
    """The page has inline CSS and an inline SVG chart, no scripts and nothing fetched."""
    page = str(render(report_2021(), "html"))
    assert "<script" not in page
    assert not re.search(r"(src|href)=", page)
    assert "<style>" in page
    svg = page[page.index("<svg") : page.index("</svg>") + len("</svg>")]
    root = ET.fromstring(svg)
    bars = root.findall("{http://www.w3.org/2000/svg}rect")
    assert len(bars) == 12 * 2 + 2  # received and answered per month, and the legend
    assert 'rowspan="3"' in page
    assert 'colspan="5"' in page


# --- docx and xlsx --------------------------------------------------------------------


def _document(report: AnnualReport) -> docx.document.Document:
    return docx.Document(io.BytesIO(render_bytes(report, "docx")))


def test_docx_sets_an_east_asian_font() -> None:
    """Body, headings and table text name a CJK font in w:eastAsia, not the theme's."""
    document = _document(report_2021())
    for name in ("Normal", "Heading 1", "Ledger Table Text"):
        fonts = document.styles[name].element.rPr.rFonts
        assert fonts.get(qn("w:eastAsia")) in ("仿宋", "黑体", "宋体")
        assert fonts.get(qn("w:eastAsiaTheme")) is None


def test_docx_is_the_whole_report() -> None:
    """Title, six headings, narrative, signature, appendix and the as-of footer are all there."""
    document = _document(report_2021())
    texts = [p.text for p in document.paragraphs]
    assert texts[0] == "某市某区某局2021年政府信息公开工作年度报告"
    headings = [
        p.text for p in document.paragraphs if p.style is not None and p.style.name == "Heading 1"
    ]
    assert headings == [
        "一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
        "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况",
        "六、其他需要报告的事项",
    ]  # fmt: skip
    assert "一是规范办理流程。" in texts
    assert texts.index("2022年1月20日") == texts.index(AGENCY) + 1
    assert texts.index("附件") > texts.index("2022年1月20日")
    assert len(document.tables) == 3 + 3  # the three tables, then three in the appendix
    footer = document.sections[0].footer.paragraphs[0].text
    assert footer == "本报告数据按2022-01-20 09:30时已记录的情况生成。"


def test_xlsx_has_a_sheet_per_table_and_statistics() -> None:
    """The workbook has the three tables and a statistics sheet, headers merged as published."""
    book = openpyxl.load_workbook(io.BytesIO(render_bytes(report_2021(), "xlsx")))
    assert book.sheetnames == [
        "二、主动公开政府信息情况",
        "三、收到和处理政府信息公开申请情况",
        "四、政府信息公开行政复议、行政诉讼情况",
        "附：办理情况统计",
    ]
    table4 = book.worksheets[2]
    merged = {str(r) for r in table4.merged_cells.ranges}
    assert {"A3:E4", "F3:O3", "F4:J4", "K4:O4"} <= merged
    assert table4["A6"].value == 1
    assert table4["E6"].value == 2
    fees = book.worksheets[0]
    assert fees.cell(fees.max_row, 2).value == pytest.approx(12.35)
