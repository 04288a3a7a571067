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
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pytest

from ledger.report import AnnualReport, Table2, Table3, render, render_bytes
from ledger.report._layout import grids
from ledger.report._xlsx import TABLE_TOP

SEED = Path(__file__).resolve().parents[1] / "data" / "seed-2020-zhenhai-education.txt"
"""A copy of shared/seeds/000_00c171bf41e769a3.txt, the published report, kept with the tests."""
SEED_OVERRIDES = {
    "一、本年新收政府信息公开申请数量": "一、本年新收到政府信息公开申请数量",
    "二、上年结转政府信息公开申请数量": "二、上年转结政府信息公开申请数量",
    "四、结转下年度继续办理": "四、转结下年度继续办理",
}
Tables = list[list[list[str]]]


def _seed_path() -> Path:
    return SEED


def parse_seed_tables(text: str) -> Tables:
    """The seed's three tables as rows of cell texts, exactly as extracted."""
    start = text.index("2、 主动公开政府信息情况")
    end = text.index("5、 存在的主要问题及改进情况")
    tables: Tables = []
    rows: list[list[str]] = []
    row: list[str] = []
    for line in text[start:end].splitlines()[1:]:
        if line.startswith("\t"):
            row.append(line[1:])
            continue
        if row:
            rows.append(row)
            row = []
        if line and rows:  # a section heading: the table before it is complete
            tables.append(rows)
            rows = []
    if row:
        rows.append(row)
    if rows:
        tables.append(rows)
    return tables


@pytest.fixture(scope="module")
def seed_tables() -> Tables:
    return parse_seed_tables(_seed_path().read_text(encoding="utf-8"))


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


def docx_rows(table: Any) -> list[list[str]]:
    """A Word table's cells as stored: python-docx repeats a merged cell in every grid
    column it spans and in every row below it, so each is taken once, and a vertical
    continuation reads as the empty cell it is."""
    rows = []
    for row in table.rows:
        stored = list(row._tr.tc_lst)
        texts: list[str] = []
        previous = None
        for cell in row.cells:
            if cell._tc is previous:
                continue
            previous = cell._tc
            texts.append(cell.text if any(cell._tc is tc for tc in stored) else "")
        rows.append(texts)
    return rows


def xlsx_rows(ws: Any, top: int) -> list[list[str]]:
    """A sheet's table read like a Word table: a merged range once in its first row,
    and as one empty cell in each row below."""
    ranges = list(ws.merged_cells.ranges)

    def merged(r: int, c: int) -> Any:
        inside = (m for m in ranges if m.min_row <= r <= m.max_row and m.min_col <= c <= m.max_col)
        return next(inside, None)

    rows = []
    for r in range(top, ws.max_row + 1):
        texts: list[str] = []
        c = 1
        while c <= ws.max_column:
            m = merged(r, c)
            if m is None:
                texts.append(str(ws.cell(r, c).value))
                c += 1
            else:
                texts.append(str(ws.cell(r, m.min_col).value) if m.min_row == r else "")
                c = m.max_col + 1
        rows.append(texts)
    return rows


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
