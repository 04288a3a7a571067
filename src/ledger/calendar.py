"""The official working-day schedule that every statutory deadline is counted in.

The Regulation counts time in working days (工作日; Art. 30–35 of the 2019 Regulation,
Art. 24 of the 2007 Regulation): weekends and public holidays are off, and some weekend
days are make-up working days (调休). The State Council publishes each year's schedule
late in the year before. The ``chinesecalendar`` package holds the years up to its
release (``package_coverage``: 2004–2026 for 1.11); for any other year the user records
the official schedule (a ``YearSchedule``, stored as an event), and a recorded schedule
always wins over the package for its year.

A year with no schedule is counted with a provisional guess: weekends and the public
holidays fixed by law (``ledger.statutory``: 元旦, 春节, 清明, 劳动节, 端午, 中秋, 国庆
placed by the lunar calendar and the solar term, with their 补假); the make-up working
days of the official notice cannot be guessed. Every answer that depended on such a year
says so (``DayInfo.provisional``, ``WorkingCalendar.unscheduled_years``), so the deadline
is marked provisional and recomputed when the schedule is recorded.

Deadlines are counted for hundreds of thousands of requests at a time, so the calendar
keeps, per year, the sorted ordinals of its working days (built lazily, cached) and
answers "the nth working day after" and "how many working days between" with bisect.
"""

from __future__ import annotations

import csv
import re
import tomllib
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import chinese_calendar

from ledger.dates import weekday_name
from ledger.errors import InvalidInput
from ledger.i18n import _
from ledger.statutory import statutory_holidays

__all__ = [
    "SOURCES",
    "DayInfo",
    "WorkingCalendar",
    "YearSchedule",
    "load_schedule_file",
    "package_coverage",
    "package_schedule",
]

SOURCES = ("chinesecalendar", "recorded")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_SATURDAY = 5


def _is_weekend(d: date) -> bool:
    return d.weekday() >= _SATURDAY


@dataclass(frozen=True)
class YearSchedule:
    """One year's official schedule: the named days off and the make-up working days.

    ``holidays`` are the days off of the public holidays, with the holiday's name as given
    (the package's names are translated to Chinese, e.g. 春节). It may include weekend
    days that fall inside a holiday period: they were off anyway, so they change nothing
    in the count, but they let an explanation say "holiday: 春节" instead of "weekend".
    ``workdays`` are the weekend days that are working days (调休). Stored as an event
    payload, hence ``to_dict``/``from_dict``.
    """

    year: int
    holidays: Mapping[date, str] = field(hash=False)
    workdays: frozenset[date]
    source: str = "recorded"

    def __post_init__(self) -> None:
        """Refuse a schedule that could not be official, and freeze the holiday mapping."""
        if not 1 <= self.year <= 9998:
            raise InvalidInput(
                _("year: {year} is not a calendar year; use 1–9998").format(year=self.year)
            )
        if self.source not in SOURCES:
            raise InvalidInput(
                _("source: {source!r} is not allowed; use one of {allowed}").format(
                    source=self.source, allowed=SOURCES
                )
            )
        for day in [*self.holidays, *self.workdays]:
            if day.year != self.year:
                raise InvalidInput(
                    _(
                        "schedule {year}: {day} is not in {year}; every date must be in the year "
                        "{year}"
                    ).format(year=self.year, day=day.isoformat())
                )
        for day in sorted(self.workdays):
            if not _is_weekend(day):
                raise InvalidInput(
                    _(
                        "schedule {year}: make-up working day {day} is a {weekday}; a make-up "
                        "working day must be a Saturday or Sunday"
                    ).format(
                        year=self.year, day=day.isoformat(), weekday=weekday_name(day, full=True)
                    )
                )
            if day in self.holidays:
                raise InvalidInput(
                    _(
                        "schedule {year}: {day} is both a holiday and a make-up working day; a day "
                        "can be only one"
                    ).format(year=self.year, day=day.isoformat())
                )
        frozen = MappingProxyType(dict(sorted(self.holidays.items())))
        object.__setattr__(self, "holidays", frozen)
        object.__setattr__(self, "workdays", frozenset(self.workdays))

    def to_dict(self) -> dict[str, Any]:
        """The JSON-able form stored in an event: ISO date strings, sorted."""
        return {
            "year": self.year,
            "holidays": {d.isoformat(): name for d, name in self.holidays.items()},
            "workdays": sorted(d.isoformat() for d in self.workdays),
            "source": self.source,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> YearSchedule:
        """Rebuild a schedule from ``to_dict`` output, refusing anything malformed."""
        try:
            year = int(data["year"])
            holidays = {
                date.fromisoformat(str(k)): str(v) for k, v in dict(data["holidays"]).items()
            }
            workdays = frozenset(date.fromisoformat(str(d)) for d in data["workdays"])
            source = str(data.get("source", "recorded"))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise InvalidInput(
                _(
                    "schedule: not a stored schedule ({kind}: {exc}); expected year, holidays "
                    "{{date: name}}, workdays [date], source"
                ).format(kind=type(exc).__name__, exc=exc)
            ) from None
        return cls(year=year, holidays=holidays, workdays=workdays, source=source)


@dataclass(frozen=True)
class DayInfo:
    """What a day is, and why: for explanations and the desk calculator."""

    day: date
    working: bool
    reason: str  # "weekend", "holiday: <name>", "make-up working day", "working day" (translated)
    provisional: bool  # the year has no official schedule: the statutory holidays assumed


def _chinese_name(name: str) -> str:
    """The package names holidays in English; the desk reads Chinese (春节, not Spring Festival)."""
    try:
        return str(chinese_calendar.Holiday(name).chinese)
    except ValueError:
        return name


@cache
def _package_years() -> Mapping[int, YearSchedule]:
    """Every year the ``chinesecalendar`` package covers, read once from its public tables."""
    holidays: dict[int, dict[date, str]] = {}
    workdays: dict[int, set[date]] = {}
    for day, name in chinese_calendar.holidays.items():
        holidays.setdefault(day.year, {})[day] = _chinese_name(str(name))
    for day in chinese_calendar.workdays:
        workdays.setdefault(day.year, set()).add(day)
    first, last = min(holidays), max(holidays)
    return MappingProxyType(
        {
            year: YearSchedule(
                year=year,
                holidays=holidays.get(year, {}),
                workdays=frozenset(workdays.get(year, ())),
                source="chinesecalendar",
            )
            for year in range(first, last + 1)
        }
    )


@cache
def package_coverage() -> tuple[int, int]:
    """The first and last year the installed ``chinesecalendar`` holds, read from its tables.

    Cheap (no schedule is built), so help texts can name the years without hard-coding them.
    """
    years = [day.year for day in chinese_calendar.holidays]
    return min(years), max(years)


def package_version() -> str:
    """The installed ``chinesecalendar`` version, as its distribution metadata gives it."""
    from importlib.metadata import version

    return version("chinesecalendar")


def package_schedule(year: int) -> YearSchedule | None:
    """The ``chinesecalendar`` package's schedule for ``year``, or None outside its years."""
    return _package_years().get(year)


@dataclass(frozen=True)
class _Year:
    """One year's working days as sorted ordinals: the cached form bisect works on."""

    ordinals: tuple[int, ...]
    working: frozenset[int]
    schedule: YearSchedule | None
    guessed: Mapping[date, str]  # without a schedule: the statutory holidays assumed


def _build_year(year: int, schedule: YearSchedule | None) -> _Year:
    start = date(year, 1, 1).toordinal()
    end = date(year + 1, 1, 1).toordinal()
    guessed: Mapping[date, str] = {}
    if schedule is None:
        guessed = statutory_holidays(year)
        off = {d.toordinal() for d in guessed}
        on: set[int] = set()
    else:
        off = {d.toordinal() for d in schedule.holidays}
        on = {d.toordinal() for d in schedule.workdays}
    ordinals = tuple(
        o for o in range(start, end) if o in on or ((o - 1) % 7 < _SATURDAY and o not in off)
    )
    return _Year(
        ordinals=ordinals,
        working=frozenset(ordinals),
        schedule=schedule,
        guessed=MappingProxyType(dict(guessed)),
    )


@cache
def _shared_year(year: int, use_package: bool) -> _Year:
    """Tables of package and guessed years, shared by every calendar (they never change)."""
    return _build_year(year, package_schedule(year) if use_package else None)


class WorkingCalendar:
    """The working-day schedule: the package's years plus the user's recorded years.

    Immutable: ``with_schedule`` returns a new calendar. The per-year ordinal tables are
    an internal cache, filled on first use; a new calendar keeps the tables of the years
    its new schedule does not touch.
    """

    __slots__ = ("_cache", "_recorded", "_use_package")

    def __init__(self, schedules: Iterable[YearSchedule] = (), *, use_package: bool = True) -> None:
        """Build from recorded schedules (a later one for the same year wins)."""
        self._recorded: Mapping[int, YearSchedule] = MappingProxyType(
            {s.year: s for s in schedules}
        )
        self._use_package = use_package
        self._cache: dict[int, _Year] = {}

    def with_schedule(self, schedule: YearSchedule) -> WorkingCalendar:
        """A calendar that also knows ``schedule``, which replaces any other for its year."""
        new = WorkingCalendar([*self._recorded.values(), schedule], use_package=self._use_package)
        new._cache.update({y: t for y, t in self._cache.items() if y != schedule.year})
        return new

    @property
    def recorded(self) -> Mapping[int, YearSchedule]:
        """The user-recorded schedules by year (what must be stored to rebuild this calendar)."""
        return self._recorded

    def schedule(self, year: int) -> YearSchedule | None:
        """The schedule in force for ``year``: the recorded one, else the package's, else None."""
        recorded = self._recorded.get(year)
        if recorded is not None or not self._use_package:
            return recorded
        return package_schedule(year)

    def has_schedule(self, year: int) -> bool:
        """Whether ``year`` has an official schedule (else its days are a weekends-only guess)."""
        return self.schedule(year) is not None

    def _year(self, year: int) -> _Year:
        table = self._cache.get(year)
        if table is None:
            recorded = self._recorded.get(year)
            if recorded is not None:
                table = _build_year(year, recorded)
            else:
                table = _shared_year(year, self._use_package)
            self._cache[year] = table
        return table

    def provisional_holidays(self, year: int) -> Mapping[date, str]:
        """The statutory holidays assumed for ``year`` while it has no schedule, else {}."""
        return self._year(year).guessed

    def is_working(self, d: date) -> bool:
        """Whether ``d`` is a working day; in a year without schedule this is a guess.

        Callers that must know whether it was a guess use ``describe`` or
        ``unscheduled_years``.
        """
        return d.toordinal() in self._year(d.year).working

    def describe(self, d: date) -> DayInfo:
        """Whether ``d`` is working, why (in the current language, for people), and whether
        that rests on a guessed schedule."""
        table = self._year(d.year)
        schedule = table.schedule
        if schedule is None:
            name = table.guessed.get(d)
            if name is not None:
                guessed = _("holiday: {name} (by law; no official schedule)").format(name=name)
                return DayInfo(d, False, guessed, True)
            weekend = _is_weekend(d)
            return DayInfo(d, not weekend, _("weekend") if weekend else _("working day"), True)
        if d in schedule.workdays:
            return DayInfo(d, True, _("make-up working day"), False)
        name = schedule.holidays.get(d)
        if name is not None:
            return DayInfo(d, False, _("holiday: {name}").format(name=name), False)
        if _is_weekend(d):
            return DayInfo(d, False, _("weekend"), False)
        return DayInfo(d, True, _("working day"), False)

    def unscheduled_years(self, after: date, through: date) -> frozenset[int]:
        """The years without a schedule among the days after ``after`` up to ``through``."""
        if through <= after:
            return frozenset()
        first = (after + timedelta(days=1)).year
        return frozenset(y for y in range(first, through.year + 1) if not self.has_schedule(y))

    def working_days_between(self, after: date, through: date) -> int:
        """How many working days lie after ``after`` up to and including ``through``."""
        return self.count_ordinals(after.toordinal(), through.toordinal())

    def nth_working_day_after(self, start: date, n: int) -> date:
        """The nth working day after ``start`` (``start`` itself never counts); n >= 1."""
        if n < 1:
            raise InvalidInput(
                _("days: {n} is not allowed; count at least 1 working day").format(n=n)
            )
        return date.fromordinal(self.nth_ordinal_after(start.toordinal(), n))

    def working_days(self, after: date, through: date) -> Iterator[date]:
        """The working days after ``after`` up to and including ``through``, in order."""
        a, b = after.toordinal(), through.toordinal()
        for year in range(date.fromordinal(a).year, date.fromordinal(max(a, b)).year + 1):
            ordinals = self._year(year).ordinals
            i = bisect_right(ordinals, a)
            j = bisect_right(ordinals, b)
            for o in ordinals[i:j]:
                yield date.fromordinal(o)

    # The ordinal forms below are the hot path of the deadline clock: no date objects.

    def count_ordinals(self, after: int, through: int) -> int:
        """Working days with ordinal in (after, through]; 0 when the range is empty."""
        if through <= after:
            return 0
        first, last = date.fromordinal(after).year, date.fromordinal(through).year
        if first == last:
            ordinals = self._year(first).ordinals
            return bisect_right(ordinals, through) - bisect_right(ordinals, after)
        total = len(self._year(first).ordinals) - bisect_right(self._year(first).ordinals, after)
        for year in range(first + 1, last):
            total += len(self._year(year).ordinals)
        return total + bisect_right(self._year(last).ordinals, through)

    def nth_ordinal_after(self, start: int, n: int) -> int:
        """The ordinal of the nth working day after ordinal ``start``; n >= 1."""
        year = date.fromordinal(start).year
        ordinals = self._year(year).ordinals
        i = bisect_right(ordinals, start) + n - 1
        while i >= len(ordinals):
            i -= len(ordinals)
            year += 1
            ordinals = self._year(year).ordinals
        return ordinals[i]


# --- schedule files -------------------------------------------------------------------


def load_schedule_file(path: Path, year: int) -> YearSchedule:
    """Read the official schedule of ``year`` from a TOML or CSV file (by its suffix).

    Both formats are documented in ``docs/calendar-2027.example.toml``. Rules: every date
    is in ``year``; a date is a holiday or a make-up working day, never both, and never
    listed twice; a make-up working day is a Saturday or Sunday; a holiday needs a name;
    at least one holiday (an empty file is a mistake, not a schedule). A holiday on a
    weekend is kept: it changes nothing in the count but names the day in explanations.
    """
    suffix = path.suffix.lower()
    if suffix not in (".toml", ".csv"):
        raise InvalidInput(
            _("{path}: suffix {suffix!r} is not allowed; use .toml or .csv").format(
                path=path, suffix=suffix or "(none)"
            )
        )
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InvalidInput(
            _("{path}: cannot be read ({why}); give a readable file").format(
                path=path, why=exc.strerror
            )
        ) from None
    except UnicodeDecodeError:
        raise InvalidInput(
            _("{path}: is not UTF-8 text; save the file as UTF-8").format(path=path)
        ) from None
    entries = _toml_entries(path, text, year) if suffix == ".toml" else _csv_entries(path, text)
    return _assemble(path, year, entries)


@dataclass(frozen=True)
class _Entry:
    """One day read from a file, with where it came from for the error message."""

    where: str
    day: date
    kind: str  # "holiday" | "workday"
    name: str


def _file_date(path: Path, where: str, key: str, value: object) -> date:
    if isinstance(value, datetime):
        raise InvalidInput(
            _("{path}: {where}: {key} {value!r} has a time; give a date YYYY-MM-DD").format(
                path=path, where=where, key=key, value=value
            )
        )
    if isinstance(value, date):
        return value
    text = str(value).strip()
    try:
        if not _ISO_DATE.fullmatch(text):  # fromisoformat also takes 20270101 and 2027-W01-1
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            _("{path}: {where}: {key} {value!r} is not a date; use YYYY-MM-DD").format(
                path=path, where=where, key=key, value=value
            )
        ) from None


def _toml_entries(path: Path, text: str, year: int) -> list[_Entry]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(
            _("{path}: is not valid TOML ({exc})").format(path=path, exc=exc)
        ) from None
    unknown = set(data) - {"year", "holidays", "workdays"}
    if unknown:
        raise InvalidInput(
            _("{path}: key {key!r} is not allowed; use year, [[holidays]], [[workdays]]").format(
                path=path, key=sorted(unknown)[0]
            )
        )
    if "year" in data and data["year"] != year:
        raise InvalidInput(
            _("{path}: year = {given!r} but the schedule is for {year}").format(
                path=path, given=data["year"], year=year
            )
        )
    entries: list[_Entry] = []
    for kind, key in (("holiday", "holidays"), ("workday", "workdays")):
        tables = data.get(key, [])
        if not isinstance(tables, list):
            raise InvalidInput(
                _("{path}: {key} must be an array of tables ([[{key}]])").format(path=path, key=key)
            )
        for i, table in enumerate(tables, start=1):
            entries.extend(_toml_entry(path, f"{key}[{i}]", kind, table))
    return entries


def _toml_entry(path: Path, where: str, kind: str, table: object) -> list[_Entry]:
    if not isinstance(table, dict):
        raise InvalidInput(
            _("{path}: {where} must be a table with date (or start/end) and name").format(
                path=path, where=where
            )
        )
    allowed = {"date", "start", "end", "name"} if kind == "holiday" else {"date", "name"}
    unknown = set(table) - allowed
    if unknown:
        raise InvalidInput(
            _("{path}: {where}: key {key!r} is not allowed; use {allowed}").format(
                path=path, where=where, key=sorted(unknown)[0], allowed=sorted(allowed)
            )
        )
    name = str(table.get("name", "")).strip()
    if "date" in table and ("start" in table or "end" in table):
        raise InvalidInput(
            _("{path}: {where}: give either date or start/end, not both").format(
                path=path, where=where
            )
        )
    if "date" in table:
        days = [_file_date(path, where, "date", table["date"])]
    elif "start" in table and "end" in table:
        days = _day_range(path, where, table["start"], table["end"])
    else:
        raise InvalidInput(
            _("{path}: {where}: needs date, or start and end").format(path=path, where=where)
        )
    return [_Entry(where, d, kind, name) for d in days]


def _day_range(path: Path, where: str, start_value: object, end_value: object) -> list[date]:
    start = _file_date(path, where, "start", start_value)
    end = _file_date(path, where, "end", end_value)
    if end < start:
        raise InvalidInput(
            _(
                "{path}: {where}: end {end} is before start {start}; end must be on or after start"
            ).format(path=path, where=where, end=end.isoformat(), start=start.isoformat())
        )
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def _csv_entries(path: Path, text: str) -> list[_Entry]:
    lines = text.splitlines()
    rows = [
        (number, row)
        for number, row in enumerate(csv.reader(lines), start=1)
        if row and any(c.strip() for c in row) and not row[0].lstrip().startswith("#")
    ]
    if not rows or [c.strip().lower() for c in rows[0][1]] != ["date", "kind", "name"]:
        where = f"line {rows[0][0]}" if rows else "line 1"
        raise InvalidInput(
            _("{path}: {where}: the header must be date,kind,name").format(path=path, where=where)
        )
    entries: list[_Entry] = []
    for number, row in rows[1:]:
        where = f"line {number}"
        if len(row) not in (2, 3):
            raise InvalidInput(
                _("{path}: {where}: has {count} fields; use date,kind,name").format(
                    path=path, where=where, count=len(row)
                )
            )
        day = _file_date(path, where, "date", row[0])
        kind = row[1].strip().lower()
        if kind not in ("holiday", "workday"):
            raise InvalidInput(
                _("{path}: {where}: kind {kind!r} is not allowed; use holiday or workday").format(
                    path=path, where=where, kind=row[1]
                )
            )
        entries.append(_Entry(where, day, kind, row[2].strip() if len(row) == 3 else ""))
    return entries


def _assemble(path: Path, year: int, entries: list[_Entry]) -> YearSchedule:
    holidays: dict[date, str] = {}
    workdays: dict[date, str] = {}
    for e in entries:
        _check_entry(path, year, e, holidays, workdays)
        if e.kind == "holiday":
            holidays[e.day] = e.name
        else:
            workdays[e.day] = e.where
    if not holidays:
        raise InvalidInput(
            _("{path}: lists no holiday; an official schedule has at least one").format(path=path)
        )
    return YearSchedule(year=year, holidays=holidays, workdays=frozenset(workdays))


def _check_entry(
    path: Path, year: int, e: _Entry, holidays: Mapping[date, str], workdays: Mapping[date, str]
) -> None:
    day = e.day.isoformat()
    if e.day.year != year:
        raise InvalidInput(
            _("{path}: {where}: {day} is not in {year}; every date must be in {year}").format(
                path=path, where=e.where, day=day, year=year
            )
        )
    if (e.day in holidays and e.kind == "workday") or (e.day in workdays and e.kind == "holiday"):
        raise InvalidInput(
            _(
                "{path}: {where}: {day} is both a holiday and a make-up working day; a day can be "
                "only one"
            ).format(path=path, where=e.where, day=day)
        )
    if e.day in holidays or e.day in workdays:
        raise InvalidInput(
            _("{path}: {where}: {day} is listed twice; list each date once").format(
                path=path, where=e.where, day=day
            )
        )
    if e.kind == "holiday" and not e.name:
        raise InvalidInput(
            _("{path}: {where}: holiday {day} has no name; give its name (e.g. 春节)").format(
                path=path, where=e.where, day=day
            )
        )
    if e.kind == "workday" and not _is_weekend(e.day):
        raise InvalidInput(
            _(
                "{path}: {where}: make-up working day {day} is a {weekday}; it must be a Saturday "
                "or Sunday"
            ).format(path=path, where=e.where, day=day, weekday=weekday_name(e.day, full=True))
        )
