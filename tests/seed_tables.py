"""The published 2020 report (the seed), and readers that turn rendered tables into rows.

Shared by the tests that compare ledger's output with the seed cell for cell.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

SEED = Path(__file__).resolve().parent / "data" / "seed-2020-zhenhai-education.txt"
"""The published annual report of 宁波市镇海区教育局 for 2020 (published 2021-01-14), as printed."""
AGENCY_NAME = "宁波市镇海区教育局"
SEED_LABELS = {
    "一、本年新收政府信息公开申请数量": "一、本年新收到政府信息公开申请数量",
    "二、上年结转政府信息公开申请数量": "二、上年转结政府信息公开申请数量",
    "四、结转下年度继续办理": "四、转结下年度继续办理",
}
"""The three local variants the seed's agency printed (docs/rules.md), official → local."""

Rows = list[list[str]]


def parse_seed_tables(text: str) -> list[Rows]:
    """The seed's tables 2, 3 and 4 as rows of cell texts, exactly as extracted."""
    start = text.index("2、 主动公开政府信息情况")
    end = text.index("5、 存在的主要问题及改进情况")
    tables: list[Rows] = []
    rows: Rows = []
    row: list[str] = []
    for line in text[start:end].splitlines()[1:]:
        if line.startswith("\t"):
            row.append(line[1:])
            continue
        if row:
            rows.append(row)
            row = []
        if line.strip() and rows:  # the next section's heading closes the table
            tables.append(rows)
            rows = []
    if row:
        rows.append(row)
    if rows:
        tables.append(rows)
    return tables


def docx_rows(table: Any) -> Rows:
    """A Word table's cells as stored: python-docx repeats a merged cell in every grid
    column it spans and in every row below it, so each is taken once, and a vertical
    continuation reads as the empty cell it is."""
    rows: Rows = []
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


def xlsx_rows(ws: Any, top: int) -> Rows:
    """A sheet's table read like the Word table: a merged range once in its first row,
    and as one empty cell in each row below; numbers as they print."""
    ranges = list(ws.merged_cells.ranges)

    def merged(r: int, c: int) -> Any:
        inside = (m for m in ranges if m.min_row <= r <= m.max_row and m.min_col <= c <= m.max_col)
        return next(inside, None)

    rows: Rows = []
    for r in range(top, ws.max_row + 1):
        texts: list[str] = []
        c = 1
        while c <= ws.max_column:
            m = merged(r, c)
            if m is None:
                value = ws.cell(r, c).value
                texts.append("" if value is None else str(value))
                c += 1
            else:
                value = ws.cell(r, m.min_col).value
                texts.append("" if m.min_row != r or value is None else str(value))
                c = m.max_col + 1
        rows.append(texts)
    return rows
