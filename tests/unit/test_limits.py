"""The values a person may type: dates a human can mean, clean text, counts."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.config import parse_config
from ledger.errors import InvalidInput
from ledger.limits import (
    EARLIEST,
    check_ahead_date,
    check_argv,
    check_fact_date,
    check_today,
    check_year,
    clean_text,
    is_backdated,
    latest_ahead,
    parse_count,
)

TODAY = date(2025, 3, 3)


@pytest.mark.parametrize("typed", [date(2015, 3, 3), date(2025, 3, 3), EARLIEST])
def test_a_fact_from_2008_to_today_is_accepted(typed: date) -> None:
    """A fact dated from 2008-05-01 (the 2007 Regulation) up to today is a date a person means."""
    assert check_fact_date(typed, "--date", TODAY) == typed


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        (date(1, 1, 1), "--date: 0001-01-01 is before 2008-05-01"),
        (date(1999, 3, 3), "--date: 1999-03-03 is before 2008-05-01"),
        (date(9999, 12, 31), "--date: 9999-12-31 is after today (2025-03-03)"),
    ],
)
def test_a_fact_outside_the_regulation_is_refused_naming_the_field(typed: date, says: str) -> None:
    """Dates before the 2007 Regulation took effect or after today are refused in one line."""
    with pytest.raises(InvalidInput) as caught:
        check_fact_date(typed, "--date", TODAY)
    assert caught.value.message.startswith(says)
    assert "\n" not in caught.value.message


def test_a_date_set_ahead_may_reach_three_years_and_no_further() -> None:
    """A deferral up to three years ahead is accepted; 9999-12-31 is refused with the horizon."""
    assert check_ahead_date(date(2028, 3, 3), "--until", TODAY) == date(2028, 3, 3)
    with pytest.raises(
        InvalidInput,
        match=r"--until: 9999-12-31 is more than 3 years ahead; use a date up to 2028-03-03",
    ):
        check_ahead_date(date(9999, 12, 31), "--until", TODAY)


def test_the_horizon_of_29_february_is_28_february() -> None:
    """Three years after a 29 February is the 28th (no 29th in that year)."""
    assert latest_ahead(date(2024, 2, 29)) == date(2027, 2, 28)


@pytest.mark.parametrize("pinned", [date(9999, 12, 31), date(1900, 1, 1)])
def test_a_pinned_today_far_off_is_refused(pinned: date) -> None:
    """LEDGER_TODAY must be a day the calendar can count from."""
    with pytest.raises(InvalidInput, match="LEDGER_TODAY"):
        check_today(pinned)


def test_backdated_means_more_than_thirty_days_before_today() -> None:
    """A fact 31 days old is backdated; 30 days old is not."""
    assert is_backdated(date(2025, 1, 31), TODAY)
    assert not is_backdated(date(2025, 2, 1), TODAY)


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("a\x00b", "U+0000"),
        ("\x1b[31mred", "U+001B"),
        ("two\nlines", "U+000A"),
        ("bad \udcff byte", "not UTF-8"),
        ("x" * 501, "is 501 characters long; at most 500"),
    ],
)
def test_text_that_is_not_one_printable_line_is_refused(typed: str, says: str) -> None:
    """NUL bytes, escape sequences, line breaks, undecodable bytes and very long text are refused."""
    with pytest.raises(InvalidInput) as caught:
        clean_text(typed, "--subject")
    assert caught.value.message.startswith("--subject: ")
    assert says in caught.value.message


def test_required_text_must_not_be_blank() -> None:
    """An empty actor or approver is refused; surrounding spaces are trimmed."""
    assert clean_text("  王主任 ", "--approver", 100, required=True) == "王主任"
    with pytest.raises(InvalidInput, match="--actor: is empty"):
        clean_text("   ", "--actor", 100, required=True)


@given(st.text(alphabet=st.characters(categories=["L", "N", "P", "Zs"]), max_size=80))
def test_printable_text_passes_trimmed(text: str) -> None:
    """Letters, digits, punctuation and spaces are kept as typed, trimmed at both ends."""
    assert clean_text(text, "--subject") == text.strip()


@pytest.mark.parametrize("typed", ["٣", "３", "-1", "1.5", "", "1e3"])
def test_counts_are_ascii_digits(typed: str) -> None:
    """Arabic-Indic and full-width digits, signs and decimals are not counts."""
    with pytest.raises(InvalidInput, match=r"--days: .* is not a whole number; use digits 0–9"):
        parse_count(typed, "--days", 1, 20)


def test_counts_are_within_their_range() -> None:
    """A count outside its range is refused naming the range."""
    assert parse_count("20", "--days", 1, 20) == 20
    with pytest.raises(InvalidInput, match="--days: 21 is not allowed; use a number from 1 to 20"):
        parse_count("21", "--days", 1, 20)


def test_a_command_line_with_bytes_that_are_not_utf8_is_refused_naming_the_option() -> None:
    """Raw bytes decoded as surrogates are refused, naming the option they follow."""
    with pytest.raises(InvalidInput, match=r"^--subject: contains bytes that are not UTF-8"):
        check_argv(["record", "receive", "--subject", "\udcff"])
    with pytest.raises(InvalidInput, match=r"^argument 2: contains bytes that are not UTF-8"):
        check_argv(["show", "\udcff"])
    check_argv(["show", "默认-2021-0001", "--subject=ok"])


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"agency": "a\x00b"}, "config: agency: contains the control character U+0000"),
        ({"agency": "\x1b[2J"}, "config: agency: contains the control character U+001B"),
        ({"agencies": {"x": {"name": "局" * 501}}}, "config: agencies.x.name: is 501 characters"),
        ({"backdate_days": -1}, "config: backdate_days: -1 is not allowed; use days from 0"),
    ],
)
def test_the_configuration_file_is_held_to_the_same_text_limits(
    raw: dict[str, object], message: str
) -> None:
    """A configuration value with control characters or overlong text is refused by key."""
    with pytest.raises(InvalidInput) as refused:
        parse_config(raw)
    assert refused.value.message.startswith(message)


def test_a_year_runs_from_2008_to_three_years_ahead() -> None:
    """A year before the 2007 Regulation took effect, or far ahead, is refused."""
    assert check_year(2028, "YEAR", TODAY) == 2028
    with pytest.raises(
        InvalidInput, match="YEAR: 2007 is not allowed; use a year from 2008 to 2028"
    ):
        check_year(2007, "YEAR", TODAY)
