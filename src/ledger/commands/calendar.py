"""Recording a year's official schedule, and re-deriving the deadlines that depended on it.

A deadline computed for a year without a schedule is provisional (weekends and the
statutory holidays assumed). When
the schedule is recorded, every open request whose deadline changes gets a DeadlineSet
in the same transaction as the schedule itself, so the log never holds one without the
other.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ledger.calendar import YearSchedule, load_schedule_file
from ledger.commands._context import Desk
from ledger.commands._once import exactly_once
from ledger.commands.requests import deadline_event
from ledger.errors import InvalidInput
from ledger.events.calendar import CALENDAR_STREAM, ScheduleRecorded
from ledger.events.requests import request_of, stream_of
from ledger.events.store import ANY, NewEvent, StreamAppend
from ledger.i18n import _
from ledger.projections.requests import deadline
from ledger.projections.views import all_requests


@dataclass(frozen=True)
class ScheduleResult:
    """The schedule recorded and the requests whose deadline it moved."""

    year: int
    recomputed: tuple[tuple[str, str], ...]  # (request id, new due date or "stopped")
    holidays: int = 0
    workdays: int = 0


def _replay(desk: Desk, command_id: str) -> ScheduleResult | None:
    """What a schedule recorded with this command id did (a retried command's answer)."""
    stored = desk.store.events_of_command(command_id)
    recorded = [e for e in stored if e.type == ScheduleRecorded.type]
    if not recorded:
        return None
    data = recorded[0].data
    moved = tuple(
        (request_of(e.stream_id), e.data["due"] or "stopped")
        for e in stored
        if e.type != ScheduleRecorded.type
    )
    return ScheduleResult(
        data["year"], moved, len(data.get("holidays", ())), len(data.get("workdays", ()))
    )


@exactly_once(_replay)
def record_schedule(desk: Desk, schedule: YearSchedule) -> ScheduleResult:
    """Record the schedule and re-derive every open request's deadline with it."""
    event = ScheduleRecorded(**schedule.to_dict())
    batches = [StreamAppend(CALENDAR_STREAM, [NewEvent(event, desk.today)], expected_version=ANY)]
    desk.use_calendar(desk.calendar.with_schedule(schedule))
    moved: list[tuple[str, str]] = []
    for state in all_requests(desk.store):
        if state.closed:
            continue
        due = deadline(state, desk.calendar)
        changed = deadline_event(state, due, f"{schedule.year} official schedule recorded", desk)
        if changed is None:
            continue
        batches.append(
            StreamAppend(
                stream_of(state.id), [NewEvent(changed, desk.today)], expected_version=state.version
            )
        )
        moved.append((state.id, due.due.isoformat() if due.due else "stopped"))
    desk.store.append_many(batches, desk.command_id, actor=desk.actor, agency=desk.agency)
    return ScheduleResult(
        schedule.year, tuple(moved), len(schedule.holidays), len(schedule.workdays)
    )


def record_schedule_file(desk: Desk, year: int, file: Path) -> ScheduleResult:
    """Record ``year``'s schedule from a TOML or CSV file (docs/calendar-2027.example.toml)."""
    if not file.exists():
        raise InvalidInput(_("--file: {file} does not exist").format(file=file))
    return record_schedule(desk, load_schedule_file(file, year))
