"""The request projection: one row per request, kept with the events it comes from.

A row is a function of the request's folded state (``projections/requests.py``) and the
working calendar, so corrections and retractions flow through exactly as a replay sees
them. The row keeps that state (``projections/snapshots.py``): an append applies its own
events to the row it reads by key, without reading the stream again (a retraction, which
re-folds the whole stream, and a row that is not at the version before the events, do
read it). The store applies it inside each append's transaction (``Store.projections``);
a checkpoint records the last log position applied, so a projection that fell behind
(a crash between the log and the table, a database upgraded from before it) catches
up from there on the next append, and ``rebuild`` recreates it from the log alone.
A calendar change moves due dates, so it refreshes every request.

The years a request touches (``touch_from`` to ``touch_until``, open-ended while it is
open) are every year in which the annual report counts it: received, decided, extended,
asked for clarification, carried over. The report reads the rows whose range holds its
year, and the alerts the open rows, each by an indexed query.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import date
from itertools import islice
from operator import attrgetter
from typing import TYPE_CHECKING, Any, Final, Protocol

from ledger.calendar import WorkingCalendar
from ledger.db import Database
from ledger.errors import StoreUnavailable
from ledger.events import codec
from ledger.events.calendar import CALENDAR_STREAM
from ledger.events.requests import request_of, stream_of
from ledger.events.store import (
    ANALYZE_AFTER,
    EventStore,
    Store,
    StoredEvent,
    refresh_statistics,
    settle_tables,
)
from ledger.projections.calendar import load_calendar
from ledger.projections.requests import (
    CarryFacts,
    RequestState,
    apply,
    deadline,
    fold,
    quiet_fold,
    status,
)
from ledger.projections.signatures import Signatures
from ledger.projections.snapshots import carried_text, restore, snapshot
from ledger.projections.steps import paused_at_decision, step_text
from ledger.projections.views import RequestRow, days_left, late
from ledger.search import ID_FOLDED, SIGNATURE_COLUMNS, Signature
from ledger.texts import TextFile

if TYPE_CHECKING:  # the report's counting, loaded by the report only (not the desk)
    from ledger.projections.tally import YearTally

REQUESTS: Final = "requests"
"""The request projection's name in ``projection_checkpoints``."""
REQUEST_PREFIX: Final = stream_of("")
PUT_BATCH: Final = 2000
"""Rows a rebuild writes at a time (``put_new``)."""
SCAN_BATCH: Final = 2000
"""Rows a scan of the whole table reads at a time (``ledger find``)."""
REQUEST_TYPES: Final = "request."
"""The events a request's row folds, as ``views.all_requests`` does (not its notices)."""


@dataclass(frozen=True, slots=True)
class ViewRow:
    """A ``request_view`` row: what a request's state says, nothing that depends on the day."""

    request_id: str
    agency: str
    version: int
    status: str
    channel: str
    applicant: str
    applicant_ref: str | None
    subject: str
    received_on: date
    received_year: int
    due_date: date | None
    provisional: bool
    deferred: bool
    regime: str
    days_allowed: int
    extension_days: int
    stopped_with: int | None
    outcome: str | None
    decided_on: date | None
    decided_year: int | None
    closed: bool
    withdrawn: bool
    recorded_late: bool
    state: str
    first_position: int
    last_effective: date
    touch_from: int
    touch_until: int | None
    touch_span: int | None
    clarifying: bool
    consulting: bool
    paused_days: int
    step_counts: str | None
    carried_years: str | None

    def folded(self) -> RequestState:
        """The request's state as the row keeps it (no timeline)."""
        return restore(self.request_id, self.state)

    def request_row(self, cal: WorkingCalendar, as_of: date) -> RequestRow:
        """The row as ``ledger list`` shows it on ``as_of`` (days left, late: read-time)."""
        left = days_left(self.closed, self.due_date, self.stopped_with, as_of, cal)
        return RequestRow(
            id=self.request_id,
            agency=self.agency,
            status=self.status,
            channel=self.channel,
            applicant=self.applicant,
            subject=self.subject,
            received_on=self.received_on,
            due_date=self.due_date,
            provisional=self.provisional,
            deferred=self.deferred,
            regime=self.regime,
            days_allowed=self.days_allowed,
            extension_days=self.extension_days,
            outcome=self.outcome,
            decided_on=self.decided_on,
            late=late(self.withdrawn, self.due_date, self.decided_on, as_of),
            recorded_late=self.recorded_late,
            working_days_left=left,
        )


COLUMNS: Final = tuple(f.name for f in fields(ViewRow))
"""The columns of ``request_view`` as ``ledger.events.schema`` declares them (a test checks)."""
_DATES: Final = frozenset({"received_on", "due_date", "decided_on", "last_effective"})
_BOOLS: Final = frozenset(
    {"provisional", "deferred", "closed", "withdrawn", "recorded_late", "clarifying", "consulting"}
)
_VALUES: Final = attrgetter(*COLUMNS)
"""A row's values in column order, as one tuple."""
_DATE_AT: Final = tuple(i for i, name in enumerate(COLUMNS) if name in _DATES)
"""Where the dates are among them (SQLite keeps them as ISO text)."""
INDEXED: Final = (
    "agency", "received_year", "closed", "due_date", "touch_from",
    "touch_until", "touch_span", "recorded_late", "last_effective", "applicant_ref",
    "decided_year", "applicant", "outcome", "channel", "received_on", "decided_on",
    "paused_days", "step_counts", "request_id", "first_position", "carried_years",
)  # fmt: skip
"""The columns an index of ``request_view`` holds besides the key (a test holds them
equal to ``ledger.events.schema``)."""
INDEXED_VALUES: Final = attrgetter(*INDEXED)
_AT: Final = {name: i for i, name in enumerate(COLUMNS)}
_UNINDEXED: Final = tuple(c for c in COLUMNS[1:] if c not in INDEXED)


def touched_years(state: RequestState) -> tuple[int, int | None]:
    """The first and last year the annual report counts the request in (the last None
    while it is open: an open request is carried over into every year that follows)."""
    years = [state.received_on.year, *state.carried_out_of]
    years += [x.granted_on.year for x in state.extensions]
    years += [c.requested_on.year for c in state.clarifications]
    if state.decided_on is not None:
        years.append(state.decided_on.year)
    return min(years), (max(years) if state.closed else None)


def indexed_values(state: RequestState, cal: WorkingCalendar) -> tuple[Any, ...]:
    """``INDEXED_VALUES(view_row(state, cal))`` without building the row (its snapshot)."""
    first, last = touched_years(state)
    return (
        state.agency,
        state.received_on.year,
        state.closed,
        deadline(state, cal).due,
        first,
        last,
        None if last is None else last - first,
        state.recorded_late > 0,
        state.last_effective,
        state.applicant_ref,
        state.decided_on.year if state.decided_on else None,
        state.applicant,
        state.outcome,
        state.channel,
        state.received_on,
        state.decided_on,
        paused_at_decision(state, cal),
        step_text(state, cal),
        state.id,
        state.first_position,
        carried_text(state.carried_out_of),
    )


def view_row(state: RequestState, cal: WorkingCalendar) -> ViewRow:
    """The projection's row for a request: a function of its state and the calendar."""
    due = deadline(state, cal)
    first, last = touched_years(state)
    return ViewRow(
        request_id=state.id,
        agency=state.agency,
        version=state.version,
        status=status(state, due),
        channel=state.channel,
        applicant=state.applicant,
        applicant_ref=state.applicant_ref,
        subject=state.subject,
        received_on=state.received_on,
        received_year=state.received_on.year,
        due_date=due.due,
        provisional=due.provisional,
        deferred=due.deferred,
        regime=due.regime,
        days_allowed=due.days_allowed,
        extension_days=state.extension_days,
        stopped_with=due.stopped_with,
        outcome=state.outcome,
        decided_on=state.decided_on,
        decided_year=state.decided_on.year if state.decided_on else None,
        closed=state.closed,
        withdrawn=state.withdrawn,
        recorded_late=state.recorded_late > 0,
        state=snapshot(state),
        first_position=state.first_position,
        last_effective=state.last_effective,
        touch_from=first,
        touch_until=last,
        touch_span=None if last is None else last - first,
        clarifying=not state.closed and state.open_clarification is not None,
        consulting=not state.closed and any(c.ended_on is None for c in state.consultations),
        paused_days=paused_at_decision(state, cal),
        step_counts=step_text(state, cal),
        carried_years=carried_text(state.carried_out_of),
    )


class ViewTable(Protocol):
    """Where the request rows and the checkpoints are kept (a database or this process)."""

    def checkpoint(self, name: str) -> int:
        """The last position the projection applied (0 if never)."""
        ...

    def set_checkpoint(self, name: str, position: int) -> None: ...

    def advance(self, name: str, done: int, position: int) -> bool:
        """Move the checkpoint from ``done`` to ``position``; False if it was not at ``done``."""
        ...

    def put(
        self,
        row: ViewRow,
        indexed_before: tuple[Any, ...] | None = None,
        checkpoint: tuple[str, int] | None = None,
    ) -> None:
        """Write the row. ``indexed_before``: the ``INDEXED`` values of the request's row
        as stored now, when the caller knows them (the row exists). ``checkpoint``: a
        projection's (name, position) to set with it (``set_checkpoint``)."""
        ...

    def put_new(self, rows: Iterable[ViewRow], texts: TextFile) -> None:
        """Write the rows of requests not in the table (it was just cleared: a rebuild),
        their subjects' signatures computed from ``texts``."""
        ...

    def delete(self, request_id: str) -> None: ...

    def clear(self) -> None: ...

    def get(self, request_id: str) -> ViewRow | None: ...

    def rows(self, where: str = "", params: Sequence[Any] = ()) -> list[ViewRow]:
        """Rows matching a SQL condition on ``request_view`` (the memory table: all)."""
        ...

    def scan(self, batch: int = SCAN_BATCH) -> Iterator[ViewRow]:
        """Every row, ``batch`` at a time (a reader holds one page, not the table)."""
        ...

    def found(self, id_part: str, refs: Collection[str]) -> list[ViewRow]:
        """The rows whose id contains ``id_part`` (lower case; Latin letters in any case)
        or whose applicant is one of ``refs`` (``ledger find``)."""
        ...

    def subjects(
        self, batch: int = SCAN_BATCH, wanted: str | None = None
    ) -> Iterator[list[tuple[str, str]]]:
        """Every request's id and subject (as folded: a text's mark, or the text), a page
        of ``batch`` at a time: all ``ledger find`` must read to match sealed subjects.
        Given the (lowercased) word ``wanted``, a table may leave out rows whose subject
        cannot contain it (``ledger.search``), never one whose subject does."""
        ...

    def fill_signatures(self, texts: TextFile) -> int:
        """Compute the subjects' signatures not computed yet (``ledger.search``); how many."""
        ...

    def touching(
        self, first: int, last: int, agencies: Collection[str] | None
    ) -> Iterator[RequestState]:
        """The folded states of the agencies' requests (None: all) whose years overlap
        ``first``…``last``, streamed: the reader holds one page, not the years' rows."""
        ...

    def count_year(
        self, tally: YearTally, first: int, last: int, agencies: Collection[str] | None
    ) -> None:
        """Count the requests ``touching`` gives into ``tally`` (its year's table 3 and,
        with its calendar, statistics), as ``tally.fed(touching(...))`` would."""
        ...

    def carry_candidates(
        self, first: int, last: int, agencies: Collection[str] | None, years: range
    ) -> Iterator[CarryFacts]:
        """Those of ``touching``'s requests whose carry-over out of one of ``years`` may
        disagree with a year close (every other one agrees with any): what the check
        compares of each."""
        ...

    def open_rows(self, agency: str | None) -> list[ViewRow]:
        """The rows of requests not yet closed (of one agency, or all)."""
        ...

    def agencies(self) -> list[str]:
        """Every agency that has a request row."""
        ...

    def first_year(self, agency: str) -> int | None:
        """The earliest year an agency's request was received in."""
        ...

    def late_count(self, year: int, agencies: Collection[str] | None) -> int:
        """Requests received by the end of ``year`` with a fact recorded late."""
        ...

    def latest_effective(self) -> date | None:
        """The latest effective date of any request's event."""
        ...

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """A write transaction of its own (rebuild and catch-up outside an append)."""
        yield


class SqlViewTable:
    """``request_view`` and ``projection_checkpoints`` in the books' database.

    Every statement runs on the thread's connection, so inside an append it is part of
    the append's transaction.
    """

    def __init__(self, db: Database, new_text: Callable[[str], str | None]) -> None:
        self.db = db
        self._sqlite = db.dialect == "sqlite"
        self.signatures = Signatures(db, new_text)
        written = (*COLUMNS, *SIGNATURE_COLUMNS)
        marks = ", ".join("?" for _ in written)
        updates = ", ".join(f"{c} = excluded.{c}" for c in COLUMNS[1:])
        # a signature not computed (NULL) keeps the row's own while the subject is the same
        kept = ", ".join(
            f"{c} = CASE WHEN excluded.sig0 IS NULL AND request_view.subject = excluded.subject "
            f"THEN request_view.{c} ELSE excluded.{c} END"
            for c in SIGNATURE_COLUMNS
        )
        self._upsert = db.sql(
            f"INSERT INTO request_view ({', '.join(written)}) VALUES ({marks}) "
            f"ON CONFLICT (request_id) DO UPDATE SET {updates}, {kept}"
        )
        self._select = f"SELECT {', '.join(COLUMNS)} FROM request_view"
        self._updates: dict[tuple[tuple[str, ...], bool], str] = {}
        self._upsert_moving = db.sql(
            f"WITH written AS ({self._upsert}) {_SET_CHECKPOINT}"
        ) if not self._sqlite else ""  # fmt: skip

    def _run(self, text: str, params: Sequence[Any] = ()) -> None:
        self.db.connection().execute(self.db.sql(text), params)

    def checkpoint(self, name: str) -> int:
        query = "SELECT position FROM projection_checkpoints WHERE name = ?"
        return int(self.db.scalar(query, (name,)) or 0)

    def set_checkpoint(self, name: str, position: int) -> None:
        self._run(_SET_CHECKPOINT, (name, position))

    def advance(self, name: str, done: int, position: int) -> bool:
        """One statement; on PostgreSQL its row is read back (``RETURNING``), which also
        ends an append's pipeline: the writes queued before it go in the same round trip."""
        query = "UPDATE projection_checkpoints SET position = ? WHERE name = ? AND position = ?"
        if self._sqlite:
            cursor = self.db.connection().execute(query, (position, name, done))
            return bool(cursor.rowcount == 1)
        cursor = self.db.connection().execute(
            self.db.sql(f"{query} RETURNING position"), (position, name, done)
        )
        return len(cursor.fetchall()) == 1

    def put(
        self,
        row: ViewRow,
        indexed_before: tuple[Any, ...] | None = None,
        checkpoint: tuple[str, int] | None = None,
    ) -> None:
        """An upsert of every column; on SQLite, given the indexed values of the row as
        stored, an ``UPDATE`` that leaves out the indexed columns that did not change:
        SQLite rewrites an index whenever a column of it is set, even to the same value,
        so a decision no longer writes the pages of the agency, year received, applicant
        and late-flag indexes. (PostgreSQL compares the values itself: an upsert.)

        On PostgreSQL the ``checkpoint`` goes in the same statement (a data-modifying
        ``WITH``): one statement fewer for the driver to send in an append's pipeline."""
        values: Sequence[Any] = _VALUES(row)  # one C call; astuple deep-copies
        signature = self.signatures.of(row.subject)
        if not self._sqlite:
            if checkpoint is None:
                self.db.connection().execute(self._upsert, (*values, *signature))
            else:
                self.db.connection().execute(
                    self._upsert_moving, (*values, *signature, *checkpoint)
                )
            return
        values = _as_sqlite(values)
        if indexed_before is None or not self._update(row, values, indexed_before, signature):
            self.db.connection().execute(self._upsert, (*values, *signature))
        if checkpoint is not None:
            self.set_checkpoint(*checkpoint)

    def put_new(self, rows: Iterable[ViewRow], texts: TextFile) -> None:
        """``PUT_BATCH`` rows at a time, their subjects opened and signed together: by
        ``COPY`` on PostgreSQL (a rebuild of 100,000 requests otherwise waits for 100,000
        answers), by ``executemany`` on SQLite. Each batch is written before the next is
        asked for: the rows may come from a read of the same connection, which a ``COPY``
        in progress would refuse."""
        written = ", ".join((*COLUMNS, *SIGNATURE_COLUMNS))
        conn = self.db.connection()
        rows = iter(rows)
        while batch := list(islice(rows, PUT_BATCH)):
            signed = self.signatures.opened([r.subject for r in batch], texts)
            values = [
                (*(_as_sqlite(_VALUES(r)) if self._sqlite else _VALUES(r)), *signature)
                for r, signature in zip(batch, signed, strict=True)
            ]
            if self._sqlite:
                conn.cursor().executemany(self._upsert, values)
                continue
            with conn.cursor().copy(f"COPY request_view ({written}) FROM STDIN") as copy:
                for row in values:
                    copy.write_row(row)

    def _update(
        self, row: ViewRow, values: Sequence[Any], before: tuple[Any, ...], signature: Signature
    ) -> bool:
        """The ``UPDATE`` of ``put``; False if it wrote nothing (then it is upserted): no
        row was there, or its signature is not at hand and the subject changed (the
        upsert then keeps the row's own signature or marks it not computed)."""
        changed = tuple(c for c, old, new in zip(INDEXED, before, INDEXED_VALUES(row),
                                                 strict=True) if old != new)  # fmt: skip
        known = signature[0] is not None
        query = self._updates.get((changed, known))
        if query is None:
            columns = (*_UNINDEXED, *changed, *(SIGNATURE_COLUMNS if known else ()))
            sets = ", ".join(f"{c} = ?" for c in columns)
            same = "" if known else " AND subject = ?"
            query = f"UPDATE request_view SET {sets} WHERE request_id = ?{same}"
            self._updates[(changed, known)] = query
        params = [values[_AT[c]] for c in (*_UNINDEXED, *changed)]
        params += [*signature] if known else []
        params.append(row.request_id)
        if not known:
            params.append(row.subject)
        return bool(self.db.connection().execute(query, params).rowcount == 1)

    def delete(self, request_id: str) -> None:
        self._run("DELETE FROM request_view WHERE request_id = ?", (request_id,))

    def clear(self) -> None:
        self._run("DELETE FROM request_view")

    def get(self, request_id: str) -> ViewRow | None:
        found = self.rows("request_id = ?", (request_id,))
        return found[0] if found else None

    def rows(self, where: str = "", params: Sequence[Any] = ()) -> list[ViewRow]:
        text = f"{self._select} WHERE {where}" if where else self._select
        return [_from_sql(r) for r in self.db.fetch(text, params)]

    def scan(self, batch: int = SCAN_BATCH) -> Iterator[ViewRow]:
        """Pages of the primary key (``request_id > last one read``), in id order."""
        after = ""
        while True:
            page = self.rows(f"request_id > ? ORDER BY request_id LIMIT {int(batch)}", (after,))
            yield from page
            if len(page) < batch:
                return
            after = page[-1].request_id

    def found(self, id_part: str, refs: Collection[str]) -> list[ViewRow]:
        """One statement: the ids matched in SQL (on SQLite a scan of the narrow primary-key
        index, whose LIKE ignores the case of Latin letters), the applicants' requests by
        the ``applicant_ref`` index (0007); only the rows found are read whole."""
        pattern = "%" + id_part.replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%"
        # SQLite's LIKE ignores the case of Latin letters; PostgreSQL folds the ids as its
        # trigram index of them does (``ID_FOLDED``, ``ID_GRAMS``), so that it may read it
        column = "request_id" if self._sqlite else ID_FOLDED
        ids = f"SELECT request_id FROM request_view WHERE {column} LIKE ? ESCAPE '!'"
        params: list[Any] = [pattern]
        if refs:
            listed = "IN (SELECT value FROM json_each(?))" if self._sqlite else "= ANY(?)"
            ids += f" UNION SELECT request_id FROM request_view WHERE applicant_ref {listed}"
            params.append(codec.dumps(sorted(refs)) if self._sqlite else sorted(refs))
        return self.rows(f"request_id IN ({ids})", params)

    def subjects(
        self, batch: int = SCAN_BATCH, wanted: str | None = None
    ) -> Iterator[list[tuple[str, str]]]:
        """Pages of the primary key, two columns only (not the folded state); with
        ``wanted``, only the rows whose signature may hold it (``Signatures.candidates``)."""
        if wanted is not None:
            found = self.signatures.candidates(wanted, batch)
            if found is not None:
                yield from found
                return
        query = f"SELECT request_id, subject FROM request_view WHERE request_id > ? " \
            f"ORDER BY request_id LIMIT {int(batch)}"
        after = ""
        while True:
            page = [(str(i), str(s)) for i, s in self.db.fetch(query, (after,))]
            if page:
                yield page
            if len(page) < batch:
                return
            after = page[-1][0]

    def touching(
        self, first: int, last: int, agencies: Collection[str] | None
    ) -> Iterator[RequestState]:
        """Only the id and the kept state are read, and streamed (``Database.stream``)."""
        select = "SELECT request_id, state FROM request_view WHERE "
        for where, values in self._touch_reads(first, last, agencies):
            for request_id, state in self.db.stream(select + where, values):
                yield restore(request_id, state)

    def _touch_reads(
        self, first: int, last: int, agencies: Collection[str] | None
    ) -> list[tuple[str, tuple[Any, ...]]]:
        """Two range reads of the (agency,) touch_until, touch_from index: the open rows
        begun by ``last``, and the closed ones ending from ``first`` to ``last`` plus the
        longest span any request has (so the scan covers the years asked for, not the log)."""
        span = int(self.db.scalar("SELECT max(touch_span) FROM request_view") or 0)
        reads: list[tuple[str, tuple[Any, ...]]] = []
        for mine, params in _scopes(agencies):
            reads += [
                (f"{mine}touch_until IS NULL AND touch_from <= ?", (*params, last)),
                (
                    f"{mine}touch_until >= ? AND touch_until <= ? AND touch_from <= ?",
                    (*params, first, last + span, last),
                ),
            ]
        return reads

    def count_year(
        self, tally: YearTally, first: int, last: int, agencies: Collection[str] | None
    ) -> None:
        """The rows of ``touching`` counted by their columns (``projections/yearcounts.py``)."""
        from ledger.projections import yearcounts

        yearcounts.count_year(self.db, self._touch_reads(first, last, agencies), tally)

    def carry_candidates(
        self, first: int, last: int, agencies: Collection[str] | None, years: range
    ) -> Iterator[CarryFacts]:
        """The rows of ``touching`` open at the end of one of ``years`` or carried over out
        of one of them by a year close (``carried_years``), read from their columns (the
        carried-over rows of every agency are read, by their partial index, and those of
        other agencies left out here: with ``agency = ?`` SQLite takes the agency's index
        instead, every row of it)."""
        from ledger.projections import yearcounts

        reads = yearcounts.candidate_reads(self.db, _spanning_reads(agencies, years), years)
        found = yearcounts.carry_candidates(self.db, reads)
        return (c for c in found if agencies is None or c.agency in agencies)

    def open_rows(self, agency: str | None) -> list[ViewRow]:
        if agency is None:
            return self.rows("closed = ?", (False,))
        return self.rows("closed = ? AND agency = ?", (False, agency))

    def agencies(self) -> list[str]:
        """A skip scan of the agency index: one probe per agency, not per row."""
        return [r[0] for r in self.db.fetch(_AGENCIES) if r[0] is not None]

    def first_year(self, agency: str) -> int | None:
        query = "SELECT min(received_year) FROM request_view WHERE agency = ?"
        found = self.db.scalar(query, (agency,))
        return int(found) if found is not None else None

    def late_count(self, year: int, agencies: Collection[str] | None) -> int:
        query = "SELECT count(*) FROM request_view WHERE recorded_late = ? AND received_year <= ?"
        if agencies is None:
            return int(self.db.scalar(query, (True, year)) or 0)
        mine = f"{query} AND agency = ?"
        return sum(int(self.db.scalar(mine, (True, year, a)) or 0) for a in set(agencies))

    def latest_effective(self) -> date | None:
        found = self.db.scalar("SELECT max(last_effective) FROM request_view")
        return date.fromisoformat(found) if isinstance(found, str) else found

    def fill_signatures(self, texts: TextFile) -> int:
        return self.signatures.fill(texts)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self.db.writing():
            yield


_SET_CHECKPOINT: Final = (
    "INSERT INTO projection_checkpoints (name, position) VALUES (?, ?) "
    "ON CONFLICT (name) DO UPDATE SET position = excluded.position"
)
_AGENCIES: Final = (
    "WITH RECURSIVE codes(code) AS ("
    "SELECT min(agency) FROM request_view UNION ALL "
    "SELECT (SELECT min(agency) FROM request_view WHERE agency > code) FROM codes "
    "WHERE code IS NOT NULL) SELECT code FROM codes"
)


def _scopes(agencies: Collection[str] | None) -> list[tuple[str, tuple[str, ...]]]:
    """One read per agency (None: one read of all): the condition that opens its SQL and
    its parameter."""
    if agencies is None:
        return [("", ())]
    return [("agency = ? AND ", (agency,)) for agency in sorted(agencies)]


def _spanning_reads(
    agencies: Collection[str] | None, years: range
) -> list[tuple[str, tuple[Any, ...]]]:
    """Index reads of the agencies' rows spanning the end of one of ``years``, each row
    in one read only (nothing kept to skip a row read twice: the check's memory stays
    bounded by a page): they hold every request open at the end of one of them.

    A request open at the end of ``y`` was received by then (``touch_from <= y``) and
    is still open (``touch_until IS NULL``) or was answered in a later year
    (``touch_until > y``): the touch index gives the rows spanning a year's end, not the
    year's rows; each year's read leaves out those begun by the year before, which the
    read before holds."""
    if not years:
        return []
    reads: list[tuple[str, tuple[Any, ...]]] = []
    for mine, params in _scopes(agencies):
        reads.append((f"{mine}touch_until IS NULL AND touch_from <= ?", (*params, years[-1])))
        for before, y in zip([None, *years], years, strict=False):
            later = "" if before is None else f" AND touch_from > {int(before)}"
            reads.append((f"{mine}touch_until > ? AND touch_from <= ?{later}", (*params, y, y)))
    return reads


def _from_sql(r: Sequence[Any]) -> ViewRow:
    """A row as selected, dates parsed where the driver gives text (SQLite)."""
    return ViewRow(*(_value(name, value) for name, value in zip(COLUMNS, r, strict=True)))


def _value(name: str, value: Any) -> Any:
    if name in _DATES and isinstance(value, str):
        return date.fromisoformat(value)
    return bool(value) if name in _BOOLS else value


class MemoryViewTable:
    """The projection of a ``MemoryStore``: a dictionary, rolled back with a failed rebuild."""

    def __init__(self) -> None:
        self._rows: dict[str, ViewRow] = {}
        self._checkpoints: dict[str, int] = {}

    def checkpoint(self, name: str) -> int:
        return self._checkpoints.get(name, 0)

    def set_checkpoint(self, name: str, position: int) -> None:
        self._checkpoints[name] = position

    def advance(self, name: str, done: int, position: int) -> bool:
        if self._checkpoints.get(name) != done:
            return False
        self._checkpoints[name] = position
        return True

    def put(
        self,
        row: ViewRow,
        indexed_before: tuple[Any, ...] | None = None,
        checkpoint: tuple[str, int] | None = None,
    ) -> None:
        self._rows[row.request_id] = row
        if checkpoint is not None:
            self.set_checkpoint(*checkpoint)

    def delete(self, request_id: str) -> None:
        self._rows.pop(request_id, None)

    def clear(self) -> None:
        self._rows.clear()

    def get(self, request_id: str) -> ViewRow | None:
        return self._rows.get(request_id)

    def rows(self, where: str = "", params: Sequence[Any] = ()) -> list[ViewRow]:
        return list(self._rows.values())

    def scan(self, batch: int = SCAN_BATCH) -> Iterator[ViewRow]:
        return iter(list(self._rows.values()))

    def found(self, id_part: str, refs: Collection[str]) -> list[ViewRow]:
        return [
            r
            for r in self._rows.values()
            if id_part in r.request_id.lower() or (r.applicant_ref or "") in refs
        ]

    def subjects(
        self, batch: int = SCAN_BATCH, wanted: str | None = None
    ) -> Iterator[list[tuple[str, str]]]:
        rows = sorted(self._rows.values(), key=lambda r: r.request_id)
        for start in range(0, len(rows), batch):
            yield [(r.request_id, r.subject) for r in rows[start : start + batch]]

    def fill_signatures(self, texts: TextFile) -> int:
        return 0  # ``find`` opens every subject of a memory table

    def _of(self, agencies: Collection[str] | None) -> list[ViewRow]:
        return [r for r in self._rows.values() if agencies is None or r.agency in agencies]

    def touching(
        self, first: int, last: int, agencies: Collection[str] | None
    ) -> Iterator[RequestState]:
        for r in self._of(agencies):
            if r.touch_from <= last and (r.touch_until is None or r.touch_until >= first):
                yield r.folded()

    def count_year(
        self, tally: YearTally, first: int, last: int, agencies: Collection[str] | None
    ) -> None:
        tally.fed(self.touching(first, last, agencies))

    def carry_candidates(
        self, first: int, last: int, agencies: Collection[str] | None, years: range
    ) -> Iterator[CarryFacts]:
        return map(CarryFacts.of, self.touching(first, last, agencies))

    def open_rows(self, agency: str | None) -> list[ViewRow]:
        return [r for r in self._of(None if agency is None else {agency}) if not r.closed]

    def agencies(self) -> list[str]:
        return sorted({r.agency for r in self._rows.values()})

    def first_year(self, agency: str) -> int | None:
        return min((r.received_year for r in self._of({agency})), default=None)

    def late_count(self, year: int, agencies: Collection[str] | None) -> int:
        return sum(1 for r in self._of(agencies) if r.recorded_late and r.received_year <= year)

    def latest_effective(self) -> date | None:
        return max((r.last_effective for r in self._rows.values()), default=None)

    def put_new(self, rows: Iterable[ViewRow], texts: TextFile) -> None:
        for row in rows:
            self._rows[row.request_id] = row

    @contextmanager
    def transaction(self) -> Iterator[None]:
        rows, checkpoints = dict(self._rows), dict(self._checkpoints)
        try:
            yield
        except BaseException:
            self._rows, self._checkpoints = rows, checkpoints
            raise


class RequestProjection:
    """Keeps ``request_view`` equal to a replay of the log (``Store.projections``)."""

    name = REQUESTS
    watched: tuple[str, ...] = (CALENDAR_STREAM,)
    """Due dates follow the calendar: ``calendar`` asks its version in every append."""

    def __init__(self, table: ViewTable) -> None:
        self.table = table
        self._calendar: tuple[int, WorkingCalendar] | None = None

    def apply(self, store: Store, events: Sequence[StoredEvent]) -> None:
        """Bring the rows these events touch up to them, after catching up what was missed."""
        if not events:
            return
        last = events[-1].position
        # The rows first, then the checkpoint. In the usual case the append read the
        # checkpoint under its lock, at the position before these events: one write, no
        # answer awaited (PostgreSQL sends it with the COMMIT). Rows written before a
        # checkpoint found behind are refreshed again below (the same rows: each is a
        # function of its whole stream and the calendar).
        if store.checkpoint_seen(self.name) == events[0].position - 1:  # under the lock
            if not self._advance(store, events, (self.name, last)):
                self.table.set_checkpoint(self.name, last)
            return
        self._advance(store, events)
        if self.table.advance(self.name, events[0].position - 1, last):
            return
        done = self.table.checkpoint(self.name)  # behind, or never applied yet
        if last <= done:
            return
        if done < events[0].position - 1:
            self._refresh(store, _touched(store.read_all(after=done), store))
        self.table.set_checkpoint(self.name, last)

    def catch_up(self, store: Store) -> int:
        """Apply whatever the log holds beyond the checkpoint; the new checkpoint."""
        with self.table.transaction():
            head = store.last_position()
            done = self.table.checkpoint(self.name)
            if head > done:
                self._refresh(store, _touched(store.read_all(after=done), store))
                self.table.set_checkpoint(self.name, head)
        if head - done > ANALYZE_AFTER:  # a bulk catch-up (a restore): statistics for its
            refresh_statistics(store)  # rows, and the signatures of subjects it did not type
            self.table.fill_signatures(store.texts)
        return max(head, done)

    def rebuild(self, store: Store) -> int:
        """Recreate the table from the log alone (the log is the truth); the checkpoint.

        The request streams are read a page at a time (``request_streams``) and the rows
        written in batches with their subjects' signatures (``put_new``); a row left
        unsigned is signed afterwards (``fill_signatures``)."""
        with self.table.transaction():
            head = store.last_position()
            self.table.clear()
            cal = load_calendar(store)
            folded = (_folded(events[0].stream_id, events) for events in request_streams(store))
            rows = (view_row(state, cal) for state in folded if state is not None)
            self.table.put_new(rows, store.texts)
            self.table.set_checkpoint(self.name, head)
        self.table.fill_signatures(store.texts)
        return head

    def _advance(
        self,
        store: Store,
        events: Sequence[StoredEvent],
        checkpoint: tuple[str, int] | None = None,
    ) -> bool:
        """Apply the appended events to the rows they touch: each row read by its key and
        the events folded into the state it keeps, the stream read only when that cannot
        be done (no row at the version before, or a retraction, which re-folds it).

        ``checkpoint`` (given when the table is in step with the log) is written with the
        last row when that row is written by ``put``; True if it was."""
        if any(e.stream_id == CALENDAR_STREAM for e in events):
            self._refresh(store, store.stream_ids(REQUEST_PREFIX))
            return False
        streams: dict[str, list[StoredEvent]] = {}
        for e in events:
            if e.stream_id.startswith(REQUEST_PREFIX) and e.type.startswith(REQUEST_TYPES):
                streams.setdefault(e.stream_id, []).append(e)
        if not streams:
            return False
        cal = self.calendar(store)
        in_step = checkpoint is not None
        moved = False
        last = next(reversed(streams))
        for stream, mine in streams.items():
            folded = self._folded_on(store, mine, cal if in_step else None)
            if folded is None:
                self._refresh_one(store, stream, cal)
                continue
            state, before = folded
            if state.channel:
                with_row = checkpoint if stream == last else None
                self.table.put(view_row(state, cal), before, with_row)
                moved = with_row is not None
            else:
                self.table.delete(state.id)
        return moved

    def _folded_on(
        self, store: Store, events: list[StoredEvent], cal: WorkingCalendar | None
    ) -> tuple[RequestState, tuple[Any, ...] | None] | None:
        """The kept state with ``events`` applied, or None when the stream must be read;
        with it, given ``cal`` (the table in step with the log), the ``INDEXED`` values of
        the row stored before them (None when there is none or they are not known).

        A stream the store holds (the command read it, and the append found it unchanged
        under its lock) is folded from memory instead of reading the row: no round trip.
        """
        first = events[0]
        if any(e.type == RETRACTED for e in events):
            return None
        request_id = request_of(first.stream_id)
        held = store.held_stream(first.stream_id) if first.version > 1 else None
        before: tuple[Any, ...] | None = None
        if held is not None:
            folded = [e for e in held if e.type.startswith(REQUEST_TYPES)]
            mine = [e for e in held[: first.version - 1] if e.type.startswith(REQUEST_TYPES)]
            if not mine:  # nothing of the request before these events: no row either
                return quiet_fold(request_id, folded), None
            state = quiet_fold(request_id, mine)
            if cal is not None and state.channel:
                before = indexed_values(state, cal)
            events = folded[len(mine) :]
        elif first.version == 1:
            state = RequestState(request_id, first.agency)
        else:
            row = self.table.get(request_id)
            if row is None or row.version != first.version - 1:
                return None
            state = row.folded()
            before = INDEXED_VALUES(row) if cal is not None else None
        for e in events:
            apply(state, e, timeline=False)
        return state, before

    def calendar(self, store: Store) -> WorkingCalendar:
        """The working calendar, read again only when its stream has grown."""
        version = store.stream_version(CALENDAR_STREAM)
        if self._calendar is None or self._calendar[0] != version:
            self._calendar = (version, load_calendar(store))
        return self._calendar[1]

    def _refresh(self, store: Store, streams: Sequence[str]) -> None:
        if not streams:
            return
        cal = load_calendar(store)
        for stream in streams:
            self._refresh_one(store, stream, cal)

    def _refresh_one(self, store: Store, stream: str, cal: WorkingCalendar) -> None:
        """The row of one request folded from its whole stream (or no row)."""
        state = _folded(stream, store.read_stream(stream))
        if state is None:
            self.table.delete(request_of(stream))
        else:
            self.table.put(view_row(state, cal))


RETRACTED: Final = "request.step-retracted"


def _folded(stream: str, events: Iterable[StoredEvent]) -> RequestState | None:
    """A request's state from its whole stream's events (None: it has no row)."""
    return fold(request_of(stream), [e for e in events if e.type.startswith(REQUEST_TYPES)])


def _as_sqlite(values: Sequence[Any]) -> list[Any]:
    """A row's values with its dates as SQLite keeps them (ISO text)."""
    stored = list(values)
    for i in _DATE_AT:
        day = stored[i]
        if day is not None:
            stored[i] = day.isoformat()
    return stored


def request_streams(store: Store) -> Iterator[Sequence[StoredEvent]]:
    """Every request's stream, one at a time: read in a few large pages where the store
    can (``EventStore.read_prefix``), else each stream by itself."""
    if isinstance(store, EventStore):
        yield from store.read_prefix(REQUEST_PREFIX)
        return
    for stream in store.stream_ids(REQUEST_PREFIX):
        yield store.read_stream(stream)


def _touched(events: Iterable[StoredEvent], store: Store) -> list[str]:
    """The request streams to refresh: those named, or all of them after a calendar change."""
    streams: dict[str, None] = {}
    for event in events:
        if event.stream_id == CALENDAR_STREAM:
            return store.stream_ids(REQUEST_PREFIX)
        if event.stream_id.startswith(REQUEST_PREFIX):
            streams[event.stream_id] = None
    return list(streams)


def attach(store: Store, db: Database | None = None) -> RequestProjection:
    """Keep the request projection in ``store`` (its database's tables, else in memory)."""
    for existing in store.projections:
        if isinstance(existing, RequestProjection):
            return existing
    table: ViewTable = SqlViewTable(db, store.new_text) if db is not None else MemoryViewTable()
    projection = RequestProjection(table)
    store.projections.append(projection)
    return projection


def request_projection(store: Store) -> RequestProjection | None:
    """The request projection this store keeps, if any."""
    for existing in store.projections:
        if isinstance(existing, RequestProjection):
            return existing
    return None


def current_table(store: Store) -> ViewTable | None:
    """The request table, first caught up with the log; None when the store keeps no
    request projection, or it is behind and this role may not write it (a reporting
    role): the caller then replays the log."""
    projection = request_projection(store)
    if projection is None:
        return None
    if projection.table.checkpoint(projection.name) < store.last_position():
        try:
            projection.catch_up(store)
        except StoreUnavailable:
            return None
    return projection.table


def current_rows(store: Store, where: str = "", params: Sequence[Any] = ()) -> list[ViewRow] | None:
    """The request rows matching a condition (``current_table``), or None: replay."""
    table = current_table(store)
    return None if table is None else table.rows(where, params)


@dataclass(frozen=True, slots=True)
class ProjectionStatus:
    """One projection against the log: its checkpoint and the log's head."""

    name: str
    checkpoint: int
    head: int

    @property
    def behind(self) -> int:
        """How many positions of the log it has not applied yet."""
        return max(0, self.head - self.checkpoint)


def projection_status(store: Store) -> list[ProjectionStatus]:
    """Each projection the store keeps: its checkpoint against the log head."""
    head = store.last_position()
    return [
        ProjectionStatus(p.name, p.table.checkpoint(p.name), head)
        for p in store.projections
        if isinstance(p, RequestProjection)
    ]


def rebuild_projections(store: Store) -> list[ProjectionStatus]:
    """Recreate every projection from the log alone; their status afterwards."""
    for p in store.projections:
        if isinstance(p, RequestProjection):
            p.rebuild(store)
    refresh_statistics(store)
    settle_tables(store)  # a restore does it after its commit
    return projection_status(store)
