"""Registering an agency: the code used on the command line, the name on its reports.

The code names a stream (``agency-<code>``) and is typed at every desk command, so it
follows the same id rule as request, case and document ids.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import get_args

from ledger.commands._context import Desk
from ledger.commands._once import exactly_once
from ledger.commands.requests import check_id
from ledger.errors import InvalidInput
from ledger.events.agencies import AgencyLevel, AgencyRegistered, agency_stream
from ledger.events.store import ANY, NewEvent
from ledger.report import editions

LEVELS: tuple[str, ...] = get_args(AgencyLevel)


@dataclass(frozen=True)
class AgencyRecorded:
    """What was recorded: the agency as the log now names it, and the position stored."""

    code: str
    name: str
    labels: dict[str, str]
    level: str
    position: int


def official_labels() -> frozenset[str]:
    """Every label either official format prints (a local wording may replace one)."""
    return editions.edition("2019").labels() | editions.edition("2021").labels()


def _replay(desk: Desk, command_id: str) -> AgencyRecorded | None:
    """What a registration with this command id recorded (a retried command's answer)."""
    stored = desk.store.events_of_command(command_id)
    if not stored or stored[0].type != AgencyRegistered.type:
        return None
    e = AgencyRegistered.model_validate(stored[0].data)
    return AgencyRecorded(e.code, e.name, dict(e.labels), e.level, stored[0].position)


@exactly_once(_replay)
def register_agency(
    desk: Desk,
    code: str,
    name: str,
    labels: Mapping[str, str] | None = None,
    level: str = "department",
) -> AgencyRecorded:
    """Record (or rename) an agency; a later record replaces the earlier one.

    ``labels`` maps an official label to the agency's local wording of it.
    """
    check_id(code, "CODE")
    if not name.strip():
        raise InvalidInput("--name: the agency's name is empty; give its full name")
    if level not in LEVELS:
        raise InvalidInput(f"--level: {level!r} is not allowed; use {' or '.join(LEVELS)}")
    mapping = dict(labels or {})
    known = official_labels()
    for official in mapping:
        if official not in known:
            raise InvalidInput(
                f"--label: {official!r} is not an official label; give it exactly as the "
                "format prints it"
            )
    event = AgencyRegistered(code=code, name=name.strip(), labels=mapping, level=level)
    new = [NewEvent(event, desk.today)]
    result = desk.store.append(
        agency_stream(code),
        new,
        expected_version=ANY,
        command_id=desk.command_id,
        actor=desk.actor,
        agency=code,
    )
    return AgencyRecorded(code, event.name, mapping, level, result.last_position)
