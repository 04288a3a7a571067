"""The report as plain text for a terminal: ruled tables aligned by display width.

A CJK character takes two terminal columns, so cells are padded by display width
(wcwidth), never by character count. Borders are ASCII, whose width no terminal doubts.
Tables 3 and 4 are drawn as outlines rather than with the published merges, which would
make them far wider than a terminal; the published layout is in docx, xlsx and html.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from wcwidth import wcwidth

from ledger.report import _layout as lay
from ledger.report import editions as ed
from ledger.report.model import AnnualReport, paragraphs
from ledger.textwidth import width as display_width

Align = Literal["left", "right", "center"]
LABEL_LIMIT = 36
INDENT = "  "


def wrap(text: str, width: int) -> list[str]:
    """Lines of at most ``width`` display columns; CJK text breaks between any two
    characters. Explicit line breaks are kept."""
    lines: list[str] = []
    for source in text.split("\n"):
        line, used = "", 0
        for ch in source:
            w = max(wcwidth(ch), 0)
            if used + w > width and line:
                lines.append(line)
                line, used = "", 0
            line += ch
            used += w
        lines.append(line)
    return lines


def pad(text: str, width: int, align: Align) -> str:
    """Text padded with spaces to exactly ``width`` display columns."""
    gap = max(width - display_width(text), 0)
    if align == "right":
        return " " * gap + text
    if align == "center":
        return " " * (gap // 2) + text + " " * (gap - gap // 2)
    return text + " " * gap


@dataclass(frozen=True)
class TextCell:
    """A cell of a text table; ``indent`` levels are kept on every wrapped line."""

    text: str
    colspan: int = 1
    align: Align = "left"
    indent: int = 0


@dataclass(frozen=True)
class TextRow:
    """A row of a text table; a rule is drawn above it when ``rule_before`` is set."""

    cells: tuple[TextCell, ...]
    rule_before: bool = False


def _natural(cell: TextCell) -> int:
    lines = cell.text.split("\n")
    return max(display_width(line) for line in lines) + len(INDENT) * cell.indent


def _widths(rows: Sequence[TextRow], limits: Sequence[int | None]) -> list[int]:
    """Column widths: the widest single cell (up to the column's limit), then widened
    where a spanning cell needs more room than the columns it spans."""
    widths = [2] * len(limits)
    for row in rows:
        col = 0
        for cell in row.cells:
            if cell.colspan == 1:
                limit = limits[col]
                need = _natural(cell) if limit is None else min(_natural(cell), limit)
                widths[col] = max(widths[col], need)
            col += cell.colspan
    for row in rows:
        col = 0
        for cell in row.cells:
            if cell.colspan > 1:
                end = col + cell.colspan
                room = sum(widths[col:end]) + 3 * (cell.colspan - 1)
                widths[end - 1] += max(_natural(cell) - room, 0)
            col += cell.colspan
    return widths


def _rule(widths: Sequence[int]) -> str:
    return "+" + "+".join("-" * (w + 2) for w in widths) + "+"


def _draw_row(row: TextRow, widths: Sequence[int]) -> list[str]:
    blocks: list[tuple[list[str], int, Align]] = []
    col = 0
    for cell in row.cells:
        width = sum(widths[col : col + cell.colspan]) + 3 * (cell.colspan - 1)
        prefix = INDENT * cell.indent
        lines = [prefix + line for line in wrap(cell.text, width - len(prefix))]
        blocks.append((lines, width, cell.align))
        col += cell.colspan
    height = max(len(lines) for lines, _, _ in blocks)
    out = []
    for i in range(height):
        parts = [pad(lines[i] if i < len(lines) else "", w, a) for lines, w, a in blocks]
        out.append("| " + " | ".join(parts) + " |")
    return out


def draw_table(rows: Sequence[TextRow], limits: Sequence[int | None]) -> list[str]:
    """A ruled table whose every line has the same display width."""
    widths = _widths(rows, limits)
    lines = [_rule(widths)]
    for i, row in enumerate(rows):
        if row.rule_before and i > 0:
            lines.append(_rule(widths))
        lines.extend(_draw_row(row, widths))
    lines.append(_rule(widths))
    return lines


def _head(text: str, colspan: int = 1) -> TextCell:
    return TextCell(text, colspan, "center")


def _num(value: int) -> TextCell:
    return TextCell(str(value), align="right")


# --- the three tables -----------------------------------------------------------------


def table2_lines(report: AnnualReport) -> list[str]:
    """Table 2 as published: a clause heading row, its column labels, its items."""
    rows: list[TextRow] = []
    previous_head = False
    for cells in lay.table2_grid(report).word_cells():
        head = all(c.role == "head" for c in cells)
        text_cells = tuple(
            TextCell(
                c.text, c.colspan, "center" if head else ("right" if c.role == "value" else "left")
            )
            for c in cells
        )
        rows.append(TextRow(text_cells, rule_before=head != previous_head or len(cells) == 1))
        previous_head = head
    return draw_table(rows, [None] * lay.TABLE2_COLUMNS)


def _table3_header(report: AnnualReport) -> list[TextRow]:
    columns = lay.table3_columns(report)
    orgs = [label for _, label, group in columns if group]
    return [
        TextRow(
            (
                TextCell(report.label(ed.TABLE3_NOTE)),
                _head(report.label(ed.APPLICANT_HEADER), len(columns)),
            )
        ),
        TextRow(
            (
                TextCell(""),
                _head(columns[0][1]),
                _head(report.label(ed.ORGANISATIONS), len(orgs)),
                _head(columns[-1][1]),
            )
        ),
        TextRow((TextCell(""), TextCell(""), *(_head(o) for o in orgs), TextCell(""))),
    ]


def table3_lines(report: AnnualReport) -> list[str]:
    """Table 3 as an outline: the section and group headings on rows of their own."""
    rows = _table3_header(report)
    body_start = len(rows)
    blank = tuple(TextCell("") for _ in lay.TABLE3_KEYS)
    shown: set[str] = set()
    for r in lay.table3_records(report):
        for title, level in ((r.section, 0), (r.group, 1)):
            if title and title not in shown:
                shown.add(title)
                rows.append(TextRow((TextCell(title, indent=level), *blank)))
        level = 0 if not r.section else (2 if r.group else 1)
        numbers = tuple(_num(r.values[k]) for k in lay.TABLE3_KEYS)
        rows.append(TextRow((TextCell(r.label, indent=level), *numbers)))
    rows[body_start] = TextRow(rows[body_start].cells, rule_before=True)
    return draw_table(rows, [LABEL_LIMIT, *[None] * len(lay.TABLE3_KEYS)])


def table4_lines(report: AnnualReport) -> list[str]:
    """Table 4 turned on its side: one row per group, the five outcome columns across."""
    columns = lay.table4_columns(report)
    rows = [TextRow((TextCell(""), *(_head(label) for _, label in columns)))]
    parent_shown = False
    for r in lay.table4_records(report):
        if r.parent and not parent_shown:
            parent_shown = True
            rows.append(TextRow((TextCell(r.parent), *(TextCell("") for _ in columns))))
        numbers = tuple(_num(r.values[key]) for key, _ in columns)
        rows.append(TextRow((TextCell(r.label, indent=1 if r.parent else 0), *numbers)))
    rows[1] = TextRow(rows[1].cells, rule_before=True)  # below the one header row
    return draw_table(rows, [None] * (len(columns) + 1))


# --- statistics -----------------------------------------------------------------------


def _simple(header: Sequence[str], body: Sequence[Sequence[str]], numeric: int) -> list[str]:
    """A table with one header row; columns from ``numeric`` on are right-aligned."""
    rows = [TextRow(tuple(_head(h) for h in header))]
    for i, values in enumerate(body):
        cells = tuple(
            TextCell(v, align="right" if j >= numeric else "left") for j, v in enumerate(values)
        )
        rows.append(TextRow(cells, rule_before=i == 0))
    return draw_table(rows, [None] * len(header))


def stats_lines(report: AnnualReport) -> list[str]:
    """The processing statistics, headed as an appendix outside the official tables."""
    if report.stats is None:
        return []
    summary = [(label, value) for _, label, value in lay.stats_summary(report)]
    lines = [ed.STATS_HEADING, "", ed.STATS_NOTE, ""]
    lines += _simple((ed.STATS_ITEM, ed.STATS_VALUE), summary, 1)
    lines += ["", ed.OLDEST_OPEN_HEADING, ""]
    oldest = lay.oldest_rows(report)
    lines += _simple(ed.OLDEST_OPEN_COLUMNS, oldest, 2) if oldest else [ed.NONE_OPEN]
    columns, monthly = lay.monthly_rows(report)
    body = [[ed.month_label(m + 1), *(str(v) for v in values)] for m, values in enumerate(monthly)]
    lines += ["", ed.MONTHLY_HEADING, "", *_simple(columns, body, 1)]
    return lines


# --- the report -----------------------------------------------------------------------


def render_text(report: AnnualReport) -> str:
    """The whole report: title, six sections with the tables, signature, appendix."""
    tables = {
        "proactive": table2_lines,
        "requests": table3_lines,
        "review": table4_lines,
    }
    lines = [report.title, ""]
    for key, title in lay.iter_sections(report):
        lines += [title, ""]
        if key in tables:
            lines += [*tables[key](report), ""]
        else:
            for para in paragraphs(report.narrative.section(key)):
                text = lay.subheading_text(para) if lay.is_subheading(para) else para
                lines += [text, ""]
    lines += [*lay.signature(report), ""]
    stats = stats_lines(report)
    if stats:
        lines += [*stats, ""]
    if report.as_of is not None:
        lines += [lay.as_of_line(report), ""]
    if report.log_head is not None:
        lines += [lay.head_line(report), ""]
    return "\n".join(lines).rstrip("\n") + "\n"
