"""Register cells: dates in the forms offices write them, codes by Chinese name, refusals."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.register.cells import CellError, as_amount, as_code, as_date, as_period
from ledger.register.layout import BY_KEY, COLUMNS, column_named
from ledger.register.read import letter

RECEIVED = BY_KEY["received"]


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2099, 12, 31)))
def test_every_written_form_of_a_date_reads_as_that_date(day: date) -> None:
    """A date written as ISO, with slashes, with 年月日, compact, as an Excel date or serial reads as itself."""
    forms = [
        day.isoformat(), f"{day.year}/{day.month}/{day.day}", f"{day.year}年{day.month}月{day.day}日",
        f"{day.year}.{day.month}.{day.day}", day.strftime("%Y%m%d"), int(day.strftime("%Y%m%d")),
        datetime(day.year, day.month, day.day), day, (day - date(1899, 12, 30)).days,
    ]  # fmt: skip
    assert {as_date(RECEIVED, f) for f in forms} == {day}


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("2020-02-30", "is not a day of the calendar"),
        ("三月二日", "is not a date"),
        ("#VALUE!", "cannot be read"),
        (-5, "is not a date"),
    ],
)
def test_a_bad_date_is_refused_naming_the_column_and_what_is_allowed(value: object, reason: str) -> None:
    """A bad date cell is refused with the column, the value, what is wrong and the forms allowed."""
    with pytest.raises(CellError) as refused:
        as_date(RECEIVED, value)
    assert refused.value.column is RECEIVED
    assert reason in refused.value.reason
    assert refused.value.message.startswith("收到日期: ")


def test_codes_read_by_chinese_name_and_unknown_ones_list_the_allowed() -> None:
    """Coded cells take the Chinese names; an unknown name lists what is allowed."""
    assert as_code(BY_KEY["outcome"], "予以公开") == "disclosed"
    assert as_code(BY_KEY["channel"], "互联网") == "online"
    with pytest.raises(CellError, match="is not a channel; use one of in-person"):
        as_code(BY_KEY["channel"], "飞鸽")


def test_every_outcome_label_reads_back_as_its_code() -> None:
    """The export writes each code's Chinese name, and the import reads every one back."""
    for column in COLUMNS:
        if column.codes is not None:
            for code, label in column.codes.labels().items():
                assert as_code(column, label) == code


def test_periods_amounts_headers_and_letters() -> None:
    """A consultation period splits at 至, amounts keep fen, headers match in either language."""
    period = BY_KEY["consult_period"]
    assert as_period(period, "2020-03-02至2020/3/10") == (date(2020, 3, 2), date(2020, 3, 10))
    assert as_period(period, "2020-03-02") == (date(2020, 3, 2), None)
    assert as_amount(BY_KEY["fee_amount"], "¥100") == "100.00"
    with pytest.raises(CellError, match="in yuan and fen"):
        as_amount(BY_KEY["fee_amount"], "1.005")
    assert column_named(" 收到 日期 ") is RECEIVED
    assert column_named("Received") is RECEIVED
    assert column_named("颜色") is None
    assert [letter(i) for i in (0, 25, 26, 27)] == ["A", "Z", "AA", "AB"]
