"""Closing a year: the carry-over of open requests (Regulation Art. 50; docs/rules.md).

``YearClosed`` goes on the agency's year stream ``year-<agency>-<YYYY>``; each open
request gets ``RequestCarriedOver`` on its own stream. A fact later amended into a
closed year appends the correcting events, e.g. ``CarryOverRevoked`` when a decision
dated inside the year is recorded after the year was closed.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from ledger.events.types import Event, register

YEAR_PREFIX = "year-"


def year_stream(agency: str, year: int) -> str:
    """The stream of an agency's year-level facts."""
    return f"{year_prefix(agency)}{year}"


def year_prefix(agency: str) -> str:
    """What the agency's year streams are named before the year (its closed years)."""
    return f"{YEAR_PREFIX}{agency}-"


class YearClosed(Event):
    """The year was closed: every request open at its end was carried over."""

    type = "year.closed"
    year: int
    carried_over: int


class RequestCarriedOver(Event):
    """The request was still open at the end of ``year`` and continues into the next."""

    type = "request.carried-over"
    year: int


class CarryOverRevoked(Event):
    """An amendment showed the request was not open at the end of ``year`` after all."""

    type = "request.carry-over-revoked"
    year: int
    reason: str = Field(min_length=1)  # derived; a text typed with it is quoted as its mark

    quoting: ClassVar[tuple[str, ...]] = ("reason",)


class AmendmentRecorded(Event):
    """Facts dated inside a closed year were recorded late; says who and why."""

    type = "request.amendment-recorded"
    year: int
    reason: str = Field(min_length=1)  # derived; a text typed with it is quoted as its mark

    quoting: ClassVar[tuple[str, ...]] = ("reason",)


register(YearClosed, RequestCarriedOver, CarryOverRevoked, AmendmentRecorded)
