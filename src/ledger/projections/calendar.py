"""The working calendar as the log knows it: the package's years plus recorded schedules.

Also the calendar's read use cases: a year's schedule (``ledger calendar show``) and the
due-date calculator (``ledger calendar due``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from ledger.calendar import WorkingCalendar, YearSchedule, package_schedule
from ledger.clock import ClockInput, explain_deadline, regime_for
from ledger.errors import InvalidInput
from ledger.events.calendar import CALENDAR_STREAM
from ledger.events.store import Store, StoredEvent
from ledger.i18n import N_, _

SCHEDULE_RECORDED = "calendar.schedule-recorded"


def fold_calendar(events: Iterable[StoredEvent]) -> WorkingCalendar:
    """The calendar from recorded schedules; a later one for the same year wins."""
    schedules = [YearSchedule.from_dict(e.data) for e in events if e.type == SCHEDULE_RECORDED]
    return WorkingCalendar(schedules)


def load_calendar(store: Store) -> WorkingCalendar:
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


@dataclass(frozen=True)
class ScheduleShown:
    """A year's official schedule and where it comes from; without one (None), the
    statutory holidays a provisional deadline counts with."""

    year: int
    schedule: YearSchedule | None
    source: str | None
    """Where the schedule comes from, as a message (shown through ``_``)."""
    provisional_holidays: dict[date, str] = field(default_factory=dict)


def year_schedule(store: Store, year: int) -> ScheduleShown:
    """The schedule deadlines in ``year`` are counted with: recorded, else the package's."""
    cal = load_calendar(store)
    schedule = cal.schedule(year)
    if schedule is None:
        return ScheduleShown(year, None, None, dict(cal.provisional_holidays(year)))
    source = N_("recorded") if year in cal.recorded else N_("chinesecalendar package")
    return ScheduleShown(year, schedule, source)


@dataclass(frozen=True)
class DueAnswer:
    """The desk's due-date calculator: working day ``days`` after ``received``."""

    received: date
    days: int
    due: date
    unscheduled: tuple[int, ...]
    explain: tuple[str, ...] = ()


def due_from(
    store: Store, received: date, days: int | None = None, explain: bool = False
) -> DueAnswer:
    """When a request received on ``received`` is due after ``days`` working days (default:
    the regime's 20, or 15 before 2019-05-15), with the days counted if asked."""
    cal = load_calendar(store)
    regime = regime_for(received)
    total = regime.days if days is None else days
    most = regime.days + regime.max_extension
    if not 1 <= total <= most:
        raise InvalidInput(
            _("--days: {total} is not allowed; 1 to {most}").format(total=total, most=most)
        )
    end = cal.nth_working_day_after(received, total)
    unscheduled = tuple(sorted(cal.unscheduled_years(received, end)))
    steps: tuple[str, ...] = ()
    if explain:
        inp = ClockInput(received_on=received, extension_days=max(0, total - regime.days))
        counted = explain_deadline(inp, cal)
        steps = tuple(str(s) for s in counted if s.day is not None and s.day <= end)
    return DueAnswer(received, total, end, unscheduled, steps)
