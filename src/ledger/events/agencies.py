"""Agencies as the log knows them: a code, the name printed on reports, local labels.

Recording the name (and an agency's local wording of the official labels) in the log
lets a whole report regenerate from history; the configuration file may still override.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ledger.events.fields import Code, Name
from ledger.events.types import Event, register

AgencyLevel = Literal["department", "government"]


OFFICE_STREAM = "office"
"""The installation's own settings recorded in the log (the default agency)."""


AGENCY_PREFIX = "agency-"


def agency_stream(code: str) -> str:
    return f"{AGENCY_PREFIX}{code}"


class AgencyRegistered(Event):
    """An agency's name, local label variants and level were recorded (latest wins).

    ``level`` sets the report deadline (Art. 49): a department (工作部门) publishes by 31
    January, a people's government (人民政府) by 31 March.
    """

    type = "agency.registered"
    code: Code
    name: Name
    labels: dict[str, str] = Field(default_factory=dict)
    level: AgencyLevel = "department"


class DefaultAgencySet(Event):
    """``ledger agency use CODE``: the agency a desk records for when none is named.

    The configuration file's ``agency`` key, when set, wins over it (docs/agencies.md).
    """

    type = "agency.default-set"
    code: Code


register(AgencyRegistered, DefaultAgencySet)
