"""The annual report (《政府信息公开工作年度报告》, Regulation Art. 49-50): its data, the two
official editions, and its renderers.

A projection fills an :class:`AnnualReport`; :func:`render` turns it into text, md, csv,
json, docx, xlsx or html.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

_WHERE = {
    **dict.fromkeys(
        ("EDITIONS", "apply_overrides", "default_title", "edition", "edition_for_year"),
        "editions",
    ),
    **dict.fromkeys(
        (
            "CHANNELS",
            "AnnualReport",
            "Narrative",
            "OpenRequest",
            "ProcessingStats",
            "Table2",
            "Table3",
            "Table4",
            "Table4Group",
        ),
        "model",
    ),
    **dict.fromkeys(
        ("BINARY_FORMATS", "EXTENSIONS", "FORMATS", "render", "render_bytes"), "render"
    ),
}
"""Where each name lives. The package loads a module when one of its names is first asked
for: the configuration reads ``editions`` on every command, and the renderers and the
model would add to each desk command's start-up."""


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(import_module(f"ledger.report.{_WHERE[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
