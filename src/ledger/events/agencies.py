"""Agencies as the log knows them: a code, the name printed on reports, local labels.

Recording the name (and an agency's local wording of the official labels) in the log
lets a whole report regenerate from history; the configuration file may still override.
"""

from __future__ import annotations

from pydantic import Field

from ledger.events.types import Event, register


def agency_stream(code: str) -> str:
    return f"agency-{code}"


class AgencyRegistered(Event):
    """An agency's name and its local label variants were recorded (latest wins)."""

    type = "agency.registered"
    code: str = Field(min_length=1)
    name: str = Field(min_length=1)
    labels: dict[str, str] = Field(default_factory=dict)


register(AgencyRegistered)
