"""``render(report, fmt)``: the annual report in any of its formats.

Every format refuses a table 3 that does not reconcile (per column, new + carried in =
decided + carried out, the formats' 勾稽关系): such a table is a projection bug, and a
published report must never show it.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module

from ledger.errors import InvalidInput
from ledger.i18n import _
from ledger.report._layout import ensure_reconciled
from ledger.report.model import AnnualReport

# Format → (module, function). Imported on use: python-docx and openpyxl take a few
# hundred milliseconds to import, which a desk command that never renders must not pay.
_RENDERERS: dict[str, tuple[str, str]] = {
    "text": ("_text", "render_text"),
    "md": ("_markdown", "render_markdown"),
    "csv": ("_csv", "render_csv"),
    "json": ("_json", "render_json"),
    "docx": ("_docx", "render_docx"),
    "xlsx": ("_xlsx", "render_xlsx"),
    "html": ("_html", "render_html"),
}
FORMATS: tuple[str, ...] = tuple(_RENDERERS)
BINARY_FORMATS: frozenset[str] = frozenset({"json", "docx", "xlsx"})
"""Formats rendered as bytes; the others are str (write them as UTF-8)."""
FILE_FORMATS: frozenset[str] = frozenset({"docx", "xlsx"})
"""Formats that are files for an office program, never printed on a terminal."""
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
    where = _RENDERERS.get(fmt)
    if where is None:
        raise InvalidInput(
            _("--format: {fmt!r} is not a report format; use one of {listed}").format(
                fmt=fmt, listed=", ".join(FORMATS)
            )
        )
    ensure_reconciled(report)
    renderer: Callable[[AnnualReport], bytes | str] = getattr(
        import_module(f"ledger.report.{where[0]}"), where[1]
    )
    return renderer(report)


def render_bytes(report: AnnualReport, fmt: str) -> bytes:
    """The report in format ``fmt`` as bytes to write to a file (text as UTF-8)."""
    out = render(report, fmt)
    return out.encode() if isinstance(out, str) else out
