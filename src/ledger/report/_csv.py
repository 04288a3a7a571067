"""The report as CSV for tools: one section per table, sections separated by a blank line.

Each section opens with a row ``[section key, heading]``, then a header row of stable
ASCII keys, then the data rows, which carry the printed labels alongside the keys, so a
tool can select by key and still show the official wording. Table 2 is long-form (one
row per figure) because its clauses have different columns.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from ledger.report import _layout as lay
from ledger.report import editions as ed
from ledger.report.model import CHANNELS, AnnualReport

Rows = list[list[str]]


def _report(report: AnnualReport) -> Rows:
    items = [
        ("year", str(report.year)),
        ("agency", report.agency),
        ("edition", report.edition),
        ("edition_document", ed.edition(report.edition).document),
        ("title", report.title),
        ("date_signed", report.date_signed.isoformat() if report.date_signed else ""),
        ("as_of", lay.moment_iso(report.as_of) if report.as_of is not None else ""),
    ]
    return [["key", "value"], *([k, v] for k, v in items)]


def _table2(report: AnnualReport) -> Rows:
    rows = [["clause", "item", "item_label", "figure", "figure_label", "value"]]
    for clause, _, records in lay.table2_sections(report):
        rows += [
            [clause, r.item, r.label, key, label, lay.number(value)]
            for r in records
            for key, label, value in r.figures
        ]
    return rows


def _table3(report: AnnualReport) -> Rows:
    rows = [["key", "outcomes", "section", "group", "label", *lay.TABLE3_KEYS]]
    rows += [
        [r.key, " ".join(r.codes), r.section, r.group, r.label]
        + [str(r.values[k]) for k in lay.TABLE3_KEYS]
        for r in lay.table3_records(report)
    ]
    return rows


def _table4(report: AnnualReport) -> Rows:
    keys = [key for key, _ in ed.TABLE4_COLUMNS]
    rows = [["key", "parent", "label", *keys]]
    rows += [
        [r.key, r.parent, r.label, *(str(r.values[k]) for k in keys)]
        for r in lay.table4_records(report)
    ]
    return rows


def _stats(report: AnnualReport) -> list[tuple[str, str, Rows]]:
    if report.stats is None:
        return []
    summary = [["key", "label", "value"]]
    summary += [[k, label, value] for k, label, value in lay.stats_summary(report)]
    oldest = [["request_id", "received", "working_days_open"]]
    oldest += [list(row) for row in lay.oldest_rows(report)]
    _, monthly = lay.monthly_rows(report)
    months = [["month", *CHANNELS, "received", "answered"]]
    months += [[str(m + 1), *(str(v) for v in vals)] for m, vals in enumerate(monthly)]
    return [
        ("stats-summary", ed.STATS_HEADING, summary),
        ("stats-oldest-open", ed.OLDEST_OPEN_HEADING, oldest),
        ("stats-monthly", ed.MONTHLY_HEADING, months),
    ]


def sections(report: AnnualReport) -> list[tuple[str, str, Rows]]:
    """(key, heading, rows) of every CSV section in order."""
    return [
        ("report", report.title, _report(report)),
        ("table2", lay.heading(report, "proactive"), _table2(report)),
        ("table3", lay.heading(report, "requests"), _table3(report)),
        ("table4", lay.heading(report, "review"), _table4(report)),
        *_stats(report),
    ]


def render_csv(report: AnnualReport) -> str:
    """All sections as one CSV text (RFC 4180 line endings, no byte-order mark)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for i, (key, heading, rows) in enumerate(sections(report)):
        if i:
            writer.writerow([])
        block: Sequence[Sequence[str]] = [[key, heading], *rows]
        writer.writerows(block)
    return buffer.getvalue()
