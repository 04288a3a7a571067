"""The annual report (《政府信息公开工作年度报告》, Regulation Art. 49-50): its data, the two
official editions, and its renderers.

A projection fills an :class:`AnnualReport`; :func:`render` turns it into text, md, csv,
json, docx, xlsx or html.
"""

from __future__ import annotations

from ledger.report.editions import (
    EDITIONS,
    apply_overrides,
    default_title,
    edition,
    edition_for_year,
)
from ledger.report.model import (
    CHANNELS,
    AnnualReport,
    Narrative,
    OpenRequest,
    ProcessingStats,
    Table2,
    Table3,
    Table4,
    Table4Group,
)
from ledger.report.render import BINARY_FORMATS, EXTENSIONS, FORMATS, render, render_bytes

__all__ = [
    "BINARY_FORMATS",
    "CHANNELS",
    "EDITIONS",
    "EXTENSIONS",
    "FORMATS",
    "AnnualReport",
    "Narrative",
    "OpenRequest",
    "ProcessingStats",
    "Table2",
    "Table3",
    "Table4",
    "Table4Group",
    "apply_overrides",
    "default_title",
    "edition",
    "edition_for_year",
    "render",
    "render_bytes",
]
