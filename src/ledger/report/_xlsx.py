"""The report as an Excel workbook: one sheet per statutory table, plus the statistics.

Each table sheet holds the section heading in row 1 and the published table from row
:data:`TABLE_TOP` down, merged exactly as the docx is; numbers are numeric cells so the
figures can be summed across departments. Merged ranges take their border from their
top-left cell when merged, so every cell is styled before any range is merged.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from ledger.report import _layout as lay
from ledger.report import editions as ed
from ledger.report.model import AnnualReport

TABLE_TOP = 3
FONT = "宋体"
_THIN = Side(style="thin")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")

# Column widths in Excel units (about one per Latin character, two per CJK character).
WIDTHS: dict[str, list[float]] = {
    "proactive": [24, 16, 16, 16],
    "requests": [12, 16, 34, *[10] * 7],
    "review": [9] * 15,
}


def sheet_title(text: str) -> str:
    """A sheet name Excel accepts: no []:*?/\\ and at most 31 characters."""
    return _FORBIDDEN.sub("", text)[:31] or "Sheet"


def _style(cell: Any, spec: lay.Cell) -> None:
    cell.border = _BORDER
    cell.font = Font(name=FONT, size=10, bold=spec.role == "head")
    horizontal = "left" if spec.role == "label" else "center"
    cell.alignment = Alignment(horizontal=horizontal, vertical="center", wrap_text=True)


def write_grid(ws: Any, grid: lay.Grid, top: int) -> int:
    """Draw a grid from row ``top``; returns the first row below it."""
    placed = grid.placed()
    for p in placed:
        for dr in range(p.cell.rowspan):
            for dc in range(p.cell.colspan):
                _style(ws.cell(top + p.row + dr, 1 + p.col + dc), p.cell)
        ws.cell(top + p.row, 1 + p.col).value = (
            p.cell.value if p.cell.value is not None else p.cell.text
        )
    for p in placed:
        if p.cell.colspan > 1 or p.cell.rowspan > 1:
            ws.merge_cells(
                start_row=top + p.row,
                start_column=1 + p.col,
                end_row=top + p.row + p.cell.rowspan - 1,
                end_column=p.col + p.cell.colspan,
            )
    return top + len(grid.rows)


def _heading(ws: Any, row: int, text: str, width: int) -> None:
    ws.cell(row, 1).value = text
    ws.cell(row, 1).font = Font(name=FONT, size=12, bold=True)
    if width > 1:
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)


def _widths(ws: Any, widths: Sequence[float]) -> None:
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width


def _simple(header: Sequence[str], rows: Sequence[Sequence[str | int]]) -> lay.Grid:
    head = tuple(lay.Cell(h, "head") for h in header)
    body = tuple(
        tuple(
            lay.Cell(str(v), "value", value=v) if isinstance(v, int) else lay.Cell(v, "label")
            for v in row
        )
        for row in rows
    )
    return lay.Grid(len(header), (head, *body))


def _stats_sheet(wb: Any, report: AnnualReport) -> None:
    ws = wb.create_sheet(sheet_title(ed.STATS_HEADING))
    _heading(ws, 1, ed.STATS_HEADING, 1)
    ws.cell(2, 1).value = ed.STATS_NOTE
    summary = [(label, value) for _, label, value in lay.stats_summary(report)]
    row = write_grid(ws, _simple((ed.STATS_ITEM, ed.STATS_VALUE), summary), TABLE_TOP) + 1
    _heading(ws, row, ed.OLDEST_OPEN_HEADING, 1)
    oldest = lay.oldest_rows(report)
    if oldest:
        rows = [(rid, received, int(days)) for rid, received, days in oldest]
        row = write_grid(ws, _simple(ed.OLDEST_OPEN_COLUMNS, rows), row + 1) + 1
    else:
        ws.cell(row + 1, 1).value = ed.NONE_OPEN
        row += 3
    _heading(ws, row, ed.MONTHLY_HEADING, 1)
    columns, monthly = lay.monthly_rows(report)
    body: list[list[str | int]] = [[ed.month_label(m + 1), *vals] for m, vals in enumerate(monthly)]
    write_grid(ws, _simple(columns, body), row + 1)
    _widths(ws, [40, 14, 14, 12, 10, 10, 10, 10])


def render_xlsx(report: AnnualReport) -> bytes:
    """The workbook's bytes: the three tables, then the statistics when there are any."""
    wb = Workbook()
    wb.remove(wb.active)
    for key, grid in lay.grids(report):
        title = lay.heading(report, key)
        ws = wb.create_sheet(sheet_title(title))
        _heading(ws, 1, title, grid.columns)
        write_grid(ws, grid, TABLE_TOP)
        _widths(ws, WIDTHS[key])
    if report.stats is not None:
        _stats_sheet(wb, report)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
