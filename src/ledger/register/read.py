"""Reading a register: an .xlsx workbook (openpyxl, streaming read-only) or a .csv file.

Rows come one at a time, so a large register is never held whole. The header is the
first row (among the first ten) that names at least two register columns; merged title
rows above it (台账名称, 单位) are skipped. Unknown columns and missing required ones are
refused by name, all of them in one message, before any row is read.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ledger.errors import InvalidInput
from ledger.i18n import _
from ledger.register.layout import REQUIRED, Column, column_named

SUFFIXES = (".xlsx", ".csv")
HEADER_SEARCH = 10
"""How many rows from the top may be titles before the header."""


@dataclass(frozen=True)
class RawRow:
    """One data row: its row number in the file and its cells by column."""

    number: int
    cells: dict[str, Any]
    raw: tuple[Any, ...]


@dataclass(frozen=True)
class Sheet:
    """A register being read: its header, the row count (if known) and the data rows."""

    headers: tuple[str, ...]
    columns: tuple[Column | None, ...]
    header_row: int
    total: int | None
    rows: Iterator[RawRow]


def is_register(path: Path) -> bool:
    """Whether ``ledger import`` reads this file as a register (by its suffix)."""
    return path.suffix.lower() in SUFFIXES


def open_register(path: Path) -> Sheet:
    """Open a register file and read its header; refuses an unreadable or unknown layout."""
    try:
        if path.suffix.lower() == ".csv":
            return _sheet(_csv_rows(path), None, path)
        return _xlsx(path)
    except OSError as exc:
        refusal = _("FILE: cannot read {file}: {why}")
        raise InvalidInput(refusal.format(file=path, why=exc.strerror or exc)) from None


def _xlsx(path: Path) -> Sheet:
    """The first worksheet of a workbook, streamed (read-only, values not formulas)."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, KeyError, ValueError, OSError) as exc:
        refusal = _("FILE: {file} is not an .xlsx workbook ({why})")
        raise InvalidInput(refusal.format(file=path, why=exc)) from None
    sheet = book.worksheets[0]
    total = sheet.max_row if isinstance(sheet.max_row, int) else None
    return _sheet(_closing(book, sheet.iter_rows(values_only=True)), total, path)


def _closing(book: Any, rows: Iterator[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
    """The rows, the workbook's file closed when they are done with (or abandoned)."""
    try:
        yield from rows
    finally:
        book.close()


def _csv_rows(path: Path) -> Iterator[tuple[Any, ...]]:
    """The rows of a CSV file: UTF-8 (with or without BOM), else GB18030 as Excel saves it."""
    raw = path.read_bytes()[:65536]
    encoding = "utf-8-sig"
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(raw) - 4:
            encoding = "gb18030"
    with path.open(encoding=encoding, newline="") as handle:
        for row in csv.reader(handle):
            yield tuple(row)


def _sheet(rows: Iterator[tuple[Any, ...]], total: int | None, path: Path) -> Sheet:
    """Find the header among the first rows, check it, and stream the rows after it."""
    number = 0
    for number, row in enumerate(rows, start=1):
        named = [column_named(cell) for cell in row]
        if sum(1 for c in named if c is not None) >= 2:
            headers = tuple("" if c is None else str(c).strip() for c in row)
            columns = _check_header(headers, tuple(named))
            data = total - number if total is not None else None
            return Sheet(headers, columns, number, data, _data_rows(rows, columns, number))
        if number >= HEADER_SEARCH:
            break
    raise InvalidInput(
        _(
            "{file}: no header row in the first {rows} rows; the header names the columns, "
            "e.g. 受理编号, 收到日期, 收到方式, 申请人类型 (see `ledger import --template`)"
        ).format(file=path, rows=HEADER_SEARCH)
    )


def _check_header(
    headers: tuple[str, ...], named: tuple[Column | None, ...]
) -> tuple[Column | None, ...]:
    """Refuse unknown, repeated and missing columns, every one named in one message."""
    problems: list[str] = []
    seen: dict[str, str] = {}
    for index, (header, column) in enumerate(zip(headers, named, strict=True)):
        place = letter(index)
        if column is None and header:
            unknown = _(
                "column {place} {header!r}: not a register column; see docs/register.md or "
                "`ledger import --template` for the columns"
            )
            problems.append(unknown.format(place=place, header=header))
        elif column is not None and column.key in seen:
            twice = _("column {place} {header!r}: {column} appears twice (also {other}); keep one")
            problems.append(
                twice.format(
                    place=place, header=header, column=column.header, other=seen[column.key]
                )
            )
        elif column is not None:
            seen[column.key] = place
    needed = ", ".join(r.header for r in REQUIRED)
    missing = _("column {column}: missing; a register needs {needed}")
    problems += [
        missing.format(column=c.header, needed=needed) for c in REQUIRED if c.key not in seen
    ]
    if problems:
        raise InvalidInput("\n".join(problems))
    return named


def letter(index: int) -> str:
    """The spreadsheet letter of a column (0 → A)."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def _data_rows(
    rows: Iterator[tuple[Any, ...]], columns: tuple[Column | None, ...], header_row: int
) -> Iterator[RawRow]:
    """The rows after the header, blank rows skipped."""
    for number, row in enumerate(rows, start=header_row + 1):
        if all(_blank(v) for v in row):
            continue
        cells = {c.key: v for c, v in zip(columns, row, strict=False) if c is not None}
        yield RawRow(number, cells, tuple(row))


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def text_of(value: Any) -> str:
    """A cell as the text a person would read in it."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def csv_text(rows: list[list[str]]) -> str:
    """Rows as CSV text (the export and the --skip-bad file when it is a .csv)."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()
