"""Dates as the Regulation counts them: calendar dates in Asia/Shanghai.

"Today" comes from a clock the application holds (:class:`SystemClock`, or a
:class:`FixedClock` pinned for tests and training); :func:`clock_from_env` is the one
place that reads ``LEDGER_TODAY``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from ledger.errors import InvalidInput
from ledger.i18n import N_, _
from ledger.limits import check_today

SHANGHAI = ZoneInfo("Asia/Shanghai")
SHANGHAI_OFFSET = timedelta(hours=8)
SHANGHAI_FIXED_FROM = datetime(1992, 1, 1)
"""From then on Shanghai is UTC+8 all year (its last summer time ended in September
1991): a moment's date is an addition, not a time-zone conversion (a fold of a request
asks it of every event; tests/unit/test_dates.py holds it to the zone's answer)."""
# Python's fromisoformat also takes 20210305 and week dates (2021-W10-1); the desk is told
# YYYY-MM-DD, so only that form is a date here.
YMD = re.compile(r"\d{4}-\d{2}-\d{2}")


WEEKDAYS = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))
"""The days of the week as a person reads them next to a date (周一 … 周日 in Chinese)."""


WEEKDAYS_FULL = (
    N_("Monday"),
    N_("Tuesday"),
    N_("Wednesday"),
    N_("Thursday"),
    N_("Friday"),
    N_("Saturday"),
    N_("Sunday"),
)
"""The days of the week named in a sentence (星期一 … 星期日 in Chinese)."""


def weekday_name(day: date, *, full: bool = False) -> str:
    """``day``'s weekday, short (or ``full``), in the current language (not the C locale's
    ``%a``/``%A``)."""
    return _((WEEKDAYS_FULL if full else WEEKDAYS)[day.weekday()])


def parse_date(value: str, field: str) -> date:
    """Parse an ISO date (YYYY-MM-DD), naming the field when it is not one."""
    text = value.strip()
    try:
        if not YMD.fullmatch(text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            _("{field}: {value!r} is not a date; use YYYY-MM-DD").format(field=field, value=value)
        ) from None


def parse_moment(value: str, field: str) -> datetime:
    """Parse a date or date-time as a naive UTC moment.

    A bare date means the end of that day in Asia/Shanghai; a date-time without an offset
    is read in Asia/Shanghai, because that is how a person at the desk means it.
    """
    text = value.strip()
    try:
        if len(text) == 10:
            moment = datetime.combine(date.fromisoformat(text), datetime.max.time())
        else:
            moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            _(
                "{field}: {value!r} is not a date or date-time; use YYYY-MM-DD or YYYY-MM-DDTHH:MM"
            ).format(field=field, value=value)
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=SHANGHAI)
    return moment.astimezone(UTC).replace(tzinfo=None)


class Today(Protocol):
    """Where a business date comes from; injected so that a test can fix the day."""

    def today(self) -> date:
        """Today's date in Asia/Shanghai (or the pinned day)."""
        ...


@dataclass(frozen=True)
class SystemClock:
    """The wall clock: today in Asia/Shanghai, read afresh at each call (a scheduler
    running past midnight sees the new day)."""

    def today(self) -> date:
        return datetime.now(SHANGHAI).date()


@dataclass(frozen=True)
class FixedClock:
    """One day, always: for tests, training and ``LEDGER_TODAY``."""

    day: date

    def today(self) -> date:
        return self.day


def clock_from_env(environ: Mapping[str, str] | None = None) -> Today:
    """The clock the environment asks for: ``LEDGER_TODAY`` pins the day, else the wall clock.

    The one place that reads ``LEDGER_TODAY``; the application holds the clock it returns.
    """
    pinned = (os.environ if environ is None else environ).get("LEDGER_TODAY")
    if pinned:
        return FixedClock(check_today(parse_date(pinned, "LEDGER_TODAY")))
    return SystemClock()


def shanghai_date(moment: datetime) -> date:
    """The Asia/Shanghai calendar date of a naive-UTC moment (as ledger records moments).

    07:35 on 30 November in Shanghai is 23:35 on the 29th in UTC: the report's "as of"
    note and the desk mean the 30th.
    """
    if moment >= SHANGHAI_FIXED_FROM:
        return (moment + SHANGHAI_OFFSET).date()
    return moment.replace(tzinfo=UTC).astimezone(SHANGHAI).date()


def utc_now() -> datetime:
    """The recorded time of a new event: naive UTC, microsecond precision."""
    return datetime.now(UTC).replace(tzinfo=None)
