"""What a value typed by a person may be: dates a human can mean, clean text, counts.

Every door into the log (the desk, an import, the configuration, the environment) checks
its values here, so the same value is refused the same way everywhere and SQLite and
PostgreSQL never see what only one of them would store (PostgreSQL refuses NUL bytes).

- Dates: nothing happened under the Regulation before 2008-05-01, when the 2007
  Regulation took effect; a fact is not dated after today; a date set ahead (a reply-by
  date, an Art. 35 deferral) is not more than a few years ahead.
- Text: one line, printable, no NUL or escape sequences (printed raw, they would drive
  the terminal of whoever reads ``ledger show``), valid Unicode, and not longer than its
  stated limit.
- Counts: ASCII digits within a range (``int()`` would take ``٣`` as 3).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta

from ledger.errors import InvalidInput
from ledger.i18n import _

EARLIEST = date(2008, 5, 1)
"""The 2007 Regulation took effect: no request under either Regulation is older."""

LATEST_TODAY = date(2099, 12, 31)
"""The last day ledger's calendar arithmetic accepts as "today"."""

YEARS_AHEAD = 3
"""How far ahead a reply-by date or an Art. 35 deferral may be set."""

BACKDATE_DAYS = 30
"""A desk fact dated more than this many days before today must say why (``--backdated``)."""

NAME_MAX = 100
"""Names of people, parties, approvers and actors."""

TEXT_MAX = 500
"""Subjects, reasons and other free text."""

CODE_MAX = 64
"""Codes and ids typed by a person (agency codes, request ids)."""

_COUNT = re.compile(r"[0-9]+")


def check_fact_date(value: date, field: str, today: date) -> date:
    """A day something happened: from 2008-05-01 up to today."""
    if value < EARLIEST:
        raise InvalidInput(
            _(
                "{field}: {value} is before {earliest}, when the 2007 Regulation took effect; "
                "check the year"
            ).format(field=field, value=value, earliest=EARLIEST)
        )
    if value > today:
        raise InvalidInput(
            _("{field}: {value} is after today ({today}); record it on the day").format(
                field=field, value=value, today=today
            )
        )
    return value


def check_ahead_date(value: date, field: str, today: date) -> date:
    """A day set ahead (reply-by, deferral): after 2008-05-01, at most a few years ahead."""
    if value < EARLIEST:
        raise InvalidInput(
            _("{field}: {value} is before {earliest}; check the year").format(
                field=field, value=value, earliest=EARLIEST
            )
        )
    horizon = latest_ahead(today)
    if value > horizon:
        raise InvalidInput(
            _(
                "{field}: {value} is more than {years} years ahead; use a date up to {horizon}"
            ).format(field=field, value=value, years=YEARS_AHEAD, horizon=horizon)
        )
    return value


def latest_ahead(today: date) -> date:
    """The last date that may be set ahead from ``today``."""
    try:
        return today.replace(year=today.year + YEARS_AHEAD)
    except ValueError:  # 29 February
        return today.replace(year=today.year + YEARS_AHEAD, day=28)


def check_today(value: date, field: str = "LEDGER_TODAY") -> date:
    """A pinned "today" the calendar can count from."""
    if not EARLIEST <= value <= LATEST_TODAY:
        raise InvalidInput(
            _("{field}: {value} is not allowed; use a date from {earliest} to {latest}").format(
                field=field, value=value, earliest=EARLIEST, latest=LATEST_TODAY
            )
        )
    return value


def check_year(value: int, field: str, today: date) -> int:
    """A year a report, a schedule or a closure can be about: 2008 to a few years ahead."""
    last = today.year + YEARS_AHEAD
    if not EARLIEST.year <= value <= last:
        raise InvalidInput(
            _("{field}: {value} is not allowed; use a year from {year} to {last}").format(
                field=field, value=value, year=EARLIEST.year, last=last
            )
        )
    return value


def is_backdated(effective: date, today: date, days: int = BACKDATE_DAYS) -> bool:
    """Whether a fact dated ``effective`` is recorded well after it happened."""
    return effective < today - timedelta(days=days)


def clean_text(value: str, field: str, limit: int = TEXT_MAX, *, required: bool = False) -> str:
    """One line of printable text, trimmed, at most ``limit`` characters."""
    text = value.strip()
    if required and not text:
        raise InvalidInput(
            _("{field}: is empty; it must name something ({limit} characters at most)").format(
                field=field, limit=limit
            )
        )
    bad = _first_unprintable(text)
    if bad is not None:
        raise InvalidInput(
            _(
                "{field}: contains {bad}; use printable text on one line ({limit} characters at "
                "most)"
            ).format(field=field, bad=bad, limit=limit)
        )
    if len(text) > limit:
        raise InvalidInput(
            _("{field}: is {len} characters long; at most {limit} allowed").format(
                field=field, len=len(text), limit=limit
            )
        )
    return text


def _first_unprintable(text: str) -> str | None:
    """A description of the first character that is not printable text, if any."""
    for char in text:
        if "\ud800" <= char <= "\udfff":
            return "bytes that are not UTF-8"
        category = unicodedata.category(char)
        if category in ("Cc", "Cs", "Co", "Cn") or char in "\u2028\u2029":
            return f"the control character U+{ord(char):04X}"
    return None


def parse_count(value: str | int, field: str, low: int, high: int) -> int:
    """A whole number in ASCII digits within [low, high]."""
    text = str(value).strip()
    if not _COUNT.fullmatch(text):
        raise InvalidInput(
            _(
                "{field}: {value!r} is not a whole number; use digits 0–9 from {low} to {high}"
            ).format(field=field, value=value, low=low, high=high)
        )
    number = int(text)
    if not low <= number <= high:
        raise InvalidInput(
            _("{field}: {number} is not allowed; use a number from {low} to {high}").format(
                field=field, number=number, low=low, high=high
            )
        )
    return number


def check_argv(args: list[str]) -> None:
    """Refuse a command line holding bytes that are not UTF-8, naming the option they follow.

    Python decodes such bytes into lone surrogates (``surrogateescape``); passed on, they
    fail deep inside (a database driver cannot encode them) instead of in one line.
    """
    for i, arg in enumerate(args):
        if any("\ud800" <= char <= "\udfff" for char in arg):
            before = args[i - 1] if i else ""
            field = before if before.startswith("-") and "=" not in before else f"argument {i + 1}"
            raise InvalidInput(
                _("{field}: contains bytes that are not UTF-8; type the value in UTF-8").format(
                    field=field
                )
            )
