"""The report as a Word document, ready to publish.

Laid out as Chinese official documents are (GB/T 9704): A4, the title centred, section
headings in 黑体, body text in 仿宋 with a two-character first-line indent, the tables in
宋体 with the merged header and label cells of the published formats, the agency and date
at the end, and the processing statistics as an appendix (附件) on a page of its own.

A font name alone is not enough for Chinese text: Word picks the font for CJK characters
from ``w:eastAsia`` (and the default template points it at a theme font), so every style
here sets the East Asian font explicitly and drops the theme attributes.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from ledger.report import _layout as lay
from ledger.report import editions as ed
from ledger.report.model import AnnualReport, paragraphs

LATIN = "Times New Roman"
BODY_FONT = "仿宋"
HEADING_FONT = "黑体"
SUBHEADING_FONT = "楷体"
TITLE_FONT = "宋体"
TABLE_FONT = "宋体"
TABLE_STYLE = "Ledger Table Text"
TEXT_WIDTH_CM = 15.6  # A4 21 cm less GB/T 9704 margins of 2.8 cm and 2.6 cm

# Column widths (cm) of the published tables; each adds up to the text width.
WIDTHS: dict[str, list[float]] = {
    "proactive": [5.4, 3.4, 3.4, 3.4],
    "requests": [1.3, 1.6, 4.0, *[1.24] * 7],
    "review": [1.04] * 15,
}


def _set_fonts(rpr_owner: Any, east_asian: str, size: float, bold: bool | None = None) -> None:
    """Give a style or run its Latin and East Asian fonts, overriding the theme's."""
    font = rpr_owner.font
    font.name = LATIN
    font.size = Pt(size)
    font.color.rgb = RGBColor(0, 0, 0)
    if bold is not None:
        font.bold = bold
    rpr = rpr_owner.element.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), east_asian)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:eastAsia"), "zh-CN")


def _setup(doc: Any) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    normal = doc.styles["Normal"]
    _set_fonts(normal, BODY_FONT, 16)
    normal.paragraph_format.line_spacing = Pt(28)
    normal.paragraph_format.space_after = Pt(0)
    for name, east_asian in (("Heading 1", HEADING_FONT), ("Heading 2", SUBHEADING_FONT)):
        style = doc.styles[name]
        _set_fonts(style, east_asian, 16, bold=False)
        style.paragraph_format.space_before = Pt(6)
        style.paragraph_format.space_after = Pt(6)
    table_text = doc.styles.add_style(TABLE_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    table_text.base_style = normal
    _set_fonts(table_text, TABLE_FONT, 9)
    table_text.paragraph_format.line_spacing = 1.0
    table_text.paragraph_format.first_line_indent = Pt(0)


def _title(doc: Any, text: str) -> None:
    para = doc.add_paragraph()
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    para.paragraph_format.space_after = Pt(12)
    _set_fonts(para.add_run(text), TITLE_FONT, 22, bold=True)


def _body(doc: Any, text: str) -> None:
    """A narrative paragraph; its single line breaks stay line breaks."""
    para = doc.add_paragraph()
    para.paragraph_format.first_line_indent = Pt(32)
    lines = text.split("\n")
    for i, line in enumerate(lines):
        run = para.add_run(line)
        if i < len(lines) - 1:
            run.add_break(WD_BREAK.LINE)


def _narrative(doc: Any, text: str) -> None:
    for para in paragraphs(text):
        if lay.is_subheading(para):
            doc.add_heading(lay.subheading_text(para), level=2)
        else:
            _body(doc, para)


def _fill(cell: Any, spec: lay.Cell) -> None:
    para = cell.paragraphs[0]
    para.style = TABLE_STYLE
    para.alignment = WD_ALIGN_PARAGRAPH.LEFT if spec.role == "label" else WD_ALIGN_PARAGRAPH.CENTER
    if spec.text:
        para.add_run(spec.text)
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER


def _set_widths(table: Any, widths: Sequence[float]) -> None:
    """Widths on the grid (LibreOffice reads these) and on every cell (Word reads those)."""
    for column, width in zip(table.columns, widths, strict=True):
        column.width = Cm(width)
    for row in table.rows:
        col = 0
        for tc in row._tr.tc_lst:  # the cells as stored, merged ones once
            tc.width = Cm(sum(widths[col : col + tc.grid_span]))
            col += tc.grid_span


def grid_table(doc: Any, grid: lay.Grid, widths: Sequence[float]) -> Any:
    """A Word table drawn from a grid: merge every spanning region, then fill it."""
    table = doc.add_table(rows=len(grid.rows), cols=grid.columns)
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for placed in grid.placed():
        cell = table.cell(placed.row, placed.col)
        spec = placed.cell
        if spec.colspan > 1 or spec.rowspan > 1:
            corner = table.cell(placed.row + spec.rowspan - 1, placed.col + spec.colspan - 1)
            cell = cell.merge(corner)
        _fill(cell, spec)
    _set_widths(table, widths)
    _keep_rows(table, grid.header_rows)
    return table


def _row_flag(row: Any, name: str) -> None:
    """Set an on/off row property (``w:tblHeader``, ``w:cantSplit``) on a table row."""
    tr_pr = row._tr.get_or_add_trPr()
    if tr_pr.find(qn(name)) is None:
        tr_pr.append(OxmlElement(name))


def _keep_rows(table: Any, header_rows: int) -> None:
    """No row splits across a page; the header rows repeat at the top of each page.

    A reader of table 3 on its second page must still see which column is which, and a
    row broken over two pages reads as two rows.
    """
    for index, row in enumerate(table.rows):
        _row_flag(row, "w:cantSplit")
        if index < header_rows:
            _row_flag(row, "w:tblHeader")


def _simple_table(doc: Any, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    grid = lay.Grid(
        len(header),
        (
            tuple(lay.Cell(h, "head") for h in header),
            *(
                tuple(lay.Cell(v, "label" if i == 0 else "value") for i, v in enumerate(r))
                for r in rows
            ),
        ),
    )
    grid_table(doc, grid, [TEXT_WIDTH_CM / len(header)] * len(header))


def _appendix(doc: Any, report: AnnualReport) -> None:
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    label = doc.add_paragraph()
    _set_fonts(label.add_run(ed.APPENDIX), HEADING_FONT, 16)
    _title(doc, ed.STATS_TITLE)
    _body(doc, ed.STATS_NOTE)
    summary = [(label, value) for _, label, value in lay.stats_summary(report)]
    _simple_table(doc, (ed.STATS_ITEM, ed.STATS_VALUE), summary)
    doc.add_heading(ed.OLDEST_OPEN_HEADING, level=2)
    oldest = lay.oldest_rows(report)
    if oldest:
        _simple_table(doc, ed.OLDEST_OPEN_COLUMNS, oldest)
    else:
        _body(doc, ed.NONE_OPEN)
    doc.add_heading(ed.MONTHLY_HEADING, level=2)
    columns, monthly = lay.monthly_rows(report)
    body = [[ed.month_label(m + 1), *(str(v) for v in vals)] for m, vals in enumerate(monthly)]
    _simple_table(doc, columns, body)


def _signature(doc: Any, report: AnnualReport) -> None:
    """The agency and date, kept on one page with the paragraph before them.

    A signature alone on the last page signs nothing the reader can see.
    """
    if doc.paragraphs:
        doc.paragraphs[-1].paragraph_format.keep_with_next = True
    doc.add_paragraph().paragraph_format.keep_with_next = True
    lines = lay.signature(report)
    for i, line in enumerate(lines):
        para = doc.add_paragraph(line)
        para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        para.paragraph_format.keep_with_next = i < len(lines) - 1


def _footer(doc: Any, report: AnnualReport) -> None:
    """The as-of note goes in the page footer: about the report, not part of it."""
    para = doc.sections[0].footer.paragraphs[0]
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _set_fonts(para.add_run(lay.as_of_line(report)), BODY_FONT, 9)
    if report.log_head is not None:
        para.add_run().add_break()
        _set_fonts(para.add_run(lay.head_line(report)), BODY_FONT, 9)


def render_docx(report: AnnualReport) -> bytes:
    """The whole report as a .docx file's bytes."""
    doc = Document()
    _setup(doc)
    _title(doc, report.title)
    tables = dict(lay.grids(report))
    for key, title in lay.iter_sections(report):
        doc.add_heading(title, level=1)
        if key in tables:
            grid_table(doc, tables[key], WIDTHS[key])
        else:
            _narrative(doc, report.narrative.section(key))
    _signature(doc, report)
    if report.stats is not None:
        _appendix(doc, report)
    if report.as_of is not None or report.log_head is not None:
        _footer(doc, report)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
