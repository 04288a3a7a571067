"""Importing history from another system: each line replayed through the desk's commands.

One gate: an imported event enters the log only as the desk command that would have
recorded it (a receipt through ``record_receipt``, a decision through ``issue_decision``,
…), run on the line's date, so every rule of the desk holds for imports too. Derived
events (deadline-set, carry-overs, amendments) are not taken from the file: the commands
derive them again. Every line is first run on a scratch layer over the log
(``events/scratch.py``); when any line is refused, every refusal is reported
(file:line: rule) and nothing is written.

Exactly once: each line carries a command id derived from its content, so a second run
of the same file, or a run after an import killed half-way, stores each line once.
The format is described in docs/import.md.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from ledger.calendar import WorkingCalendar, YearSchedule
from ledger.codes import applicant_code, channel_code, outcome_code
from ledger.commands import annual
from ledger.commands import requests as desk_cmd
from ledger.commands._context import Desk
from ledger.commands._once import exactly_once
from ledger.commands.agencies import check_registered, register_agency
from ledger.commands.calendar import record_schedule
from ledger.commands.facts import late
from ledger.commands.years import close_year, closed_years
from ledger.dates import parse_date
from ledger.errors import InvalidInput, LedgerError, RuleViolation
from ledger.events import annual as annual_ev
from ledger.events import codec
from ledger.events import requests as ev
from ledger.events.agencies import AgencyRegistered, agency_stream
from ledger.events.batches import Batches
from ledger.events.calendar import CALENDAR_STREAM, ScheduleRecorded
from ledger.events.scratch import ScratchStore
from ledger.events.store import ANALYZE_AFTER, Store, refresh_statistics
from ledger.events.types import Event, parse_event, upcast
from ledger.events.years import YearClosed, year_stream
from ledger.i18n import _, ngettext
from ledger.texts import with_texts

REQUIRED_KEYS = ("type", "data", "effective_date")
STREAM_KEYS = ("stream", "stream_id")  # import's own name, and `ledger log --format json`'s
LOG_KEYS = frozenset(
    {"position", "version", "schema_version", "recorded_at", "command_id", "hash"}
)  # written by `ledger log --format json`: accepted and not used (the log makes its own)
OPTIONAL_KEYS = frozenset({"actor", "agency", "texts"})  # texts: ``ledger log --format json``'s
KNOWN_KEYS = frozenset(REQUIRED_KEYS) | frozenset(STREAM_KEYS) | LOG_KEYS | OPTIONAL_KEYS

DERIVED_TYPES = frozenset(
    {
        "request.deadline-set",
        "request.carried-over",
        "request.carry-over-revoked",
        "request.amendment-recorded",
        "reminder.sent",
        "reminder.failed",
        "reminder.run-completed",
    }
)
"""Derived by the commands (or the scheduler's own record): skipped, never taken as given."""

CODED_FIELDS: Mapping[str, Mapping[str, Callable[[str, str], str]]] = {
    "request.received": {"channel": channel_code, "applicant": applicant_code},
    "request.decision-issued": {"outcome": outcome_code},
}
"""Fields holding a code: a label or Chinese name in the file is converted to its code."""


@dataclass(frozen=True)
class ImportLine:
    """One event of the file, parsed: where it is, what it says, its command id."""

    number: int  # its line in the file
    where: str
    stream: str
    event: Event
    effective: date
    actor: str | None
    agency: str | None
    command_id: str


@dataclass
class ImportSummary:
    """What an import added (or, with --dry-run, would add)."""

    lines: int = 0
    events: int = 0
    already: int = 0  # lines stored by an earlier run (same command id)
    derived_skipped: int = 0
    requests: set[str] = field(default_factory=set)
    years: set[int] = field(default_factory=set)
    last_position: int = 0


class ImportRefused(InvalidInput):
    """Some lines break a rule: every one is listed, and nothing was written."""

    def __init__(self, source: str, problems: list[str], head: str = "") -> None:
        head = head or ngettext(
            "{count} bad line in {source}; nothing was imported",
            "{count} bad lines in {source}; nothing was imported",
            len(problems),
        ).format(count=len(problems), source=source)
        super().__init__("\n".join([head, *problems]))
        self.problems = problems


class FileLines:
    """A file's lines, read again from the disk each time they are iterated: the check
    pass and the write pass each stream the file, so neither holds it in memory.

    Lines are split as ``str.splitlines`` splits a whole text (the numbering a refusal
    gives does not depend on how the file is read); the second reading refuses a file
    that changed since the first (its size or modification time).
    """

    def __init__(self, file: Path) -> None:
        self.file = file
        self._stamp: tuple[int, int] | None = None

    def __iter__(self) -> Iterator[str]:
        try:
            stat = self.file.stat()
            stamp = (stat.st_size, stat.st_mtime_ns)
            if self._stamp is not None and stamp != self._stamp:
                raise InvalidInput(
                    _("{file} changed while it was imported; run the import again").format(
                        file=self.file
                    )
                )
            self._stamp = stamp
            with self.file.open(encoding="utf-8") as handle:
                for physical in handle:
                    yield from physical.splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise InvalidInput(
                _("FILE: cannot read {file}: {why}").format(file=self.file, why=exc)
            ) from None


def import_file(desk: Desk, file: Path, *, dry_run: bool = False) -> ImportSummary:
    """Import a JSON-lines file (see :func:`import_lines`), read once for the check and
    once for the write."""
    return import_lines(desk, FileLines(file), str(file), dry_run=dry_run)


def import_lines(
    desk: Desk, lines: Iterable[str], source: str, *, dry_run: bool = False
) -> ImportSummary:
    """Check every line on a scratch layer over the log, then (unless ``dry_run``) record them.

    ``source`` names the lines in refusals (``source:N: rule``). The desk gives today,
    the default actor and agency, and ``--amend`` for lines reaching a closed year.
    ``lines`` is read twice, a line at a time (a list, or ``FileLines``): neither pass
    keeps the lines; the check keeps its scratch events on disk (``events/scratch.py``).
    """
    if iter(lines) is lines:  # a one-time iterator cannot be read twice
        lines = list(lines)
    scratch = ScratchStore(desk.store)
    try:
        summary, problems, late_lines = _run(desk, scratch, lines, source, checking=True)
    finally:
        scratch.close()
    _check_history_reason(desk, late_lines, source)
    if problems:
        raise ImportRefused(source, [text for _number, text in sorted(problems)])
    if not dry_run:
        skipped = summary.derived_skipped
        summary, written, _late = _run(desk, desk.store, lines, source, checking=False)
        summary.derived_skipped = skipped
        if summary.lines > ANALYZE_AFTER:
            refresh_statistics(desk.store)
        if written:  # another desk changed the books between the check and now
            head = ngettext(
                "{count} line of {source} refused while writing (the books changed since "
                "they were checked); the other lines are recorded, each once: check the "
                "refused one and run the import again",
                "{count} lines of {source} refused while writing (the books changed since "
                "they were checked); the other lines are recorded, each once: check the "
                "refused ones and run the import again",
                len(written),
            ).format(count=len(written), source=source)
            raise ImportRefused(source, [text for _number, text in sorted(written)], head)
    return summary


@dataclass
class LateLines:
    """The lines dated before the desk's backdating window: how many, and the first."""

    count: int = 0
    first: ImportLine | None = None

    def add(self, line: ImportLine) -> None:
        self.count += 1
        if self.first is None:
            self.first = line


def _check_history_reason(desk: Desk, old: LateLines, source: str) -> None:
    """An import is history: the reason it is recorded late is given once for the file.

    Lines dated more than the desk's ``backdate_days`` before today need ``--backdated
    REASON`` for the whole import (it goes into each such event), not a refusal per line.
    """
    if old.first is not None and not desk.backdated:
        raise InvalidInput(
            ngettext(
                "{source}: {count} line is dated more than {days} days before today (the "
                "first: {where}, {effective}); an import is history: say why once for the "
                "whole file with --backdated REASON",
                "{source}: {count} lines are dated more than {days} days before today (the "
                "first: {where}, {effective}); an import is history: say why once for the "
                "whole file with --backdated REASON",
                old.count,
            ).format(
                source=source,
                count=old.count,
                days=desk.backdate_days,
                where=old.first.where,
                effective=old.first.effective,
            )
        )


Problem = tuple[int, str]
"""A refused line: its number (to list refusals in file order) and ``file:line: rule``."""


def _run(
    desk: Desk, store: Store, lines: Iterable[str], source: str, *, checking: bool
) -> tuple[ImportSummary, list[Problem], LateLines]:
    """Parse each line and run its desk command on ``store``; the refusals, and the lines
    that need ``--backdated``. The check pass stops running commands (it still parses
    every line) once a line needs a reason the desk did not give: the import is refused
    for that alone."""
    summary = ImportSummary()
    problems: list[Problem] = []
    late_lines = LateLines()
    calendar = replace(desk, store=store, command_id=None).calendar
    agencies = LineAgencies()
    with Occurrences() as occurrences, Batches(store) as batches:
        for line in batches.each(parse_import(lines, source, occurrences, summary, problems)):
            summary.lines += 1
            if checking and late(desk, line.effective):
                late_lines.add(line)
            if late_lines.first is not None and not desk.backdated:
                continue
            calendar = _run_line(desk, store, line, calendar, summary, problems, agencies)
    return summary, problems, late_lines


@dataclass
class LineAgencies:
    """The agency a line names (its ``agency`` key), checked as the desk checks --agency
    (``check_registered``): from the first agency registered on, in the books or by an
    earlier line, an unregistered code is refused, so a typo in a file never opens a
    second set of numbers either. A code found registered is not read again in the pass
    until an agency line is recorded."""

    accepted: set[str] = field(default_factory=set)

    def check(self, store: Store, line: ImportLine) -> None:
        """Refuse the line's agency if the desk would; an agency line registers its own."""
        if isinstance(line.event, AgencyRegistered):
            self.accepted.clear()  # with one more registered, a code accepted may not be
        elif line.agency is not None and line.agency not in self.accepted:
            self.accepted.add(check_registered(store, line.agency, "agency"))


def _run_line(
    desk: Desk,
    store: Store,
    line: ImportLine,
    calendar: WorkingCalendar,
    summary: ImportSummary,
    problems: list[Problem],
    agencies: LineAgencies,
) -> WorkingCalendar:
    """Run one line's desk command; the calendar the next lines work with."""
    at = replace(
        desk,
        store=store,
        actor=line.actor or desk.actor,
        agency=line.agency or desk.agency,
        command_id=line.command_id,
        _calendar=calendar,
    )
    if store.events_of_command(line.command_id):
        summary.already += 1
        return calendar
    try:
        agencies.check(store, line)
        stored = _record_amending(at, line, amend=desk.amend)
    except LedgerError as exc:
        problems.append(
            (line.number, _("{where}: {why}").format(where=line.where, why=exc.message))
        )
        return calendar
    summary.events += len(stored)
    summary.last_position = max([summary.last_position, *(e.position for e in stored)])
    if line.stream.startswith(ev.stream_of("")):
        summary.requests.add(ev.request_of(line.stream))
    summary.years.add(line.effective.year)
    return at.calendar  # a schedule line gives the next lines its calendar


def _none_stored(_desk: Desk, _command_id: str) -> tuple[Any, ...] | None:
    """Nothing to replay: ``_run_line`` counted a line already stored before running it."""
    return None


@exactly_once(_none_stored)
def _record_amending(desk: Desk, /, line: ImportLine, *, amend: bool) -> tuple[Any, ...]:
    """Record a line; with --amend (``amend``) as an amendment if it is dated in a closed
    year, else as a plain step. Whether it is one is decided on the closed years this
    attempt reads, which the line's append expects unchanged: a year closed meanwhile runs
    the line again, decided afresh (``exactly_once``)."""
    desk.amend = amend and line.effective.year in closed_years(desk, desk.agency)
    return record_line(desk, line)


# -- parsing -----------------------------------------------------------------------------


def parse_import(
    lines: Iterable[str],
    source: str,
    occurrences: Occurrences,
    summary: ImportSummary,
    problems: list[Problem],
) -> Iterator[ImportLine]:
    """The parsed lines, one at a time; a bad line goes to ``problems`` and a derived event
    is counted in ``summary`` (skipped). ``occurrences`` tells apart a line repeated in
    the file, so each occurrence has its own command id."""
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        where = f"{source}:{number}"
        try:
            line = parse_line(text, number, where)
        except LedgerError as exc:
            problems.append((number, _("{where}: {why}").format(where=where, why=exc.message)))
            continue
        if line is None:
            summary.derived_skipped += 1
            continue
        seen = occurrences.count(line.command_id)
        if seen > 1:  # the same step twice in a stream: each its own id
            line = replace(line, command_id=f"{line.command_id}.{seen}")
        yield line


class Occurrences:
    """How often each command id has come so far in a file, kept in a private temporary
    SQLite database (deleted when closed), not in memory: one entry a line."""

    def __init__(self) -> None:
        self.conn = sqlite3.connect("", isolation_level=None)
        self.conn.executescript(
            "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -1024;"
            "CREATE TABLE seen (id TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;"
        )

    def count(self, command_id: str) -> int:
        """This id's occurrences so far, this one included."""
        row = self.conn.execute(
            "INSERT INTO seen VALUES (?, 1) ON CONFLICT (id) DO UPDATE SET n = n + 1 "
            "RETURNING n",
            (command_id,),
        ).fetchone()
        return int(row[0])

    def __enter__(self) -> Occurrences:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.conn.close()


def parse_line(text: str, number: int, where: str) -> ImportLine | None:
    """One line as a typed event with its command id (None: a derived event, skipped)."""
    try:
        item: Any = codec.loads(text)
    except ValueError:
        raise InvalidInput(_("not a JSON object")) from None
    if not isinstance(item, dict):
        raise InvalidInput(_("not a JSON object"))
    unknown = sorted(set(item) - KNOWN_KEYS)
    if unknown:
        refusal = _("unknown key(s) {keys}; see docs/import.md")
        raise InvalidInput(refusal.format(keys=", ".join(unknown)))
    stream = item.get("stream", item.get("stream_id"))
    if not isinstance(stream, str) or any(k not in item for k in REQUIRED_KEYS):
        raise InvalidInput(_("needs the keys stream (or stream_id), type, data and effective_date"))
    kind, data = item["type"], item["data"]
    if not isinstance(kind, str) or not isinstance(data, dict):
        raise InvalidInput(_("type must be a text and data an object"))
    texts = item.get("texts", {})
    if not isinstance(texts, dict):
        raise InvalidInput(
            _("texts must be an object (reference: text), as `ledger log` writes it")
        )
    data = with_texts(data, texts)
    if kind in DERIVED_TYPES:
        return None
    if isinstance(item.get("schema_version"), int) and not isinstance(item["schema_version"], bool):
        data = upcast(kind, item["schema_version"], data)
    event = _typed(kind, data)
    effective = parse_date(str(item["effective_date"]), "effective_date")
    actor, agency = _text_or_none(item, "actor"), _text_or_none(item, "agency")
    canonical = codec.dumps(
        {"stream": stream, "type": kind, "data": event.payload(), "effective_date": str(effective)}
    )
    command_id = "import-" + hashlib.sha256(canonical.encode()).hexdigest()[:40]
    return ImportLine(number, where, stream, event, effective, actor, agency, command_id)


def _text_or_none(item: Mapping[str, Any], key: str) -> str | None:
    value = item.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(_("{key}: must be a non-empty text").format(key=key))
    return value


def _typed(kind: str, data: dict[str, Any]) -> Event:
    """The event for the data, codes converted from labels, booleans never taken as numbers."""
    data = dict(data)
    for name, to_code in CODED_FIELDS.get(kind, {}).items():
        if isinstance(data.get(name), str):
            data[name] = to_code(data[name], name)
    event = parse_event(kind, data)
    for name, value in data.items():
        if isinstance(value, bool) and not isinstance(getattr(event, name, None), bool):
            refusal = _("event {type}: field {name!r}: {value} is not allowed here")
            raise InvalidInput(refusal.format(type=kind, name=name, value=value))
    for name in (*type(event).free_text, "backdated"):
        if getattr(event, f"{name}_ref", None):
            refusal = _(
                "event {type}: field '{name}_ref' names a text kept in other books; give the "
                "text itself as {name!r}, or in `texts` as `ledger log --format json` does"
            )
            raise InvalidInput(refusal.format(type=kind, name=name))
    return event


# -- the desk command of each event ------------------------------------------------------


def record_line(desk: Desk, line: ImportLine) -> tuple[Any, ...]:
    """Record one line through the desk command that records its kind of event."""
    event = line.event
    if isinstance(event, AgencyRegistered):
        _same_stream(line, agency_stream(event.code))
        register_agency(desk, event.code, event.name, event.labels, event.level)
        return desk.store.events_of_command(line.command_id)
    if isinstance(event, YearClosed):
        agency = line.agency or desk.agency
        _same_stream(line, year_stream(agency, event.year))
        close_year(desk, event.year, agency)
        return desk.store.events_of_command(line.command_id)
    if isinstance(event, ScheduleRecorded):
        _same_stream(line, CALENDAR_STREAM)
        try:
            schedule = YearSchedule.from_dict(event.payload())
        except ValueError as exc:
            raise InvalidInput(_("event {type}: {why}").format(type=event.type, why=exc)) from None
        record_schedule(desk, schedule)
        return desk.store.events_of_command(line.command_id)
    annual_step = ANNUAL_STEPS.get(type(event))
    if annual_step is not None:
        expected, run = annual_step
        _same_stream(line, expected(desk, line, event))
        run(desk, line, event)
        return desk.store.events_of_command(line.command_id)
    if not line.stream.startswith(ev.stream_of("")):
        raise InvalidInput(
            _("event {type} cannot be imported; record it with its `ledger` command").format(
                type=event.type
            )
        )
    request_id = ev.request_of(line.stream)
    step = STEPS.get(type(event))
    if step is None:
        raise InvalidInput(_("event {type} is not a step of a request").format(type=event.type))
    return step(desk, request_id, line.effective, event).events


def _same_stream(line: ImportLine, expected: str) -> None:
    if line.stream != expected:
        refusal = _("stream {stream!r} does not match its event; expected {expected}")
        raise RuleViolation(refusal.format(stream=line.stream, expected=expected))


def _receive(desk: Desk, request_id: str, on: date, e: Event) -> desk_cmd.Recorded:
    assert isinstance(e, ev.RequestReceived)
    if e.request_id != request_id:
        raise RuleViolation(
            _(
                "request_id {given!r} differs from its stream request-{request_id}; they must "
                "name the same request"
            ).format(given=e.request_id, request_id=request_id)
        )
    if on != e.received_on:
        raise RuleViolation(
            _(
                "effective_date {on} differs from received_on {received}; a receipt takes "
                "effect on its date of receipt"
            ).format(on=on, received=e.received_on)
        )
    cmd = desk_cmd.RecordReceipt(
        e.submitted_on, e.channel, e.applicant, request_id, e.confirmed_on, e.signed_on,
        agency=desk.agency, subject=e.subject, applicant_ref=e.applicant_ref,
    )  # fmt: skip
    derived = desk_cmd.date_of_receipt(cmd, desk.calendar)
    if derived != e.received_on:
        raise RuleViolation(
            _(
                "received_on {received} is not the date of receipt for channel {channel} "
                "(Art. 31 gives {derived}); give confirmed_on or signed_on"
            ).format(received=e.received_on, channel=e.channel, derived=derived)
        )
    return desk_cmd.record_receipt(desk, cmd)


def _fee(desk: Desk, request_id: str, on: date, e: Event) -> desk_cmd.Recorded:
    assert isinstance(e, ev.FeeNoticeIssued)
    computed = e.method != "amount"
    cmd = desk_cmd.IssueFeeNotice(
        request_id, on, amount=None if computed else e.amount,
        method=e.method if computed else None, pages=e.pages, received=e.received_on,
    )  # fmt: skip
    recorded = desk_cmd.issue_fee_notice(desk, cmd)
    fee = next((x for x in recorded.events if x.type == e.type), None)
    got = fee.data["amount"] if fee is not None else _("none")
    if computed and got != e.amount:  # found by the check, before anything is written
        refusal = _("amount {amount} differs from the fee computed {method}: {got}")
        raise RuleViolation(refusal.format(amount=e.amount, method=e.method, got=got))
    return recorded


Step = Callable[[Desk, str, date, Event], desk_cmd.Recorded]


def _step(
    cls: type[Event], run: Callable[[Desk, str, date, Any], desk_cmd.Recorded]
) -> tuple[type[Event], Step]:
    return cls, run


STEPS: dict[type[Event], Step] = dict(
    [
        (ev.RequestReceived, _receive),
        _step(
            ev.ClarificationRequested,
            lambda d, r, on, e: desk_cmd.request_clarification(d, r, on, e.reply_by),
        ),
        _step(ev.Clarified, lambda d, r, on, e: desk_cmd.record_clarified(d, r, on)),
        _step(
            ev.ExtensionGranted,
            lambda d, r, on, e: desk_cmd.grant_extension(d, r, on, e.days, e.approver),
        ),
        _step(
            ev.ConsultationStarted,
            lambda d, r, on, e: desk_cmd.start_consultation(
                d, r, on, e.party, received=e.received_on, kind=e.kind
            ),
        ),
        _step(
            ev.ConsultationEnded, lambda d, r, on, e: desk_cmd.end_consultation(d, r, on, e.party)
        ),
        (ev.FeeNoticeIssued, _fee),
        _step(ev.FeePaid, lambda d, r, on, e: desk_cmd.record_payment(d, r, on)),
        _step(
            ev.DeadlineDeferred,
            lambda d, r, on, e: desk_cmd.defer_deadline(d, r, on, e.until, e.reason),
        ),
        _step(ev.DecisionIssued, lambda d, r, on, e: desk_cmd.issue_decision(d, r, on, e.outcome)),
        _step(ev.RequestWithdrawn, lambda d, r, on, e: desk_cmd.withdraw(d, r, on)),
    ]
)
"""The desk command that records each step of a request."""


def _tail(line: ImportLine, prefix: str) -> str:
    """The id a case or document stream names (``case-ID``, ``document-ID``)."""
    return line.stream.removeprefix(prefix) if line.stream.startswith(prefix) else ""


AnnualStep = tuple[
    Callable[[Desk, ImportLine, Any], str], Callable[[Desk, ImportLine, Any], object]
]

ANNUAL_STEPS: dict[type[Event], AnnualStep] = {
    annual_ev.CaseFiled: (
        lambda d, line, e: annual_ev.case_stream(e.case_id),
        lambda d, line, e: annual.file_case(d, e.case_id, line.effective, e.kind, e.request_id),
    ),
    annual_ev.CaseConcluded: (
        lambda d, line, e: annual_ev.case_stream(_tail(line, "case-")),
        lambda d, line, e: annual.conclude_case(d, _tail(line, "case-"), line.effective, e.outcome),
    ),
    annual_ev.DocumentIssued: (
        lambda d, line, e: annual_ev.document_stream(e.document_id),
        lambda d, line, e: annual.issue_document(
            d, e.document_id, line.effective, e.kind, e.title, e.published_on
        ),
    ),
    annual_ev.DocumentRepealed: (
        lambda d, line, e: annual_ev.document_stream(_tail(line, "document-")),
        lambda d, line, e: annual.repeal_document(d, _tail(line, "document-"), line.effective),
    ),
    annual_ev.FiguresRecorded: (
        lambda d, line, e: annual_ev.annual_stream(d.agency, e.year),
        lambda d, line, e: annual.record_figures(
            d, e.year, e.item, [f"{k}={v}" for k, v in e.figures.items()]
        ),
    ),
    annual_ev.NarrativeRecorded: (
        lambda d, line, e: annual_ev.annual_stream(d.agency, e.year),
        lambda d, line, e: annual.record_sections(
            d,
            e.year,
            {k: getattr(e, k) for k in annual.SECTION_NAMES},
            e.signed_on,
        ),
    ),
}
"""The annual records an import takes, with the stream each belongs to and its command."""
