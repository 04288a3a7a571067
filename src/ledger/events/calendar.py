"""The official working-day schedule of a year, recorded by the user (stream ``calendar``).

``chinesecalendar`` knows the years up to its release (2004–2026 for 1.11); a later year's
holidays and make-up working days are recorded as this event, so deadlines computed with
them can be audited and replayed.
"""

from __future__ import annotations

from ledger.events.types import Event, register

CALENDAR_STREAM = "calendar"


class ScheduleRecorded(Event):
    """The official schedule of a year was recorded (holidays and make-up working days)."""

    type = "calendar.schedule-recorded"
    year: int
    holidays: dict[str, str]
    workdays: list[str]
    source: str = "recorded"


register(ScheduleRecorded)
