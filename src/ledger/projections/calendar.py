"""The working calendar as the log knows it: the package's years plus recorded schedules."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from ledger.calendar import WorkingCalendar, YearSchedule, package_schedule
from ledger.events.calendar import CALENDAR_STREAM
from ledger.events.store import EventStore, StoredEvent

SCHEDULE_RECORDED = "calendar.schedule-recorded"


def fold_calendar(events: Iterable[StoredEvent]) -> WorkingCalendar:
    """The calendar from recorded schedules; a later one for the same year wins."""
    schedules = [YearSchedule.from_dict(e.data) for e in events if e.type == SCHEDULE_RECORDED]
    return WorkingCalendar(schedules)


def load_calendar(store: EventStore) -> WorkingCalendar:
    """The calendar as currently recorded."""
    return fold_calendar(store.read_stream(CALENDAR_STREAM))


def sources(cal: WorkingCalendar, first: date, last: date) -> dict[str, str]:
    """Which schedule each year from ``first`` to ``last`` was counted with (for audits)."""
    out: dict[str, str] = {}
    for year in range(first.year, max(first, last).year + 1):
        if year in cal.recorded:
            out[str(year)] = "recorded"
        elif package_schedule(year) is not None:
            out[str(year)] = "chinesecalendar"
        else:
            out[str(year)] = "provisional: weekends and statutory holidays (no official schedule)"
    return out
