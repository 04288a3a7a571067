"""Importing a register: check every row on a scratch layer over the log, then write.

The whole file is first run through the desk commands on a ``ScratchStore`` (reads go to
the database, appends stay in memory and are dropped after each row), so every bad row
is found in one run, memory stays bounded, and nothing is written when any row is bad
(unless the bad rows are set aside with ``skip_bad``). Then the
good rows run again against the database, each step under its command id: a step
already stored returns its first result, so re-running a file, a longer file, or a
file whose import was interrupted adds only what is new.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ledger.errors import InvalidInput, LedgerError
from ledger.events.batches import Batches
from ledger.events.scratch import ScratchStore
from ledger.events.store import Store, StoredEvent
from ledger.i18n import _
from ledger.projections.calendar import load_calendar
from ledger.register.cells import CellError
from ledger.register.layout import BY_KEY, REASON_HEADER
from ledger.register.read import RawRow, open_register, text_of
from ledger.register.rows import Row, parse_row

if TYPE_CHECKING:
    from ledger.bootstrap import App
    from ledger.calendar import WorkingCalendar
    from ledger.commands._context import Desk
    from ledger.commands.requests import Recorded

Progress = Callable[[str, int, int | None], None]
"""Told (phase, rows done, rows in all if known) as the import goes."""


@dataclass(frozen=True)
class Problem:
    """One bad cell or step of a row: where, what was there, what is wrong and allowed."""

    row: int
    column: str
    value: str
    reason: str

    def line(self) -> str:
        """The problem as one line: row, column, the value found, what is wrong and allowed."""
        line = _("row {row}, {column}: {value!r}: {reason}")
        return line.format(row=self.row, column=self.column, value=self.value, reason=self.reason)


@dataclass
class Tally:
    """What a pass added: requests, events, the years they touch, the carry-overs."""

    rows: int = 0
    requests: int = 0
    events: int = 0
    years: Counter[int] = field(default_factory=Counter)
    spans: Counter[tuple[int, int | None]] = field(default_factory=Counter)
    """Requests touched, by (year received, year closed or None): enough for carry-overs."""

    def carried(self) -> dict[int, int]:
        """Per year touched: how many of the imported requests are open at its end."""
        return {
            year: sum(
                n for (received, closed), n in self.spans.items()
                if received <= year and (closed is None or closed > year)
            )
            for year in sorted(self.years)
        }  # fmt: skip


@dataclass
class RegisterImport:
    """The outcome of an import: rows read, bad rows, what was (or would be) added."""

    rows: int
    problems: list[Problem]
    bad_rows: int
    planned: Tally
    written: Tally | None = None
    skipped_to: Path | None = None

    def refusal(self) -> str:
        """The message refusing a file with bad rows: every problem, one line each."""
        lines = [p.line() for p in self.problems]
        refusal = _(
            "nothing was imported: {bad} of {rows} rows are bad; fix them, or give --skip-bad "
            "FILE to import the others and set the bad ones aside"
        )
        lines.append(refusal.format(bad=self.bad_rows, rows=self.rows))
        return "\n".join(lines)


@dataclass
class _Pass:
    """One run of the rows through desks on one store."""

    app: App
    store: Store
    agency: str | None
    calendar: WorkingCalendar
    tally: Tally = field(default_factory=Tally)
    head: int = 0
    """The log's last position when the pass began: events after it are this pass's."""
    base: Desk | None = None
    """The pass's desk (its agency resolved once), copied for each step."""

    def __post_init__(self) -> None:
        self.head = self.store.last_position()
        self.base = replace(self.app.desk(self.agency), store=self.store)

    def desk(self, on: date, command_id: str) -> Desk:
        assert self.base is not None
        desk = replace(self.base, today=on, command_id=command_id)
        desk.use_calendar(self.calendar)
        return desk

    def run(self, row: Row) -> Problem | None:
        """Run a row's steps; the first refused one is the row's problem."""
        today = self.app.today()
        added: list[StoredEvent] = []
        last: Recorded | None = None
        for step in row.steps:
            where = step.column.header
            if step.on > today:
                after = _("{day} is after today ({today})").format(day=step.on, today=today)
                return Problem(row.number, where, text_of(step.value), after)
            try:
                last = step.run(self.desk(step.on, step.command_id(row.request_id)))
            except LedgerError as exc:
                return Problem(row.number, where, text_of(step.value), exc.message)
            if last.events and last.events[0].position > self.head:
                added += last.events  # stored now; a replayed step's events are older
        self._count(added, last)
        return None

    def _count(self, added: list[StoredEvent], last: Recorded | None) -> None:
        self.tally.rows += 1
        if not added:
            return
        self.tally.events += len(added)
        self.tally.requests += any(e.type == "request.received" for e in added)
        self.tally.years.update(e.effective_date.year for e in added)
        if last is not None:
            state = last.state
            closed = state.decided_on.year if state.decided_on else None
            self.tally.spans[(state.received_on.year, closed)] += 1


def import_register(
    app: App,
    path: Path,
    *,
    agency: str | None = None,
    dry_run: bool = False,
    skip_bad: Path | None = None,
    progress: Progress | None = None,
) -> RegisterImport:
    """Check the register at ``path``, then (unless ``dry_run``) write its good rows.

    Refuses (InvalidInput, every problem listed) when a row is bad and ``skip_bad`` is
    not given; with it, the bad rows go to that file with a reason column.
    """
    report, bad = _check(app, path, agency, progress)
    if report.problems and skip_bad is None and not dry_run:
        raise InvalidInput(report.refusal())
    if dry_run:
        return report
    if skip_bad is not None and bad:
        write_bad_rows(path, skip_bad, bad)
        report.skipped_to = skip_bad
    report.written = _write(app, path, agency, {n for n, _values in bad}, progress)
    analyze(app)
    return report


def _check(
    app: App, path: Path, agency: str | None, progress: Progress | None
) -> tuple[RegisterImport, list[tuple[int, tuple[Any, ...] | list[str]]]]:
    """Run every row against a memory copy of the log; the problems and the bad rows."""
    scratch = ScratchStore(app.store)
    checking = _Pass(app, scratch, agency, load_calendar(app.store))
    sheet = open_register(path)
    problems: list[Problem] = []
    bad: list[tuple[int, tuple[Any, ...] | list[str]]] = []
    seen: dict[str, int] = {}
    count = 0
    for count, raw in enumerate(sheet.rows, start=1):
        found = _check_row(checking, raw, seen)
        scratch.forget()
        if found:
            problems += found
            bad.append((raw.number, [*map(text_of, raw.raw), "; ".join(p.reason for p in found)]))
        if progress is not None:
            progress("check", count, sheet.total)
    report = RegisterImport(count, problems, len(bad), checking.tally)
    return report, bad


def _check_row(checking: _Pass, raw: RawRow, seen: dict[str, int]) -> list[Problem]:
    """The problems of one row (none: it ran on the memory copy)."""
    row, errors = parse_row(raw)
    if errors or row is None:
        return [_problem(raw.number, e) for e in errors]
    first = seen.setdefault(row.request_id, raw.number)
    if first != raw.number:
        column = BY_KEY["id"].header
        twice = _("is also on row {first}; a request has one row").format(first=first)
        return [Problem(raw.number, column, row.request_id, twice)]
    problem = checking.run(row)
    return [problem] if problem else []


def _problem(number: int, error: CellError) -> Problem:
    return Problem(number, error.column.header, text_of(error.value), error.reason)


def _write(
    app: App, path: Path, agency: str | None, bad: set[int], progress: Progress | None
) -> Tally:
    """Run the good rows against the database, a batch of rows per transaction.

    Steps already stored are not repeated (their command ids), so an import interrupted
    between batches is finished by running it again. A step refused here (the books
    changed since the check) stops the import; the rows before it stay stored.
    """
    writing = _Pass(app, app.store, agency, load_calendar(app.store))
    sheet = open_register(path)
    problem: Problem | None = None
    with Batches(app.store) as batches:
        for count, raw in enumerate(sheet.rows, start=1):
            if raw.number not in bad:
                row, errors = parse_row(raw)
                if row is not None and not errors:
                    problem = writing.run(row)
                    if problem is not None:
                        break
            batches.done()
            if progress is not None:
                progress("write", count, sheet.total)
    if problem is not None:
        raise InvalidInput(
            _("{problem} (while writing; rows before it are stored)").format(problem=problem.line())
        )
    return writing.tally


def write_bad_rows(source: Path, target: Path, bad: list[tuple[int, Any]]) -> None:
    """The bad rows with the source's header and a reason column, as .xlsx or .csv."""
    sheet = open_register(source)
    headers = [*sheet.headers, REASON_HEADER]
    rows = [list(values) for _number, values in bad]
    if target.suffix.lower() == ".csv":
        from ledger.register.read import csv_text

        target.write_text(csv_text([headers, *rows]), encoding="utf-8-sig")
        return
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    out = book.create_sheet("登记台账")
    out.append(headers)
    for values in rows:
        out.append(values)
    book.save(target)


def analyze(app: App) -> None:
    """Refresh PostgreSQL's statistics on the tables a bulk load wrote (its paged reads
    turn into full scans without them until autovacuum catches up)."""
    if app.engine.dialect.name != "postgresql":
        return
    with app.engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE events")
        conn.exec_driver_sql("ANALYZE applicants")
        conn.commit()
