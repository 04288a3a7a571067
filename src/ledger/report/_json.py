"""The report as JSON: every table with its official column labels and its rows.

Each row carries the label as printed (``label``), the official label (``official_label``,
differing only where the agency overrides it), the outcome codes it counts where it has
them, and its numbers keyed by stable column keys. Decimals are strings, dates ISO
strings, as everywhere ledger serialises data.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import orjson

from ledger.report import _layout as lay
from ledger.report import editions as ed
from ledger.report.model import CHANNELS, AnnualReport, paragraphs

SCHEMA = "ledger.annual-report/1"


def _default(value: object) -> str:
    if isinstance(value, Decimal):
        return format(value, "f")
    raise TypeError(f"cannot serialise {type(value).__name__}")


def _table2(report: AnnualReport) -> dict[str, Any]:
    sections = []
    for clause, columns, records in lay.table2_sections(report):
        figures = records[0].figures
        sections.append(
            {
                "clause": clause,
                "item_column": columns[0],
                "columns": [{"key": key, "label": label} for key, label, _ in figures],
                "rows": [
                    {
                        "key": r.item,
                        "label": r.label,
                        "official_label": r.official_label,
                        "values": {key: value for key, _, value in r.figures},
                    }
                    for r in records
                ],
            }
        )
    return {"heading": lay.heading(report, "proactive"), "sections": sections}


def _table3(report: AnnualReport) -> dict[str, Any]:
    return {
        "heading": lay.heading(report, "requests"),
        "note": report.label(ed.TABLE3_NOTE),
        "column_header": report.label(ed.APPLICANT_HEADER),
        "columns": [
            {"key": key, "label": label, "group": group or None}
            for key, label, group in lay.table3_columns(report)
        ],
        "rows": [
            {
                "key": r.key,
                "part": r.part,
                "label": r.label,
                "official_label": r.official_label,
                "section": r.section or None,
                "group": r.group or None,
                "outcomes": list(r.codes),
                "values": r.values,
            }
            for r in lay.table3_records(report)
        ],
    }


def _table4(report: AnnualReport) -> dict[str, Any]:
    return {
        "heading": lay.heading(report, "review"),
        "columns": [{"key": key, "label": label} for key, label in lay.table4_columns(report)],
        "rows": [
            {"key": r.key, "label": r.label, "parent": r.parent or None, "values": r.values}
            for r in lay.table4_records(report)
        ],
    }


def _stats(report: AnnualReport) -> dict[str, Any] | None:
    stats = report.stats
    if stats is None:
        return None
    return {
        "heading": ed.STATS_HEADING,
        "answered_on_time": stats.answered_on_time,
        "answered_late": stats.answered_late,
        "median_working_days": stats.median_working_days,
        "mean_working_days": stats.mean_working_days,
        "longest_working_days": stats.longest_working_days,
        "extensions_used": stats.extensions_used,
        "clarifications_used": stats.clarifications_used,
        "clarifications_late": stats.clarifications_late,
        "recorded_late": stats.recorded_late,
        "oldest_open": [
            {
                "request_id": o.request_id,
                "received": o.received.isoformat(),
                "working_days_open": o.working_days_open,
            }
            for o in stats.oldest_open
        ],
        "channels": [{"key": c, "label": ed.CHANNEL_LABELS[c]} for c in CHANNELS],
        "received_by_month": {c: list(stats.received_by_month[c]) for c in CHANNELS},
        "received_per_month": list(stats.received_per_month()),
        "answered_by_month": list(stats.answered_by_month),
    }


def _narrative(report: AnnualReport) -> dict[str, Any]:
    return {
        key: {
            "heading": lay.heading(report, key),
            "text": report.narrative.section(key),
            "paragraphs": paragraphs(report.narrative.section(key)),
        }
        for key in ("overview", "problems", "other-matters")
    }


def report_data(report: AnnualReport) -> dict[str, Any]:
    """The report as plain data (what the JSON text holds)."""
    return {
        "schema": SCHEMA,
        "year": report.year,
        "agency": report.agency,
        "edition": report.edition,
        "edition_document": ed.edition(report.edition).document,
        "title": report.title,
        "date_signed": report.date_signed.isoformat() if report.date_signed else None,
        "as_of": lay.moment_iso(report.as_of) if report.as_of is not None else None,
        "log_head": report.log_head,
        "label_overrides": dict(report.label_overrides),
        "sections": [{"key": key, "heading": title} for key, title in lay.iter_sections(report)],
        "narrative": _narrative(report),
        "table2": _table2(report),
        "table3": _table3(report),
        "table4": _table4(report),
        "stats": _stats(report),
    }


def render_json(report: AnnualReport) -> bytes:
    """UTF-8 JSON, indented for people who open it, keys in a stable order."""
    return orjson.dumps(report_data(report), default=_default, option=orjson.OPT_INDENT_2)
