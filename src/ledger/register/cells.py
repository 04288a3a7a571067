"""A register cell read as what its column holds: a date, a code, a number of days, yuan.

Dates come as Excel dates, as Excel serial numbers, and as text written the ways offices
write them (2020-03-02, 2020/3/2, 2020.3.2, 2020年3月2日, 20200302). A refusal is a
``CellError`` naming the column, the value and what is allowed.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from ledger.errors import InvalidInput
from ledger.i18n import N_, _
from ledger.register.layout import Column
from ledger.register.read import text_of

EXCEL_ERRORS = frozenset(
    {"#VALUE!", "#REF!", "#N/A", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!"}
)
EXCEL_EPOCH = date(1899, 12, 30)
DATE_TEXT = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
PERIOD_SEPARATORS = re.compile(r"\s*(?:至|到|~|～|—|–|\s-\s)\s*")
DATES_ALLOWED = N_("use a date such as 2020-03-02, 2020/3/2, 2020年3月2日 or an Excel date")


class CellError(InvalidInput):
    """One bad cell: its column, its value, what is wrong and what is allowed."""

    def __init__(self, column: Column, value: Any, message: str) -> None:
        self.column = column
        self.value = value
        self.reason = message
        refusal = _("{column}: {value!r}: {reason}")
        super().__init__(refusal.format(column=column.header, value=text_of(value), reason=message))


def blank(value: Any) -> bool:
    """An empty cell (None, or only spaces)."""
    return value is None or (isinstance(value, str) and not value.strip())


def check_readable(column: Column, value: Any) -> None:
    """Refuse a cell Excel could not compute (#VALUE!, #REF! …)."""
    if isinstance(value, str) and value.strip() in EXCEL_ERRORS:
        raise CellError(column, value, _("the cell cannot be read (an Excel error); retype it"))


def as_date(column: Column, value: Any) -> date | None:
    """A date cell (None when empty)."""
    if blank(value):
        return None
    check_readable(column, value)
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _number_date(column, value)
    return _text_date(column, str(value).strip())


def _number_date(column: Column, value: float) -> date:
    """An Excel serial number (days since 1899-12-30), or 20200302 written as a number."""
    if float(value).is_integer() and COMPACT.fullmatch(str(int(value))):
        return _text_date(column, str(int(value)))
    if 1 <= value < 2958466:
        return EXCEL_EPOCH + timedelta(days=int(value))
    raise CellError(column, value, _("is not a date; {allowed}").format(allowed=_(DATES_ALLOWED)))


def _text_date(column: Column, text: str) -> date:
    found = DATE_TEXT.fullmatch(text) or COMPACT.fullmatch(text)
    if found is None:
        raise CellError(
            column, text, _("is not a date; {allowed}").format(allowed=_(DATES_ALLOWED))
        )
    year, month, day = (int(g) for g in found.groups())
    try:
        return date(year, month, day)
    except ValueError:
        raise CellError(
            column,
            text,
            _("is not a day of the calendar; {allowed}").format(allowed=_(DATES_ALLOWED)),
        ) from None


def as_period(column: Column, value: Any) -> tuple[date | None, date | None]:
    """A period cell "start至end" (either end may be missing)."""
    if blank(value):
        return None, None
    check_readable(column, value)
    if isinstance(value, date | datetime | int | float):
        return as_date(column, value), None
    parts = PERIOD_SEPARATORS.split(str(value).strip(), maxsplit=1)
    start = as_date(column, parts[0]) if parts[0] else None
    end = as_date(column, parts[1]) if len(parts) > 1 and parts[1] else None
    if start is None:
        raise CellError(
            column, value, _("has no start date; write start至end, e.g. 2020-03-02至2020-03-10")
        )
    return start, end


def as_text(column: Column, value: Any) -> str:
    """A text cell, stripped ("" when empty)."""
    if blank(value):
        return ""
    check_readable(column, value)
    return text_of(value)


def as_code(column: Column, value: Any) -> str | None:
    """A coded cell: the code for a code or any of its Chinese names (None when empty)."""
    text = as_text(column, value)
    if not text or column.codes is None:
        return None
    try:
        return column.codes.parse(text, column.header)
    except InvalidInput as exc:
        reason = _without_field(exc.message, column.header, text)
        raise CellError(column, value, reason) from None


def _without_field(message: str, header: str, text: str) -> str:
    """A code table's refusal without its "FIELD: 'value' " start (the row line names them),
    in either language's punctuation."""
    for colon in (": ", "："):
        start = f"{header}{colon}{text!r}"
        if message.startswith(start):
            return message.removeprefix(start).lstrip()
    return message


def as_days(column: Column, value: Any) -> int | None:
    """A whole number of working days (None when empty)."""
    text = as_text(column, value)
    if not text:
        return None
    if not text.isdigit() or int(text) < 1:
        raise CellError(
            column, value, _("is not a number of working days; use a whole number, 1–20")
        )
    return int(text)


def as_amount(column: Column, value: Any) -> str | None:
    """An amount in yuan, e.g. 100 or 100.00 (None when empty)."""
    text = as_text(column, value).removeprefix("¥").removeprefix("￥").removesuffix("元")
    if not text:
        return None
    try:
        amount = Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise CellError(column, value, _("is not an amount; use yuan, e.g. 100.00")) from None
    if amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        raise CellError(column, value, _("must be positive, in yuan and fen, e.g. 100.00"))
    return str(amount.quantize(Decimal("0.01")))
