"""The statutory holidays (《全国年节及纪念日放假办法》, 2024 revision) as a provisional guess."""

from __future__ import annotations

from datetime import date

import chinese_calendar
import pytest

from ledger.statutory import STATUTORY_FROM, statutory_holidays


@pytest.mark.parametrize("year", [2025, 2026])
def test_every_guessed_day_is_off_in_the_official_schedule(year: int) -> None:
    """Art. 33 (working days): for 2025 and 2026 every day the law gives off, 补假 included, is a holiday in the State Council's notice."""
    guessed = statutory_holidays(year)
    assert guessed
    assert [d for d in guessed if not chinese_calendar.is_holiday(d)] == []


def test_the_2027_days_by_law() -> None:
    """The 2027 guess: 元旦 1, 春节 4 from 除夕 (02-05), 清明 04-05, 劳动节 2, 端午 06-09, 中秋 09-15, 国庆 3, with 补假 for weekend days."""
    guessed = statutory_holidays(2027)
    named = {name: sorted(d.isoformat() for d, n in guessed.items() if n == name) for name in set(guessed.values())}
    assert named == {
        "元旦": ["2027-01-01"],
        "春节": ["2027-02-05", "2027-02-06", "2027-02-07", "2027-02-08"],
        "春节补假": ["2027-02-09", "2027-02-10"],
        "清明节": ["2027-04-05"],
        "劳动节": ["2027-05-01", "2027-05-02"],
        "劳动节补假": ["2027-05-03", "2027-05-04"],
        "端午节": ["2027-06-09"],
        "中秋节": ["2027-09-15"],
        "国庆节": ["2027-10-01", "2027-10-02", "2027-10-03"],
        "国庆节补假": ["2027-10-04", "2027-10-05"],
    }


def test_no_guess_before_the_2024_revision() -> None:
    """Years before 2025 (the 2024 revision's first) are not guessed: the package holds them."""
    assert statutory_holidays(STATUTORY_FROM - 1) == {}
    assert date(2025, 1, 1) in statutory_holidays(STATUTORY_FROM)
