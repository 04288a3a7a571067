"""The Shanghai date of a recorded moment: the addition of eight hours after 1991 gives
what the time zone gives, at every moment (``ledger.dates.shanghai_date``)."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from ledger.dates import SHANGHAI, shanghai_date


def _by_zone(moment: datetime) -> object:
    return moment.replace(tzinfo=UTC).astimezone(SHANGHAI).date()


@given(st.datetimes(min_value=datetime(1985, 1, 1), max_value=datetime(2200, 12, 31)))
def test_the_shanghai_date_is_the_zone_s(moment: datetime) -> None:
    assert shanghai_date(moment) == _by_zone(moment)


def test_the_day_turns_at_sixteen_utc() -> None:
    """23:35 UTC on the 29th is 07:35 on the 30th in Shanghai; 15:59 is still the 29th."""
    assert shanghai_date(datetime(2026, 11, 29, 23, 35)).day == 30
    assert shanghai_date(datetime(2026, 11, 29, 15, 59, 59, 999999)).day == 29
    assert shanghai_date(datetime(2026, 11, 29, 16, 0)).day == 30
    assert shanghai_date(datetime(1991, 7, 1, 15, 30)) == _by_zone(datetime(1991, 7, 1, 15, 30))
