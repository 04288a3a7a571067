"""``render(report, fmt)``: the annual report in any of its formats.

Every format refuses a table 3 that does not reconcile (per column, new + carried in =
decided + carried out, the formats' 勾稽关系): such a table is a projection bug, and a
published report must never show it.
"""

from __future__ import annotations

from collections.abc import Callable

from ledger.errors import InvalidInput
from ledger.report._csv import render_csv
from ledger.report._docx import render_docx
from ledger.report._html import render_html
from ledger.report._json import render_json
from ledger.report._layout import ensure_reconciled
from ledger.report._markdown import render_markdown
from ledger.report._text import render_text
from ledger.report._xlsx import render_xlsx
from ledger.report.model import AnnualReport

_RENDERERS: dict[str, Callable[[AnnualReport], bytes | str]] = {
    "text": render_text,
    "md": render_markdown,
    "csv": render_csv,
    "json": render_json,
    "docx": render_docx,
    "xlsx": render_xlsx,
    "html": render_html,
}
FORMATS: tuple[str, ...] = tuple(_RENDERERS)
BINARY_FORMATS: frozenset[str] = frozenset({"json", "docx", "xlsx"})
"""Formats rendered as bytes; the others are str (write them as UTF-8)."""
EXTENSIONS: dict[str, str] = {
    "text": "txt",
    "md": "md",
    "csv": "csv",
    "json": "json",
    "docx": "docx",
    "xlsx": "xlsx",
    "html": "html",
}


def render(report: AnnualReport, fmt: str) -> bytes | str:
    """The report in format ``fmt``: str for text, md, csv, html; bytes for json, docx, xlsx.

    Raises ``InvalidInput`` for an unknown format and ``IntegrityFailure`` (naming the
    column) when table 3 does not reconcile.
    """
    renderer = _RENDERERS.get(fmt)
    if renderer is None:
        raise InvalidInput(
            f"--format: {fmt!r} is not a report format; use one of {', '.join(FORMATS)}"
        )
    ensure_reconciled(report)
    return renderer(report)


def render_bytes(report: AnnualReport, fmt: str) -> bytes:
    """The report in format ``fmt`` as bytes to write to a file (text as UTF-8)."""
    out = render(report, fmt)
    return out.encode() if isinstance(out, str) else out
