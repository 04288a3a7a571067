"""The report as Markdown: headings, narrative and pipe tables, for tools and wikis.

Pipe tables cannot merge cells, so each table 2 clause is its own table and tables 3
and 4 are laid out as in the text format (an outline; table 4 one row per group).
"""

from __future__ import annotations

from collections.abc import Sequence

from ledger.report import _layout as lay
from ledger.report import editions as ed
from ledger.report.model import AnnualReport, paragraphs


def _escape(text: str) -> str:
    """Cell text that cannot break the table: pipes escaped, line breaks as <br>."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", "<br>")


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], numeric_from: int) -> list[str]:
    """A pipe table; columns from ``numeric_from`` on are right-aligned."""
    align = ["---:" if i >= numeric_from else "---" for i in range(len(header))]
    lines = ["| " + " | ".join(_escape(h) for h in header) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(_escape(c) for c in row) + " |" for row in rows]
    return lines


def _table2(report: AnnualReport) -> list[str]:
    out: list[str] = []
    for clause, columns, records in lay.table2_sections(report):
        rows = [[r.label, *(lay.number(f) for _, _, f in r.figures)] for r in records]
        out += [f"**{_escape(clause)}**", "", *_table(columns, rows, 1), ""]
    return out


def _table3(report: AnnualReport) -> list[str]:
    columns = lay.table3_columns(report)
    header = [report.label(ed.APPLICANT_HEADER), *(label for _, label, _ in columns)]
    rows: list[list[str]] = []
    shown: set[str] = set()
    for r in lay.table3_records(report):
        for title in (r.section, r.group):
            if title and title not in shown:
                shown.add(title)
                rows.append([title, *[""] * len(columns)])
        rows.append([r.label, *(str(r.values[k]) for k in lay.TABLE3_KEYS)])
    return [_escape(report.label(ed.TABLE3_NOTE)), "", *_table(header, rows, 1), ""]


def _table4(report: AnnualReport) -> list[str]:
    columns = lay.table4_columns(report)
    rows = [
        [f"{r.parent}：{r.label}" if r.parent else r.label, *(str(r.values[k]) for k, _ in columns)]
        for r in lay.table4_records(report)
    ]
    return [*_table(["", *(label for _, label in columns)], rows, 1), ""]


def _stats(report: AnnualReport) -> list[str]:
    if report.stats is None:
        return []
    summary = [[label, value] for _, label, value in lay.stats_summary(report)]
    out = [f"## {ed.STATS_HEADING}", "", ed.STATS_NOTE, ""]
    out += [*_table([ed.STATS_ITEM, ed.STATS_VALUE], summary, 1), ""]
    out += [f"### {ed.OLDEST_OPEN_HEADING}", ""]
    oldest = [list(row) for row in lay.oldest_rows(report)]
    out += [*(_table(ed.OLDEST_OPEN_COLUMNS, oldest, 2) if oldest else [ed.NONE_OPEN]), ""]
    columns, monthly = lay.monthly_rows(report)
    body = [[ed.month_label(m + 1), *(str(v) for v in vals)] for m, vals in enumerate(monthly)]
    return [*out, f"### {ed.MONTHLY_HEADING}", "", *_table(columns, body, 1), ""]


def render_markdown(report: AnnualReport) -> str:
    """The whole report as one Markdown document."""
    tables = {"proactive": _table2, "requests": _table3, "review": _table4}
    lines = [f"# {report.title}", ""]
    for key, title in lay.iter_sections(report):
        lines += [f"## {title}", ""]
        if key in tables:
            lines += tables[key](report)
            continue
        for para in paragraphs(report.narrative.section(key)):
            if lay.is_subheading(para):
                lines += [f"### {lay.subheading_text(para)}", ""]
            else:
                lines += [para.replace("\n", "  \n"), ""]
    lines += ["  \n".join(lay.signature(report)), ""]
    lines += _stats(report)
    if report.as_of is not None:
        lines += [f"*{lay.as_of_line(report)}*", ""]
    if report.log_head is not None:
        lines += [f"`{lay.head_line(report)}`", ""]
    return "\n".join(lines).rstrip("\n") + "\n"
