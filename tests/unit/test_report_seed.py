"""The published 2020 report (the seed) comes out cell for cell in every tabular format.

The seed is text extracted from the agency's Word file: in the part from
"2、 主动公开政府信息情况" to "5、 存在的主要问题及改进情况" every table cell is a
tab-indented line (a merged cell's continuation is an empty one), rows end with a
blank line, and the section headings between the tables separate them.
"""

from __future__ import annotations

import io
from datetime import date
from html.parser import HTMLParser

import docx
import openpyxl
import pytest

from ledger.report import AnnualReport, Table2, Table3, render, render_bytes
from ledger.report._layout import grids
from ledger.report._xlsx import TABLE_TOP
from tests.seed_tables import SEED, docx_rows, parse_seed_tables, xlsx_rows

SEED_OVERRIDES = {
    "一、本年新收政府信息公开申请数量": "一、本年新收到政府信息公开申请数量",
    "二、上年结转政府信息公开申请数量": "二、上年转结政府信息公开申请数量",
    "四、结转下年度继续办理": "四、转结下年度继续办理",
}
Tables = list[list[list[str]]]


@pytest.fixture(scope="module")
def seed_tables() -> Tables:
    return parse_seed_tables(SEED.read_text(encoding="utf-8"))


def seed_report(overrides: dict[str, str] | None = None) -> AnnualReport:
    """The seed's figures as the projection would fill them."""
    return AnnualReport(
        year=2020,
        agency="宁波市镇海区教育局",
        edition="2019",
        table2=Table2(
            {
                "rules": {"made": 0, "published": 0, "total": 0},
                "normative": {"made": 1, "published": 1, "total": 1},
                "licensing": {"previous": 22, "change": 0, "decisions": 200},
                "other-services": {"previous": 0, "change": 0, "decisions": 0},
                "penalty": {"previous": 7, "change": 0, "decisions": 0},
                "enforcement": {"previous": 0, "change": 0, "decisions": 0},
                "fees": {"previous": 8, "change": 0},
                "procurement": {"count": 0, "amount": 0},
            }
        ),
        table3=Table3(new={"natural": 2}, decided={"disclosed": {"natural": 2}}),
        label_overrides=overrides or {},
        date_signed=date(2021, 1, 14),
    )


def official(tables: Tables) -> Tables:
    """The seed's tables with its local wording put back to the official labels."""
    back = {local: label for label, local in SEED_OVERRIDES.items()}
    return [[[back.get(cell, cell) for cell in row] for row in table] for table in tables]


class _Tables(HTMLParser):
    """Collects the text of every cell of every <table>, row by row."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: Tables = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def test_seed_parses_into_three_tables(seed_tables: Tables) -> None:
    """The seed holds table 2, 3 and 4 with the published number of rows."""
    assert [len(t) for t in seed_tables] == [18, 26, 4]


def test_layout_with_overrides_equals_the_seed(seed_tables: Tables) -> None:
    """With the seed's three label overrides, every cell of every table equals the seed's."""
    report = seed_report(SEED_OVERRIDES)
    assert [grid.word_rows() for _, grid in grids(report)] == seed_tables


def test_layout_without_overrides_prints_the_official_labels(seed_tables: Tables) -> None:
    """Without overrides the official labels 本年新收 / 上年结转 / 结转下年度 appear instead."""
    rows = [grid.word_rows() for _, grid in grids(seed_report())]
    assert rows == official(seed_tables)
    assert rows != seed_tables


def test_docx_tables_equal_the_seed(seed_tables: Tables) -> None:
    """The Word file's three tables, read back with python-docx, hold the seed's cells."""
    document = docx.Document(io.BytesIO(render_bytes(seed_report(SEED_OVERRIDES), "docx")))
    assert [docx_rows(t) for t in document.tables[:3]] == seed_tables


def test_docx_merges_the_published_header_cells() -> None:
    """Table 3's note spans three columns and three rows; 法人或其他组织 spans five columns."""
    document = docx.Document(io.BytesIO(render_bytes(seed_report(), "docx")))
    table3 = document.tables[1]
    note = table3.cell(0, 0)
    assert note.grid_span == 3
    assert table3.cell(2, 2)._tc is note._tc
    assert table3.cell(1, 4).text == "法人或其他组织"
    assert table3.cell(1, 4).grid_span == 5
    withheld = table3.cell(7, 1)
    assert withheld.text == "（三）不予公开"
    assert table3.cell(14, 1)._tc is withheld._tc


def test_xlsx_tables_equal_the_seed(seed_tables: Tables) -> None:
    """The workbook's three table sheets, read back with openpyxl, hold the seed's cells."""
    book = openpyxl.load_workbook(io.BytesIO(render_bytes(seed_report(SEED_OVERRIDES), "xlsx")))
    sheets = book.worksheets[:3]
    assert [xlsx_rows(ws, TABLE_TOP) for ws in sheets] == seed_tables
    assert sheets[1].cell(TABLE_TOP + 3, 4).value == 2  # numbers stay numbers


def test_html_tables_equal_the_seed(seed_tables: Tables) -> None:
    """The page's tables list the seed's cells, merged continuations left out as HTML does."""
    parser = _Tables()
    parser.feed(str(render(seed_report(SEED_OVERRIDES), "html")))
    expected = [[[c for c in row if c] for row in table] for table in seed_tables]
    assert parser.tables[:3] == expected


def test_text_shows_the_seed_figures_with_local_labels() -> None:
    """The text report uses the overridden wording and prints the seed's figures."""
    text = str(render(seed_report(SEED_OVERRIDES), "text"))
    assert "一、本年新收到政府信息公开申请数量" in text
    assert "一、本年新收政府信息公开申请数量" not in text
    line = next(ln for ln in text.splitlines() if "行政许可" in ln)
    assert [cell.strip() for cell in line.split("|")[2:5]] == ["22", "0", "200"]
