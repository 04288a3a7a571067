"""The working-day calendar: package years, recorded years, guesses, and schedule files."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import chinese_calendar
import pytest

from ledger.calendar import (
    DayInfo,
    WorkingCalendar,
    YearSchedule,
    load_schedule_file,
    package_schedule,
)
from ledger.errors import InvalidInput

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "calendar-2027.example.toml"


def schedule_2027(*holidays: tuple[date, str], workdays: tuple[date, ...] = ()) -> YearSchedule:
    return YearSchedule(year=2027, holidays=dict(holidays), workdays=frozenset(workdays))


# --- the package years -------------------------------------------------------------------


def test_package_years_match_chinesecalendar() -> None:
    """Every day of 2004–2026 is working exactly when chinesecalendar says so."""
    cal = WorkingCalendar()
    day = date(2004, 1, 1)
    while day.year <= 2026:
        assert cal.is_working(day) == chinese_calendar.is_workday(day), day
        day += timedelta(days=1)


def test_package_covers_2004_to_2026_only() -> None:
    """The package's years have a schedule; 2003 and 2027 do not."""
    cal = WorkingCalendar()
    assert cal.has_schedule(2004)
    assert cal.has_schedule(2026)
    assert not cal.has_schedule(2003)
    assert not cal.has_schedule(2027)
    assert package_schedule(2027) is None


def test_describe_names_the_reason() -> None:
    """describe says weekend, the holiday's Chinese name, make-up day or working day."""
    cal = WorkingCalendar()
    assert cal.describe(date(2020, 3, 7)) == DayInfo(date(2020, 3, 7), False, "weekend", False)
    assert cal.describe(date(2020, 1, 27)).reason == "holiday: 春节"
    assert cal.describe(date(2020, 5, 1)).reason == "holiday: 劳动节"
    assert cal.describe(date(2020, 4, 26)) == DayInfo(
        date(2020, 4, 26), True, "make-up working day", False
    )
    assert cal.describe(date(2020, 3, 3)).reason == "working day"


def test_weekend_inside_a_holiday_is_named_after_the_holiday() -> None:
    """A Saturday inside the Spring Festival break is explained as the holiday, still off."""
    info = WorkingCalendar().describe(date(2020, 1, 25))
    assert not info.working
    assert info.reason == "holiday: 春节"


def weekdays(year: int) -> int:
    """Monday to Friday in ``year``, counted day by day."""
    first = date(year, 1, 1)
    days = (date(year + 1, 1, 1) - first).days
    return sum(1 for i in range(days) if (first + timedelta(days=i)).weekday() < 5)


def test_unscheduled_year_is_a_provisional_statutory_guess() -> None:
    """In a year without schedule, weekends and the statutory holidays are off, flagged provisional."""
    cal = WorkingCalendar()
    assert cal.describe(date(2027, 1, 1)) == DayInfo(
        date(2027, 1, 1), False, "holiday: 元旦 (by law; no official schedule)", True
    )
    assert cal.describe(date(2027, 1, 4)) == DayInfo(date(2027, 1, 4), True, "working day", True)
    assert cal.describe(date(2027, 1, 2)) == DayInfo(date(2027, 1, 2), False, "weekend", True)
    assert cal.unscheduled_years(date(2026, 12, 1), date(2028, 1, 5)) == {2027, 2028}
    assert cal.unscheduled_years(date(2026, 12, 1), date(2026, 12, 31)) == frozenset()


# --- recorded years ----------------------------------------------------------------------


def test_recorded_schedule_takes_effect_for_its_year() -> None:
    """Recording a 2027 schedule makes its holiday off, its make-up day on, and not provisional."""
    base = WorkingCalendar()
    cal = base.with_schedule(
        schedule_2027((date(2027, 1, 1), "元旦"), workdays=(date(2027, 2, 14),))
    )
    assert base.describe(date(2027, 1, 1)).provisional  # the old calendar is unchanged
    assert not cal.is_working(date(2027, 1, 1))
    assert cal.describe(date(2027, 1, 1)) == DayInfo(
        date(2027, 1, 1), False, "holiday: 元旦", False
    )
    assert cal.is_working(date(2027, 2, 14))
    assert cal.has_schedule(2027)


def test_recorded_schedule_overrides_the_package() -> None:
    """A recorded schedule replaces the package's for the same year."""
    override = YearSchedule(
        year=2020, holidays={date(2020, 3, 3): "test day"}, workdays=frozenset()
    )
    cal = WorkingCalendar().with_schedule(override)
    assert not cal.is_working(date(2020, 3, 3))
    assert cal.is_working(date(2020, 1, 27))  # the package's Spring Festival is gone
    assert cal.schedule(2020) == override


def test_with_schedule_keeps_other_years_cached_and_correct() -> None:
    """A calendar built by with_schedule answers other years exactly like its parent."""
    base = WorkingCalendar()
    base.working_days_between(date(2020, 1, 1), date(2027, 12, 31))  # fill the cache
    cal = base.with_schedule(schedule_2027((date(2027, 3, 1), "test")))
    assert cal.working_days_between(date(2020, 1, 1), date(2026, 12, 31)) == (
        base.working_days_between(date(2020, 1, 1), date(2026, 12, 31))
    )
    assert cal.working_days_between(date(2026, 12, 31), date(2027, 12, 31)) == (
        weekdays(2027) - 1  # the recorded schedule replaces the statutory guess
    )


def test_calendar_without_package_guesses_every_year() -> None:
    """use_package=False leaves only the recorded years scheduled."""
    cal = WorkingCalendar(use_package=False)
    assert not cal.has_schedule(2020)
    assert cal.is_working(date(2020, 1, 27))


def test_year_schedule_round_trips_through_a_dict() -> None:
    """to_dict gives ISO strings that from_dict turns back into an equal schedule."""
    original = package_schedule(2020)
    assert original is not None
    data = original.to_dict()
    assert data["holidays"]["2020-01-24"] == "春节"
    assert "2020-04-26" in data["workdays"]
    assert data["source"] == "chinesecalendar"
    assert YearSchedule.from_dict(data) == original


def test_year_schedule_is_immutable_and_hashable() -> None:
    """The holiday mapping cannot be changed through the schedule, and the schedule hashes."""
    source = {date(2027, 1, 1): "元旦"}
    schedule = YearSchedule(year=2027, holidays=source, workdays=frozenset())
    source[date(2027, 1, 4)] = "changed later"
    assert list(schedule.holidays) == [date(2027, 1, 1)]
    with pytest.raises(TypeError):
        schedule.holidays[date(2027, 1, 5)] = "x"  # type: ignore[index]
    assert isinstance(hash(schedule), int)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"holidays": {date(2028, 1, 1): "x"}}, "not in 2027"),
        ({"workdays": frozenset({date(2027, 1, 4)})}, "must be a Saturday or Sunday"),
        (
            {"holidays": {date(2027, 2, 14): "x"}, "workdays": frozenset({date(2027, 2, 14)})},
            "both a holiday and a make-up working day",
        ),
        ({"source": "guess"}, "source: 'guess' is not allowed"),
    ],
)
def test_year_schedule_refuses_impossible_schedules(
    kwargs: dict[str, object], message: str
) -> None:
    """A schedule with a date outside its year, a weekday make-up day or a clash is refused."""
    fields: dict[str, object] = {"year": 2027, "holidays": {}, "workdays": frozenset()}
    fields.update(kwargs)
    with pytest.raises(InvalidInput, match=message):
        YearSchedule(**fields)  # type: ignore[arg-type]


def test_from_dict_refuses_malformed_payload() -> None:
    """A stored payload missing its fields is refused with a one-line InvalidInput."""
    with pytest.raises(InvalidInput, match="not a stored schedule"):
        YearSchedule.from_dict({"year": 2027, "holidays": {"2027-13-01": "x"}, "workdays": []})


# --- counting helpers --------------------------------------------------------------------


def test_nth_working_day_after_crosses_years() -> None:
    """The 20th working day after 2020-12-15 is 2021-01-13 (New Year's Day skipped)."""
    assert WorkingCalendar().nth_working_day_after(date(2020, 12, 15), 20) == date(2021, 1, 13)


def test_nth_working_day_after_spans_many_years() -> None:
    """Counting 1000 working days agrees with counting them one by one."""
    cal = WorkingCalendar()
    start = date(2018, 6, 1)
    days = list(cal.working_days(start, date(2023, 12, 31)))
    assert cal.nth_working_day_after(start, 1000) == days[999]
    assert cal.working_days_between(start, days[999]) == 1000


def test_nth_working_day_after_refuses_zero() -> None:
    """Asking for the 0th working day is refused."""
    with pytest.raises(InvalidInput, match="at least 1"):
        WorkingCalendar().nth_working_day_after(date(2020, 1, 1), 0)


def test_working_days_between_excludes_start_includes_end() -> None:
    """working_days_between counts (after, through], and 0 for an empty range."""
    cal = WorkingCalendar()
    assert cal.working_days_between(date(2020, 3, 2), date(2020, 3, 6)) == 4
    assert cal.working_days_between(date(2020, 3, 6), date(2020, 3, 2)) == 0


# --- schedule files ----------------------------------------------------------------------


def test_example_file_loads() -> None:
    """The documented example file loads, with its ranges expanded and names kept."""
    schedule = load_schedule_file(EXAMPLE, 2027)
    assert schedule.year == 2027
    assert schedule.source == "recorded"
    assert schedule.holidays[date(2027, 2, 10)] == "春节"
    assert date(2027, 2, 14) in schedule.workdays
    assert len([d for d, n in schedule.holidays.items() if n == "春节"]) == 8


def test_toml_and_csv_give_the_same_schedule(tmp_path: Path) -> None:
    """A TOML file and the equivalent CSV file load to equal schedules."""
    toml = tmp_path / "y.toml"
    toml.write_text(
        'year = 2027\n[[holidays]]\nstart = "2027-01-01"\nend = "2027-01-03"\nname = "元旦"\n'
        '[[workdays]]\ndate = "2027-01-09"\n',
        encoding="utf-8",
    )
    csv = tmp_path / "y.csv"
    csv.write_text(
        "\ufeffdate,kind,name\n# comment\n2027-01-01,holiday,元旦\n2027-01-02,holiday,元旦\n"
        "\n2027-01-03,holiday,元旦\n2027-01-09,workday,\n",
        encoding="utf-8",
    )
    assert load_schedule_file(toml, 2027) == load_schedule_file(csv, 2027)


def test_holiday_on_a_weekend_is_kept_and_changes_nothing(tmp_path: Path) -> None:
    """A holiday listed on a Saturday is accepted, named, and the day stays off as before."""
    path = tmp_path / "y.csv"
    path.write_text("date,kind,name\n2027-01-02,holiday,元旦\n", encoding="utf-8")
    cal = WorkingCalendar().with_schedule(load_schedule_file(path, 2027))
    assert cal.describe(date(2027, 1, 2)).reason == "holiday: 元旦"
    assert cal.working_days_between(date(2026, 12, 31), date(2027, 12, 31)) == weekdays(2027)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            'year = 2027\n[[holidays]]\ndate = "2028-01-01"\nname = "x"\n',
            r"holidays\[1\]: 2028-01-01 is not in 2027",
        ),
        ("year = 2026\n", "year = 2026 but the schedule is for 2027"),
        (
            'year = 2027\n[[holidays]]\ndate = "2027-02-30"\nname = "x"\n',
            r"holidays\[1\]: date '2027-02-30' is not a date",
        ),
        ('year = 2027\n[[holidays]]\ndate = "2027-01-01"\n', "has no name"),
        (
            'year = 2027\n[[holidays]]\ndate = "2027-01-01"\nname = "a"\n'
            '[[workdays]]\ndate = "2027-01-04"\n',
            r"workdays\[1\]: make-up working day 2027-01-04 is a Monday",
        ),
        (
            'year = 2027\n[[holidays]]\ndate = "2027-01-02"\nname = "a"\n'
            '[[workdays]]\ndate = "2027-01-02"\n',
            "both a holiday and a make-up working day",
        ),
        (
            'year = 2027\n[[holidays]]\nstart = "2027-01-01"\nend = "2027-01-03"\nname = "a"\n'
            '[[holidays]]\ndate = "2027-01-03"\nname = "b"\n',
            r"holidays\[2\]: 2027-01-03 is listed twice",
        ),
        (
            'year = 2027\n[[holidays]]\nstart = "2027-01-05"\nend = "2027-01-03"\nname = "a"\n',
            "end 2027-01-03 is before start 2027-01-05",
        ),
        ('year = 2027\n[[holiday]]\ndate = "2027-01-01"\n', "key 'holiday' is not allowed"),
        ('year = 2027\n[[holidays]]\nday = "2027-01-01"\n', "key 'day' is not allowed"),
        ("year = 2027\n", "lists no holiday"),
        ("year = [\n", "is not valid TOML"),
    ],
)
def test_bad_toml_is_refused_naming_the_entry(tmp_path: Path, body: str, message: str) -> None:
    """Each broken rule in a TOML file is refused in one line naming the file and the entry."""
    path = tmp_path / "bad.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(InvalidInput, match=message) as caught:
        load_schedule_file(path, 2027)
    assert str(path) in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("day,kind,name\n2027-01-01,holiday,x\n", "line 1: the header must be date,kind,name"),
        ("date,kind,name\n2027-01-01,vacation,x\n", "line 2: kind 'vacation' is not allowed"),
        ("date,kind,name\n2027-01-01\n", "line 2: has 1 fields"),
        ("date,kind,name\n2027-01-01,holiday,x\n2027-01-04,workday,\n", "line 3: make-up"),
        ("date,kind,name\n20270101,holiday,x\n", "line 2: date '20270101' is not a date"),
    ],
)
def test_bad_csv_is_refused_naming_the_line(tmp_path: Path, body: str, message: str) -> None:
    """Each broken rule in a CSV file is refused in one line naming the file and the line."""
    path = tmp_path / "bad.csv"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(InvalidInput, match=message):
        load_schedule_file(path, 2027)


def test_unknown_suffix_and_missing_file_are_refused(tmp_path: Path) -> None:
    """Only .toml and .csv are read, and a missing file is refused, not a traceback."""
    with pytest.raises(InvalidInput, match=r"use \.toml or \.csv"):
        load_schedule_file(tmp_path / "y.json", 2027)
    with pytest.raises(InvalidInput, match="cannot be read"):
        load_schedule_file(tmp_path / "missing.toml", 2027)
