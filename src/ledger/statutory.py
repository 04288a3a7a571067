"""The public holidays fixed by law, as a provisional schedule for a year without a notice.

《全国年节及纪念日放假办法》 (as revised by the State Council in November 2024, in force
from 2025-01-01) gives every citizen these days off: 元旦 1 day (1 January), 春节 4 days
(除夕 to 正月初三), 清明节 1 day (the day of the solar term 清明), 劳动节 2 days (1 and 2
May), 端午节 1 day (五月初五), 中秋节 1 day (八月十五), 国庆节 3 days (1 to 3 October).
Art. 5 of the measures: a holiday of all citizens that falls on a Saturday or Sunday is
made up on a working day (补假); ledger places it on the first weekday after the holiday
that is not already off, which is where the State Council's notices have put it.

The State Council's yearly notice then moves days around (调休: weekend make-up working
days and bridging days) in ways no rule predicts, so a schedule built here is always
provisional: ``WorkingCalendar`` counts with it only for a year with neither a recorded
nor a package schedule, says so, and drops it as soon as the official one is recorded.
The lunar dates and the solar term come from ``lunar_python`` (6tail's lunar calendar).
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

__all__ = ["STATUTORY_FROM", "statutory_holidays"]

STATUTORY_FROM = 2025  # the 2024 revision's first year; earlier years are not guessed
_SATURDAY = 5


def _solar(lunar_year: int, month: int, day: int) -> date:
    """The Gregorian date of a day of the Chinese lunar calendar (month 1 = 正月)."""
    from lunar_python import Lunar  # loaded only for a year without a published schedule

    solar = Lunar.fromYmd(lunar_year, month, day).getSolar()
    return date(solar.getYear(), solar.getMonth(), solar.getDay())


def _qingming(year: int) -> date:
    """The day of the solar term 清明 in ``year`` (4 or 5 April, by the sun's longitude)."""
    from lunar_python import Solar

    term = Solar.fromYmd(year, 4, 15).getLunar().getJieQiTable()["清明"]
    return date(term.getYear(), term.getMonth(), term.getDay())


def _periods(year: int) -> list[tuple[str, list[date]]]:
    """Each statutory holiday of ``year`` with its days, in the order of the year."""
    new_year = _solar(year, 1, 1)
    eve = new_year - timedelta(days=1)  # 除夕: the last day of the lunar year
    return [
        ("元旦", [date(year, 1, 1)]),
        ("春节", [eve + timedelta(days=i) for i in range(4)]),
        ("清明节", [_qingming(year)]),
        ("劳动节", [date(year, 5, 1), date(year, 5, 2)]),
        ("端午节", [_solar(year, 5, 5)]),
        ("中秋节", [_solar(year, 8, 15)]),
        ("国庆节", [date(year, 10, d) for d in (1, 2, 3)]),
    ]


@cache
def statutory_holidays(year: int) -> dict[date, str]:
    """The days off by law in ``year`` with their names, 补假 included; {} before 2025.

    Only days inside ``year`` are returned (the 春节 of a lunar year can start on 31
    December only in theory; the eve of the next year's festival never reaches into it).
    """
    if year < STATUTORY_FROM:
        return {}
    off: dict[date, str] = {}
    for name, days in _periods(year):
        for day in days:
            off.setdefault(day, name)
    for name, days in _periods(year):
        weekend = sum(1 for d in days if d.weekday() >= _SATURDAY)
        cursor = max(days)
        while weekend:
            cursor += timedelta(days=1)
            if cursor.weekday() < _SATURDAY and cursor not in off:
                off[cursor] = f"{name}补假"
                weekend -= 1
    return {d: n for d, n in sorted(off.items()) if d.year == year}
