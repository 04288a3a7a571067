"""What is said before a report is rendered: a year that cannot be reported, and gaps.

The annual report is an official document (Art. 49–50): published as written, shared as a
file. A year that has not begun has nothing to report, so it is refused; a year still
running, or a report whose narrative sections 一、五、六 are empty, is rendered with a
warning line so that nobody publishes it by mistake. Report files are meant to be shared,
so they are created with the permissions the user's umask gives, not the owner-only mode
of a temporary file.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from ledger.errors import InvalidInput
from ledger.i18n import _
from ledger.report import editions
from ledger.report.model import AnnualReport

__all__ = ["NARRATIVE_SECTIONS", "check_year", "empty_sections", "share_file", "warnings"]

NARRATIVE_SECTIONS = ("overview", "problems", "other-matters")  # 一、五、六: written by people


def check_year(year: int, reference: date) -> str:
    """Refuse a year that has not begun on ``reference``; a warning for one not yet ended.

    ``reference`` is the day the report is as of: ``--as-of`` (its Shanghai date), else today.
    """
    if year > reference.year:
        raise InvalidInput(
            _(
                "report {year}: the year has not begun (as of {reference}); give a year up to "
                "{latest}"
            ).format(year=year, reference=reference, latest=reference.year)
        )
    if year == reference.year:
        return _(
            "warning: {year} has not ended (as of {reference}); the report shows the year so "
            "far and is not the annual report to publish"
        ).format(year=year, reference=reference)
    return ""


def empty_sections(report: AnnualReport) -> list[str]:
    """The headings of the narrative sections with no text, in report order."""
    return [
        editions.HEADINGS[key]
        for key in NARRATIVE_SECTIONS
        if not report.narrative.section(key).strip()
    ]


def warnings(report: AnnualReport, reference: date) -> list[str]:
    """Every warning line for rendering ``report`` (the year is already known to have begun)."""
    out = [check_year(report.year, reference)]
    empty = empty_sections(report)
    if empty:
        out.append(
            _(
                "warning: sections {numbers} are empty ({headings}); record the narrative "
                "(ledger record narrative {year} --file FILE)"
            ).format(
                numbers="、".join(h.split("、")[0] for h in empty),
                headings="; ".join(empty),
                year=report.year,
            )
        )
    return [line for line in out if line]


def share_file(path: Path) -> None:
    """Give a file the mode a new file gets from the user's umask (0666 less the umask).

    A temporary file is created readable only by its owner; a report is written that way
    and renamed into place, then opened up as any file the user saves would be.
    """
    mask = os.umask(0)
    os.umask(mask)
    path.chmod(0o666 & ~mask)
