"""The append-only event store, one implementation for SQLite and PostgreSQL.

Appends are serialised: on SQLite by ``BEGIN IMMEDIATE``, on PostgreSQL by a
transaction-scoped advisory lock (``ledger.db.APPEND_LOCK``) taken before the head is
read. That lock is what makes positions gapless *in commit order*: without it, a
session could take position 11, commit after a session that took 12, and a follower
that had already read 12 would never see 11. The same serialisation lets every event
carry the hash of the one before it. An advisory lock needs no rights on the table, so a
desk role with INSERT and SELECT only can append.

The store talks to the drivers directly (``ledger.db.Database``): a desk command loads
no SQLAlchemy. An append is three statements inside its transaction: the lock, one query
for the head, every stream's version, the command id and the projections' checkpoints,
and the insert. That version query also checks the streams the projections watch (the
calendar), so the projections kept in the append's transaction fold the appended
streams this store read last (``STREAMS_KEPT``) and ask those versions without reading
again. On PostgreSQL the transaction is one pipeline (``Database.writing_from``): a desk
command's append waits for the server twice, for the head and for the commit.

The same query counts the streams of the prefixes a command's rules read (``StreamCount``:
an agency's closed years), so that a rule read before another desk's append, and no
longer true under the lock, refuses the append as a stale version does.
"""

from __future__ import annotations

import hmac
from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import islice
from threading import local
from typing import TYPE_CHECKING, Any, Final, NamedTuple, Protocol

from ledger.applicants import ApplicantFile, NewApplicant, SqlApplicants
from ledger.dates import utc_now
from ledger.db import Database
from ledger.errors import ConcurrencyError, InvalidInput, LogMoved, StreamsAdded
from ledger.events import codec
from ledger.events.chainkey import KEY_ENV, MARKER, ChainKey, appending_key
from ledger.events.types import Event, Payload, decode_event, event_class, upcast
from ledger.i18n import _
from ledger.texts import SqlTexts, TextFile, owner_of, split_texts

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

NO_STREAM: Final = 0
"""Expected version of a stream that must not exist yet (a new request, a year's close)."""
ANY: Final = -1
"""Expected version that checks nothing: office-wide streams where writers' order is free."""
READ_BATCH = 10_000
STREAMS_KEPT: Final = 16
"""Streams whose last read a store keeps (per thread) to answer its own append's readers.

A desk command reads its request's stream, then appends; the projection it keeps
(``Store.projections``) folds that stream again inside the append. The append's one
version query checks the streams it appends to (and those the projections watch), so a
kept read still at the version found under the lock is answered from memory, with
certainty, instead of by a round trip."""
ANALYZE_AFTER: Final = 1_000
"""A PostgreSQL append (or import, or rebuild) of more rows than this refreshes the
statistics of the tables it wrote (``ANALYZED``), so that the planner does not guess; an
append only if it is at least ``ANALYZE_SHARE`` of the log."""
ANALYZED: Final = ("events", "request_view", "texts", "text_keys", "applicants")
ANALYZE_SHARE: Final = 1.0
"""The part of the table (as its statistics last counted it) a bulk append must add to be
analysed at once: when it at least doubles the table, the planner's row estimates are off
by more than half. Smaller loads are left to autovacuum, which analyses a table once a
tenth of it changed (PostgreSQL's default): an analysis in the append costs a third of a
2,000-event batch on a small table (bench/README.md)."""

COLUMNS: Final = (
    "position", "stream_id", "version", "type", "schema_version", "data",
    "effective_date", "recorded_at", "actor", "agency", "command_id", "hash",
)  # fmt: skip
"""The columns of ``events`` as ``ledger.events.schema`` declares them (a test holds them equal)."""

COPY_FROM: Final = 64
"""A PostgreSQL append of at least this many rows loads them with ``COPY`` (a desk's
append of a few rows stays a prepared ``INSERT``)."""
_COPY: Final = f"COPY events ({', '.join(COLUMNS)}) FROM STDIN"
Row = tuple[Any, ...]
"""A row of ``events`` as ``SELECT`` reads it (the columns in ``COLUMNS`` order)."""

_NEXT_POSITION: Final = "SELECT min(position) FROM events WHERE position > ?"

# Payload and dates selected as text: decoded faster here than by the drivers.
SELECT: Final = (
    "SELECT position, stream_id, version, type, schema_version, CAST(data AS TEXT), "
    "CAST(effective_date AS TEXT), CAST(recorded_at AS TEXT), actor, agency, command_id, hash "
    "FROM events"
)


@dataclass(frozen=True, slots=True)
class NewEvent:
    """An event about to be appended, with the date it took effect."""

    event: Event
    effective: date


@dataclass(frozen=True, slots=True)
class StreamAppend:
    """Events for one stream, appended only if the stream is still at ``expected_version``.

    ``expected_version`` is the version the command read, ``NO_STREAM`` for a stream that
    must not exist yet, or ``ANY`` for office-wide streams where order among writers does
    not matter. It is a keyword so that no bare number stands for a rule.
    """

    stream_id: str
    events: Sequence[NewEvent]
    expected_version: int = field(kw_only=True)


@dataclass(frozen=True, slots=True)
class StreamCount:
    """An append's precondition: exactly ``count`` streams are named ``prefix`` followed by
    digits only (an agency's year streams: the years it closed).

    A rule that read such a list (no fact dated in a closed year) is true at the append
    only if no stream was added to it meanwhile; streams are never removed, so a count
    says as much as the list. ``Store.expecting`` makes a command's appends check it.
    """

    prefix: str
    count: int


@dataclass(frozen=True, slots=True)
class HeadAt:
    """An append's precondition: the log's last position is still ``position``, nothing
    was appended since a read that depends on every request of an agency (which of them
    were open at a year's end: ``close_year``), not on a few streams a version can name.
    """

    position: int


Expected = Callable[[], Iterable[StreamCount | HeadAt]]
"""What a command expects of the log at its append, read when it appends (its rules may
have read more by then)."""


class StoredEvent(NamedTuple):
    """An event as stored: its payload (upcast to the current version) and metadata.

    A named tuple rather than a frozen dataclass: replays build hundreds of thousands
    of them, and a frozen dataclass costs several times more to construct.
    """

    position: int
    stream_id: str
    version: int
    type: str
    schema_version: int
    data: Payload
    effective_date: date
    recorded_at: datetime
    actor: str
    agency: str
    command_id: str | None
    hash: str

    def event(self) -> Event:
        """The typed event, in the current shape of its type."""
        return decode_event(self.type, self.data)


@dataclass(frozen=True, slots=True)
class AppendResult:
    """What an append stored; ``replayed`` when the command id was already stored."""

    events: tuple[StoredEvent, ...]
    replayed: bool

    @property
    def last_position(self) -> int:
        return self.events[-1].position if self.events else 0


@dataclass(frozen=True, slots=True)
class ChainCheck:
    """The result of walking the hash chain."""

    verified: int
    broken_at: int | None
    reason: str | None
    keyed_from: int | None = None
    """Where the keyed part of the chain (``log.keyed``) begins, if the walk reached it."""
    unchecked: bool = False
    """The walk stopped at ``keyed_from`` for want of the key: the rest is unchecked."""


class Projection(Protocol):
    """A read model kept in the transaction of the events it comes from.

    A store calls ``apply`` with the events an append stored, inside that append's
    transaction (after the insert, so the store's reads already see them): the
    projection and the log are committed together or not at all.

    A projection may also name ``watched`` streams (a tuple of stream ids) whose version
    ``apply`` asks for: the append's version query reads them under its lock, so
    ``stream_version`` answers them inside the append without a read.
    """

    name: str

    def apply(self, store: Store, events: Sequence[StoredEvent]) -> None:
        """Bring the projection up to the last of ``events``."""
        ...


class Store(Protocol):
    """What commands and projections need of an event store, whatever keeps the log.

    ``EventStore`` keeps it in SQLite or PostgreSQL, ``MemoryStore`` in this process;
    both pass the same contract tests (``tests/store_contract.py``).
    """

    now: Callable[[], datetime]
    dialect: str
    projections: list[Projection]

    @property
    def applicants(self) -> ApplicantFile:
        """Applicants' personal data, written with the events that refer to them."""
        ...

    @property
    def texts(self) -> TextFile:
        """Free text taken out of the events (``ledger.texts``), written with them."""
        ...

    def append(
        self,
        stream_id: str,
        events: Sequence[NewEvent],
        *,
        expected_version: int,
        command_id: str | None = None,
        actor: str,
        agency: str,
        applicant: NewApplicant | None = None,
    ) -> AppendResult:
        """Append events to one stream, all or nothing."""
        ...

    def append_many(
        self,
        batches: Sequence[StreamAppend],
        command_id: str | None = None,
        *,
        actor: str,
        agency: str,
        applicant: NewApplicant | None = None,
    ) -> AppendResult:
        """Append to several streams at once, all or nothing."""
        ...

    def expecting(self, expected: Expected) -> AbstractContextManager[None]:
        """Inside it, this thread's appends also check ``expected()`` under their lock,
        and refuse (``StreamsAdded``, a ``ConcurrencyError``) when a count differs."""
        ...

    def events_of_command(self, command_id: str) -> tuple[StoredEvent, ...]:
        """The events an append with this command id stored (empty if none did)."""
        ...

    def read_stream(self, stream_id: str) -> list[StoredEvent]:
        """One stream's events in order."""
        ...

    def stream_version(self, stream_id: str) -> int:
        """The current version of a stream (0 if it has no events)."""
        ...

    def held_stream(self, stream_id: str) -> list[StoredEvent] | None:
        """Inside an append (its projections applying): the whole stream with the append's
        events, if this store knows it for certain without reading it; else None."""
        ...

    def checkpoint_seen(self, name: str) -> int | None:
        """Inside an append: a projection's checkpoint as the append read it under its
        lock, before the projection applied anything; None when this store did not read it."""
        ...

    def new_text(self, ref: str) -> str | None:
        """Inside an append (its projections applying): the text this append takes out of
        its events under ``ref``, if it is one of them; else None (``ledger.search``)."""
        ...

    def stream_ids(self, prefix: str) -> list[str]:
        """The ids of the streams that start with ``prefix``, sorted."""
        ...

    def highest_number(self, prefix: str) -> int:
        """The largest N among the streams named ``prefix`` followed by digits only (N
        with or without leading zeros, of any width); 0 when there is none."""
        ...

    def read_all(
        self,
        after: int = 0,
        *,
        recorded_until: datetime | None = None,
        types: Collection[str] | None = None,
        exclude_types: Collection[str] | None = None,
        batch: int = READ_BATCH,
    ) -> Iterator[StoredEvent]:
        """The log in global order after a position, optionally as known at a moment."""
        ...

    def last_position(self) -> int:
        """The position of the newest event (0 for an empty log)."""
        ...

    def verify_chain(self) -> ChainCheck:
        """Walk the whole log and recompute every hash and position."""
        ...


_EXPECTED = local()
"""Per thread: what each store's appends expect (``AppendsOne.expecting``), by store id."""


class AppendsOne(ABC):
    """``append`` for a store that has ``append_many``: one stream is a batch of one; and
    ``expecting``, the preconditions a command sets on its appends.

    Shared by every backend (SQL, memory, the import's scratch layer), so that the
    single-stream form cannot drift from the batch form the rules are checked in.
    """

    @contextmanager
    def expecting(self, expected: Expected) -> Iterator[None]:
        """Inside it, this thread's appends to this store also check ``expected()`` under
        their lock. Per thread, as a command runs in one; a nested one stands in for the
        outer until it ends."""
        by_store: dict[int, Expected] | None = getattr(_EXPECTED, "by_store", None)
        if by_store is None:
            by_store = _EXPECTED.by_store = {}
        outer = by_store.get(id(self))
        by_store[id(self)] = expected
        try:
            yield
        finally:
            if outer is None:
                del by_store[id(self)]
            else:
                by_store[id(self)] = outer

    def expected_now(self) -> tuple[list[StreamCount], int | None]:
        """What this thread's append must find (``expecting``): the counts, and the log's
        last position (``HeadAt``; None: any). Nothing outside ``expecting``."""
        by_store: dict[int, Expected] | None = getattr(_EXPECTED, "by_store", None)
        expected = None if by_store is None else by_store.get(id(self))
        if expected is None:
            return [], None
        found = list(expected())
        counts = [e for e in found if isinstance(e, StreamCount)]
        return counts, next((e.position for e in found if isinstance(e, HeadAt)), None)

    @abstractmethod
    def append_many(
        self,
        batches: Sequence[StreamAppend],
        command_id: str | None = None,
        *,
        actor: str,
        agency: str,
        applicant: NewApplicant | None = None,
    ) -> AppendResult:
        """Append to several streams at once, all or nothing."""

    def append(
        self,
        stream_id: str,
        events: Sequence[NewEvent],
        *,
        expected_version: int,
        command_id: str | None = None,
        actor: str,
        agency: str,
        applicant: NewApplicant | None = None,
    ) -> AppendResult:
        """Append events to one stream, all or nothing."""
        batch = StreamAppend(stream_id, events, expected_version=expected_version)
        return self.append_many(
            [batch], command_id, actor=actor, agency=agency, applicant=applicant
        )


class EventStore(AppendsOne):
    """Append to and read from the ``events`` table of one database."""

    def __init__(
        self,
        db: Database,
        now: Callable[[], datetime] = utc_now,
        chain_key: ChainKey | None = None,
    ) -> None:
        self.db = db
        self.now = now
        self.chain_key = chain_key
        self.dialect = db.dialect
        self._applicants = SqlApplicants(db)
        self._texts = SqlTexts(db)
        self._sqlite = db.dialect == "sqlite"
        self._insert = _insert_sql(db.dialect)
        self._preflight_sql: dict[tuple[bool, int], str] = {}
        """The preflight statements made so far, by (projections kept, prefixes counted)."""
        self.projections: list[Projection] = []
        self._local = local()

    @property
    def applicants(self) -> ApplicantFile:
        """The ``applicants`` table of the same database."""
        return self._applicants

    @property
    def texts(self) -> TextFile:
        """The ``texts`` table of the same database."""
        return self._texts

    @property
    def engine(self) -> Engine:
        """A SQLAlchemy engine on the same database (tools and tests; loads SQLAlchemy)."""
        return self.db.engine

    # -- appending -----------------------------------------------------------------

    def append_many(
        self,
        batches: Sequence[StreamAppend],
        command_id: str | None = None,
        *,
        actor: str,
        agency: str,
        applicant: NewApplicant | None = None,
    ) -> AppendResult:
        """Append to several streams in one transaction, all or nothing.

        A command id already stored returns what it stored then and writes nothing, so a
        desk that retries after a lost reply cannot record a step twice. ``applicant`` is
        a new applicant's personal data, written in the same transaction (outside the
        log, so that it can be erased), so neither is stored without the other. Every
        stream's version is checked by one query, whatever the number of streams.
        """
        check_batches(batches)
        batches, texts = split_texts(batches)
        stamp = Stamp(self.now(), command_id, actor, agency)
        streams = list(dict.fromkeys(b.stream_id for b in batches))
        kept = self._kept()
        watched = [w for p in self.projections for w in getattr(p, "watched", ())]
        checked = list(dict.fromkeys([*streams, *watched]))
        expected, expected_head = self.expected_now()
        try:
            bulk = sum(len(b.events) for b in batches) >= COPY_FROM
            first = self._preflight(checked, command_id, expected)
            with self.db.writing_from(first, pipelined=not bulk) as (conn, found):
                head, versions, seen, marker, self._local.checkpoints = _preflight_rows(found)
                if seen and command_id is not None:
                    return AppendResult(self._by_command(conn, command_id), replayed=True)
                check_counts(expected, _counts_found(found))
                check_head(expected_head, head[0])
                rows = number_rows(
                    batches,
                    head,
                    lambda batch: check_version(batch, versions.get(batch.stream_id, 0)),
                    stamp,
                    key=appending_key(marker, self.chain_key, starts_keying(batches)),
                    keyed=marker is not None,
                )
                stored = tuple(stored_from_row(r) for r in rows)
                held = self._local.held = _held(kept, checked, versions, stored)
                self._local.versions = _versions_after(checked, versions, stored)
                self._insert_rows(conn, rows)
                if applicant is not None:
                    self._applicants.insert(conn, applicant)
                fresh = [s for s in streams if versions.get(s, 0) == 0]
                self._texts.insert(conn, texts, [owner_of(s) for s in fresh])
                self._local.texts = {t.ref: t.body for t in texts}
                for projection in self.projections:
                    projection.apply(self, stored)
        except BaseException as exc:
            kept.clear()  # what it held may be what was rolled back
            if self.db.is_conflict(exc) and _on_events(exc):
                # Only reachable if the append lock were bypassed; say what it means.
                batch = batches[0]
                raise ConcurrencyError(batch.stream_id, batch.expected_version, -1) from None
            raise
        finally:
            self._local.held = self._local.versions = self._local.checkpoints = None
            self._local.texts = None
        for stream in checked:  # committed: what was held is the stream now
            if stream not in held:
                kept.pop(stream, None)
        for stream in dict.fromkeys(e.stream_id for e in stored):
            if stream in held:
                _keep(kept, stream, held[stream])
        if len(rows) > ANALYZE_AFTER and not self._sqlite:
            self._analyze(len(rows))
        return AppendResult(stored, replayed=False)

    def _kept(self) -> dict[str, tuple[StoredEvent, ...]]:
        """This thread's last reads of a few streams (``STREAMS_KEPT``), oldest first."""
        kept: dict[str, tuple[StoredEvent, ...]] | None = getattr(self._local, "kept", None)
        if kept is None:
            kept = self._local.kept = {}
        return kept

    def _preflight(
        self, streams: list[str], command_id: str | None, expected: Sequence[StreamCount]
    ) -> tuple[str, Any]:
        """The append's first read, run under the lock (``_preflight_rows`` reads it); with
        the checkpoints of the projections this store keeps, when it keeps any, and the
        counts of the prefixes ``expected``, when there are any."""
        params: list[Any] = [codec.dumps(streams) if self._sqlite else streams, command_id]
        if self.projections:
            kept = [p.name for p in self.projections]
            params.append(codec.dumps(kept) if self._sqlite else kept)
        for e in expected:
            low, high = prefix_range(e.prefix)
            if high is None:  # no year stream's prefix: a bug, never a person's input
                raise ValueError(f"stream prefix {e.prefix!r} has no upper bound")
            params += [e.prefix, low, high, len(e.prefix), len(e.prefix) + 1]
        shape = (bool(self.projections), len(expected))
        sql = self._preflight_sql.get(shape)
        if sql is None:
            sql = self._preflight_sql[shape] = _preflight_sql(self.dialect, *shape)
        return sql, tuple(params)

    def _insert_rows(self, conn: Any, rows: list[dict[str, Any]]) -> None:
        """Insert the numbered rows: one statement prepared by the driver, or on PostgreSQL
        a ``COPY`` for a bulk append (``COPY_FROM``), which loads rows several times faster."""
        if rows:
            self.insert_values(conn, self._params(rows))

    def insert_values(self, conn: Any, params: Sequence[Row]) -> None:
        """Insert rows of values in ``COLUMNS`` order, as ``SELECT`` reads them back from
        this database (``restore`` hands the rows of a backup over as they are). One row:
        the prepared ``INSERT``; on PostgreSQL ``COPY_FROM`` rows or more: a ``COPY``;
        else one ``executemany``."""
        if len(params) == 1:
            conn.execute(self._insert, params[0])
        elif len(params) >= COPY_FROM and not self._sqlite:
            with conn.cursor().copy(_COPY) as copy:
                for values in params:
                    copy.write_row(values)
        elif params:
            conn.cursor().executemany(self._insert, params)

    def _params(self, rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
        """The rows' values in column order, dates as SQLite keeps them there.

        The rows of one append share their ``recorded_at`` and mostly their effective
        date: each is spelt once, not once per row.
        """
        spelt: dict[Any, Any] = {}
        if self._sqlite:
            for r in rows:
                for value in (r["effective_date"], r["recorded_at"]):
                    if value not in spelt:
                        spelt[value] = (
                            value.isoformat(" ", "microseconds")
                            if isinstance(value, datetime)
                            else value.isoformat()
                        )
        as_stored = spelt.get if self._sqlite else _same
        return [
            (
                r["position"],
                r["stream_id"],
                r["version"],
                r["type"],
                r["schema_version"],
                r["data_text"],
                as_stored(r["effective_date"]),
                as_stored(r["recorded_at"]),
                r["actor"],
                r["agency"],
                r["command_id"],
                r["hash"],
            )
            for r in rows
        ]

    def _analyze(self, added: int | None = None) -> bool:
        """Fresh statistics after a bulk load, so the planner does not guess (PostgreSQL):
        the log and the tables written with it. A role that does not own a table gets a
        warning from the server, not an error; SQLite plans without statistics.

        After an append (``added`` rows) only when the load is a large part of the log
        (``ANALYZE_SHARE`` of the rows the statistics last counted, or the table was never
        analysed): a large log loaded in batches of a few thousand events is not analysed
        again after each of them. Whether it analysed."""
        if self._sqlite:
            return False
        with self.db.reading() as conn:
            if added is not None:
                counted = conn.execute(
                    "SELECT reltuples FROM pg_class WHERE oid = 'events'::regclass"
                ).fetchone()
                known = float(counted[0]) if counted and counted[0] is not None else -1.0
                if known > 0 and added < known * ANALYZE_SHARE:
                    return False
            conn.execute(f"ANALYZE {', '.join(ANALYZED)}")
        return True

    def _vacuum(self) -> bool:
        """``settle_tables``: ``VACUUM`` of the request table, PostgreSQL only, outside a
        transaction (its statistics were refreshed by the caller's ``refresh_statistics``)."""
        if self._sqlite or self.db.in_batch():
            return False
        with self.db.reading() as conn:
            conn.execute("VACUUM request_view")
        return True

    def _by_command(self, conn: Any, command_id: str) -> tuple[StoredEvent, ...]:
        """The events an earlier append with this command id stored."""
        query = self.db.sql(f"{SELECT} WHERE command_id = ? ORDER BY position")
        return tuple(_decode(r) for r in conn.execute(query, (command_id,)).fetchall())

    # -- reading -------------------------------------------------------------------

    def events_of_command(self, command_id: str) -> tuple[StoredEvent, ...]:
        """The events an append with this command id stored (empty if none did)."""
        rows = self.db.fetch(f"{SELECT} WHERE command_id = ? ORDER BY position", (command_id,))
        return tuple(_decode(r) for r in rows)

    def read_stream(self, stream_id: str) -> list[StoredEvent]:
        """One stream's events in order.

        Inside an append (its projections reading), a stream whose kept read the append
        checked against the stored version is answered from memory (``STREAMS_KEPT``).
        """
        held: dict[str, tuple[StoredEvent, ...]] | None = getattr(self._local, "held", None)
        if held is not None and stream_id in held:
            return list(held[stream_id])
        rows = self.db.fetch(f"{SELECT} WHERE stream_id = ? ORDER BY version", (stream_id,))
        events = [_decode(r) for r in rows]
        _keep(self._kept(), stream_id, events)
        return events

    def checkpoint_seen(self, name: str) -> int | None:
        """Inside an append: the projection's checkpoint, read by the append's version
        query under the lock (0 for a projection never applied)."""
        seen: dict[str, int] | None = getattr(self._local, "checkpoints", None)
        return None if seen is None else seen.get(name, 0)

    def new_text(self, ref: str) -> str | None:
        """Inside an append: one of the texts it writes (the signature of a new subject is
        computed from it, not by opening it again)."""
        texts: dict[str, str] | None = getattr(self._local, "texts", None)
        return None if texts is None else texts.get(ref)

    def held_stream(self, stream_id: str) -> list[StoredEvent] | None:
        """Inside an append: the stream as its kept read (checked under the lock) and the
        append's events make it, or None when it was not kept (``STREAMS_KEPT``)."""
        held: dict[str, tuple[StoredEvent, ...]] | None = getattr(self._local, "held", None)
        if held is None or stream_id not in held:
            return None
        return list(held[stream_id])

    def stream_version(self, stream_id: str) -> int:
        """The current version of a stream (0 if it has no events).

        Inside an append, a stream its version query checked under the lock (one the
        projections watch, one just read) is answered from that query.
        """
        versions: dict[str, int] | None = getattr(self._local, "versions", None)
        if versions is not None and stream_id in versions:
            return versions[stream_id]
        query = "SELECT max(version) FROM events WHERE stream_id = ?"
        return int(self.db.scalar(query, (stream_id,)) or 0)

    def stream_ids(self, prefix: str) -> list[str]:
        """The ids of the streams that start with ``prefix``.

        A range of the (stream, version) index on both databases, so the cost follows the
        streams found, not the log: ids compare by code point there (SQLite compares
        bytes; on PostgreSQL ``stream_id`` has the "C" collation, migration 0007, without
        which ``LIKE 'prefix%'`` is a full index scan). SQLite's LIKE ignores case and
        cannot use the index, hence a range rather than LIKE (``prefix_range``).
        """
        low, high = prefix_range(prefix)
        query = "SELECT DISTINCT stream_id FROM events WHERE stream_id >= ?"
        params: tuple[str, ...] = (low,)
        if high is not None:
            query, params = query + " AND stream_id < ?", (low, high)
        return sorted(str(r[0]) for r in self.db.fetch(query, params))

    def read_prefix(self, prefix: str, batch: int = READ_BATCH) -> Iterator[list[StoredEvent]]:
        """Every stream whose id starts with ``prefix``, one stream's events at a time (in
        id order, each in version order): pages of ``batch`` rows along the (stream,
        version) index, each starting after the last row of the one before, so that a
        rebuild reads its streams in a few large statements instead of one each, and
        holds one page and one stream."""
        low, high = prefix_range(prefix)
        bound = " AND stream_id < ?" if high is not None else ""
        query = (
            f"{SELECT} WHERE stream_id >= ?{bound} AND (stream_id, version) > (?, ?) "
            f"ORDER BY stream_id, version LIMIT {int(batch)}"
        )
        bounds = (low,) if high is None else (low, high)
        after: tuple[str, int] = (low, 0)
        stream: list[StoredEvent] = []
        while rows := self.db.fetch(query, (*bounds, *after)):
            for r in rows:
                if stream and stream[-1].stream_id != r[1]:
                    yield stream
                    stream = []
                stream.append(_decode(r))
            after = (rows[-1][1], rows[-1][2])
            if len(rows) < batch:
                break
        if stream:
            yield stream

    def highest_number(self, prefix: str) -> int:
        """One statement, answered in the database: the streams of the prefix's range of
        the (stream, version) index, one entry each (their first event), whose rest is
        digits; the largest number is the longest once leading zeros are cut, then the
        greatest (digits compare alike in every collation), so widths may differ."""
        low, high = prefix_range(prefix)
        digits = (
            "rest <> '' AND rest NOT GLOB '*[^0-9]*'"
            if self.db.dialect == "sqlite"
            else "rest ~ '^[0-9]+$'"
        )
        bound = " AND stream_id < ?" if high is not None else ""
        query = (
            "SELECT number FROM (SELECT ltrim(rest, '0') AS number FROM ("
            "SELECT substr(stream_id, ?) AS rest FROM events "
            f"WHERE stream_id >= ?{bound} AND version = 1) AS tails WHERE {digits}) AS found "
            "ORDER BY length(number) DESC, number DESC LIMIT 1"
        )
        params = (len(prefix) + 1, low) if high is None else (len(prefix) + 1, low, high)
        found = self.db.scalar(query, params)
        return int(found) if found else 0

    def read_all(
        self,
        after: int = 0,
        *,
        recorded_until: datetime | None = None,
        types: Collection[str] | None = None,
        exclude_types: Collection[str] | None = None,
        batch: int = READ_BATCH,
    ) -> Iterator[StoredEvent]:
        """The log in global order after a position, optionally as known at a moment.

        ``recorded_until`` gives the log as it stood then (for as-of reports): only the
        events recorded up to that moment.
        """
        rows = self._rows(
            after, recorded_until=recorded_until, types=types, exclude=exclude_types, batch=batch
        )
        return (_decode(r) for r in rows)

    def _rows(
        self,
        after: int,
        *,
        recorded_until: datetime | None = None,
        types: Collection[str] | None = None,
        exclude: Collection[str] | None = None,
        batch: int = READ_BATCH,
    ) -> Iterator[Any]:
        """Raw rows in global order, a window of positions at a time.

        Each page is ``position > a AND position <= a + batch``: a range of the primary
        key, read through its index whatever the table's statistics say (positions are
        gapless), and no page holds a lock while the caller works. The next page starts
        after what this one is sure to have seen: every position up to the head read
        before it (appends commit in position order), and up to the last row it returned.
        A page reaching past that head may have missed an event committing meanwhile.
        """
        query, extra = self._page_query(recorded_until, types, exclude)
        head = self.last_position()
        while after < head:
            upper = after + batch
            rows = self.db.fetch(query, (after, upper, *extra))
            yield from rows
            after = max(min(upper, head), int(rows[-1][0]) if rows else after)
            if not rows:  # skip a hole at once (only a tampered log has one)
                following = self.db.scalar(_NEXT_POSITION, (after,))
                after = max(after, int(following or 0) - 1)
            if after >= head:
                head = self.last_position()

    def _page_query(
        self,
        recorded_until: datetime | None,
        types: Collection[str] | None,
        exclude: Collection[str] | None,
    ) -> tuple[str, list[Any]]:
        """The page statement and its parameters after the two bounds."""
        where = ["position > ?", "position <= ?"]
        extra: list[Any] = []
        if recorded_until is not None:
            where.append("recorded_at <= ?")
            extra.append(
                recorded_until.isoformat(" ", "microseconds") if self._sqlite else recorded_until
            )
        if types is not None:
            where.append(self._in("type", negate=False))
            extra.append(self._list(types))
        if exclude:
            where.append(self._in("type", negate=True))
            extra.append(self._list(exclude))
        return f"{SELECT} WHERE {' AND '.join(where)} ORDER BY position", extra

    def _in(self, column: str, *, negate: bool) -> str:
        """``column`` in (or not in) a list passed as one parameter."""
        if self._sqlite:
            return f"{column} {'NOT IN' if negate else 'IN'} (SELECT value FROM json_each(?))"
        return f"{column} <> ALL(?)" if negate else f"{column} = ANY(?)"

    def _list(self, values: Collection[str]) -> Any:
        return codec.dumps(list(values)) if self._sqlite else list(values)

    def last_position(self) -> int:
        """The position of the newest event (0 for an empty log)."""
        return int(self.db.scalar("SELECT max(position) FROM events") or 0)

    # -- checking ------------------------------------------------------------------

    def verify_chain(self) -> ChainCheck:
        """Walk the whole log and recompute every hash and position."""
        rows = ((r[0], raw_fields(r), r[11]) for r in self._rows(0))
        return chain_breaks(rows, self.chain_key)

    def read_as_stored(self, after: int = 0) -> Iterator[StoredEvent]:
        """The log in global order with payloads as stored (not upcast): what the hashes
        cover, for a pass that checks the chain and reads the events at once."""
        return (_decode(r, upcasting=False) for r in self.read_rows(after))

    def read_rows(self, after: int = 0) -> Iterator[Row]:
        """The log in global order as selected (``SELECT``: payload and dates as text), a
        page of ``READ_BATCH`` rows at a time: for ``verify``, which hashes every row but
        decodes only the ones it audits (``stored_event``)."""
        return self._rows(after, batch=READ_BATCH)


def refresh_statistics(store: Store, added: int | None = None) -> bool:
    """After a bulk load (an import, a projection rebuild): fresh PostgreSQL statistics,
    before autovacuum gets to it (with ``added``: only if those rows are a large part of
    the log). A store without a database has none to refresh. Whether it refreshed."""
    return isinstance(store, EventStore) and store._analyze(added)


def settle_tables(store: Store) -> bool:
    """After a bulk write has committed (a restore, a rebuild of the projections, both of
    which have just refreshed the statistics): the request table vacuumed on PostgreSQL,
    so that its pages are marked all-visible and a year's rows are read from
    ``ix_request_view_year`` alone (an index-only scan; the report's read at 100,000
    requests took half the time). A server
    running autovacuum does this in time on its own; after a bulk load it has not yet, and
    some servers run without it. Not inside a transaction (``VACUUM`` cannot run there);
    a role that does not own the table gets the server's warning. Whether it ran."""
    return isinstance(store, EventStore) and store._vacuum()


def numbered(ids: Iterable[str], prefix: str) -> Iterator[int]:
    """The numbers of the ids named ``prefix`` followed by ASCII digits only: the one rule
    of a numbered stream (an agency's year streams, its request ids) that ``StreamCount``
    counts and ``highest_number`` takes the largest of, in SQL as here."""
    for i in ids:
        rest = i[len(prefix) :]
        if i.startswith(prefix) and rest.isascii() and rest.isdigit():
            yield int(rest)


def highest_of(ids: Iterable[str], prefix: str) -> int:
    """``Store.highest_number`` over ids already listed (the stores kept in memory)."""
    return max(numbered(ids, prefix), default=0)


def prefix_range(prefix: str) -> tuple[str, str | None]:
    """The strings that start with ``prefix``, as a range in code-point order: from the
    prefix itself up to (not including) the prefix with its last character raised by one.
    Exact for any string, unlike a bound made of a "largest" character. None: no upper
    bound (an empty prefix, or one made of U+10FFFF only). A surrogate, which no UTF-8
    database stores, is stepped over."""
    for cut in range(len(prefix) - 1, -1, -1):
        code = ord(prefix[cut]) + 1
        if code <= 0x10FFFF:
            if 0xD800 <= code <= 0xDFFF:
                code = 0xE000
            return prefix, prefix[:cut] + chr(code)
    return prefix, None


def _same(value: Any) -> Any:
    return value


def _insert_sql(dialect: str) -> str:
    """The INSERT of one event, the payload given as canonical JSON text."""
    data = "?" if dialect == "sqlite" else "CAST(? AS jsonb)"
    values = ", ".join(data if c == "data" else "?" for c in COLUMNS)
    text = f"INSERT INTO events ({', '.join(COLUMNS)}) VALUES ({values})"
    return text if dialect == "sqlite" else text.replace("?", "%s")


def _preflight_sql(dialect: str, checkpoints: bool, counted: int = 0) -> str:
    """One query for the head (``h``), the streams' versions (``v``), the command (``c``),
    the keyed chain's marker (``k``: its position and key fingerprint; by the type index),
    with ``checkpoints``, the projections' checkpoints (``p``) and, for each of ``counted``
    prefixes, the number of streams named it and digits (``n``: ``StreamCount``)."""
    streams = "IN (SELECT value FROM json_each(?))" if dialect == "sqlite" else "= ANY(?)"
    fingerprint = (
        "json_extract(data, '$.fingerprint')" if dialect == "sqlite" else "data->>'fingerprint'"
    )
    text = (
        "SELECT 'h' AS kind, CAST(NULL AS TEXT) AS stream, position AS number, hash FROM "
        "(SELECT position, hash FROM events ORDER BY position DESC LIMIT 1) AS head "
        f"UNION ALL SELECT 'v', stream_id, max(version), NULL FROM events "
        f"WHERE stream_id {streams} GROUP BY stream_id "
        "UNION ALL SELECT 'c', NULL, count(*), NULL FROM events WHERE command_id = ? "
        f"UNION ALL SELECT 'k', {fingerprint}, position, NULL FROM "
        f"(SELECT position, data FROM events WHERE type = '{MARKER}' "
        "ORDER BY position LIMIT 1) AS keyed"
    )
    if checkpoints:
        text += (
            " UNION ALL SELECT 'p', name, position, NULL FROM projection_checkpoints "
            f"WHERE name {streams}"
        )
    text += f" UNION ALL {_COUNTED[dialect]}" * counted
    return text if dialect == "sqlite" else text.replace("?", "%s")


_COUNTED: Final = {
    "sqlite": (
        "SELECT 'n', ?, count(*), NULL FROM events WHERE stream_id >= ? AND stream_id < ? "
        "AND version = 1 AND length(stream_id) > ? AND substr(stream_id, ?) NOT GLOB '*[^0-9]*'"
    ),
    "postgresql": (
        "SELECT 'n', CAST(? AS text), count(*), NULL FROM events WHERE stream_id >= ? "
        "AND stream_id < ? AND version = 1 AND length(stream_id) > CAST(? AS integer) "
        "AND substr(stream_id, CAST(? AS integer)) ~ '^[0-9]+$'"
    ),
}
"""An ``n`` row of the preflight: the prefix, and the streams of its range (``prefix_range``)
whose rest is digits, one row each (their first event), by the (stream, version) index.
Parameters: the prefix, the range's bounds, the prefix's length and that plus one."""


# -- streams kept for an append's readers -------------------------------------------------


def _keep(
    kept: dict[str, tuple[StoredEvent, ...]], stream_id: str, events: Sequence[StoredEvent]
) -> None:
    """Remember a stream as read, if it is whole (versions 1…n), dropping the oldest."""
    kept.pop(stream_id, None)
    if events and events[-1].version != len(events):
        return  # not versions 1…n (a tampered log): never answered from memory
    kept[stream_id] = tuple(events)
    while len(kept) > STREAMS_KEPT:
        del kept[next(iter(kept))]


def _preflight_rows(
    found: list[Any],
) -> tuple[tuple[int, str], dict[str, int], bool, tuple[int, str] | None, dict[str, int]]:
    """The preflight's rows: the head (position, hash), each stream's version, whether the
    command id is stored, the ``log.keyed`` marker (position, key fingerprint) if any, and
    the projections' checkpoints."""
    head, versions, seen, marker = (0, codec.GENESIS), {}, False, None
    checkpoints: dict[str, int] = {}
    for kind, stream, number, digest in found:
        if kind == "h":
            head = (int(number), str(digest))
        elif kind == "v":
            versions[str(stream)] = int(number)
        elif kind == "k":
            marker = (int(number), str(stream))
        elif kind == "p":
            checkpoints[str(stream)] = int(number)
        elif kind == "c":
            seen = int(number) > 0
    return head, versions, seen, marker, checkpoints


def _counts_found(found: list[Any]) -> dict[str, int]:
    """The preflight's ``n`` rows: the streams found under each prefix expected."""
    return {str(stream): int(number) for kind, stream, number, _ in found if kind == "n"}


def _on_events(exc: BaseException) -> bool:
    """A unique-key refusal of the ``events`` table (not of a projection's or a text's)."""
    table = getattr(getattr(exc, "diag", None), "table_name", None)
    if table is not None:
        return bool(table == "events")
    return "events." in str(exc)  # SQLite: "UNIQUE constraint failed: events.stream_id, …"


def _versions_after(
    checked: list[str], versions: dict[str, int], stored: Sequence[StoredEvent]
) -> dict[str, int]:
    """Each checked stream's version once the append's events are in (found under the lock)."""
    after = {stream: versions.get(stream, 0) for stream in checked}
    for event in stored:
        if event.stream_id in after:
            after[event.stream_id] = max(after[event.stream_id], event.version)
    return after


def _held(
    kept: dict[str, tuple[StoredEvent, ...]],
    checked: list[str],
    versions: dict[str, int],
    stored: Sequence[StoredEvent],
) -> dict[str, tuple[StoredEvent, ...]]:
    """The streams an append's readers get from memory: each kept read of a stream the
    append checked, still at the version it found (under its lock), and every stream it
    starts, with the events it stored."""
    held = {
        stream: kept[stream]
        for stream in checked
        if stream in kept and versions.get(stream, 0) == len(kept[stream])
    }
    appended: dict[str, list[StoredEvent]] = {}
    for event in stored:
        appended.setdefault(event.stream_id, []).append(event)
    for stream, events in appended.items():
        if stream in held or versions.get(stream, 0) == 0:
            held[stream] = (*held.get(stream, ()), *events)
    return held


# -- rows (shared with ``ledger.events.memory``, so both number and hash alike) ------------


@dataclass(frozen=True, slots=True)
class Stamp:
    """What every event of one append shares: when, under which command, by whom."""

    recorded_at: datetime
    command_id: str | None
    actor: str
    agency: str


def check_version(batch: StreamAppend, current: int) -> int:
    """The stream's current version, refusing a stale expectation."""
    if batch.expected_version not in (ANY, current):
        raise ConcurrencyError(batch.stream_id, batch.expected_version, current)
    return current


def check_counts(expected: Sequence[StreamCount], found: Mapping[str, int]) -> None:
    """Refuse an append whose command read a list of streams that has grown since (another
    desk closed a year): the command runs again and reads it afresh (``exactly_once``)."""
    for e in expected:
        count = found.get(e.prefix, 0)
        if count != e.count:
            raise StreamsAdded(e.prefix, e.count, count)


def check_head(expected: int | None, position: int) -> None:
    """Refuse an append whose command read the state of the whole log at ``expected`` when
    it is now at ``position``: another desk recorded meanwhile (``HeadAt``)."""
    if expected is not None and position != expected:
        raise LogMoved(expected, position)


def count_numbered(ids: Iterable[str], prefix: str) -> int:
    """``StreamCount`` over ids already listed (the stores kept in memory)."""
    return sum(1 for _number in numbered(ids, prefix))


def number_rows(
    batches: Sequence[StreamAppend],
    head: tuple[int, str],
    version_of: Callable[[StreamAppend], int],
    stamp: Stamp,
    *,
    key: bytes | None = None,
    keyed: bool = False,
) -> list[dict[str, Any]]:
    """Number, timestamp and hash the new events after ``head`` (position, hash).

    ``version_of`` gives a stream's stored version and refuses a stale expectation; it
    is called under the append lock, once per stream. A stream named again later in the
    same append continues from the batch before it, checked against that version.
    ``key`` is the secret ``appending_key`` gives: events are hashed with it once the log
    is ``keyed`` (it has the ``log.keyed`` marker) or from the marker in this append on.
    """
    secret = key if keyed else None
    position, previous = head
    rows: list[dict[str, Any]] = []
    versions: dict[str, int] = {}
    tails: dict[date, bytes] = {}  # the hashed metadata after the payload, per date
    for batch in batches:
        stream_id = batch.stream_id
        seen = versions.get(stream_id)
        version = version_of(batch) if seen is None else check_version(batch, seen)
        versions[stream_id] = version + len(batch.events)
        for new in batch.events:
            position += 1
            version += 1
            event, effective = new.event, new.effective
            payload = event.payload()
            dumped = codec.dump_bytes(payload)
            tail = tails.get(effective)
            if tail is None:
                tail = tails[effective] = codec.hash_tail(
                    effective, stamp.recorded_at, stamp.actor, stamp.agency, stamp.command_id
                )
            if event.type == MARKER:
                secret = key
            head_fields = (position, stream_id, version, event.type, event.version)
            previous = codec.chain_hash_dumped(previous, head_fields, dumped, tail, secret)
            rows.append({
                "position": position, "stream_id": stream_id, "version": version,
                "type": event.type, "schema_version": event.version, "data": payload,
                "data_text": dumped.decode(), "effective_date": effective,
                "recorded_at": stamp.recorded_at, "actor": stamp.actor, "agency": stamp.agency,
                "command_id": stamp.command_id, "hash": previous,
            })  # fmt: skip
    return rows


def starts_keying(batches: Sequence[StreamAppend]) -> bool:
    """Whether this append holds the ``log.keyed`` marker."""
    return any(new.event.type == MARKER for batch in batches for new in batch.events)


def check_batches(batches: Sequence[StreamAppend]) -> None:
    """Refuse anything that is not an instance of a registered event type."""
    for batch in batches:
        if not batch.stream_id or len(batch.stream_id) > 200:
            raise InvalidInput(
                _("stream id {stream!r} must be 1–200 characters").format(stream=batch.stream_id)
            )
        for new in batch.events:
            if event_class(new.event.type) is not type(new.event):
                raise InvalidInput(
                    _("event type {type!r} is not registered").format(type=new.event.type)
                )


def _hash_fields(row: dict[str, Any]) -> dict[str, Any]:
    """The values the hash covers, named as ``codec.chain_hash`` takes them."""
    return {
        "position": row["position"],
        "stream_id": row["stream_id"],
        "version": row["version"],
        "type_name": row["type"],
        "schema_version": row["schema_version"],
        "data": row["data"],
        "effective_date": row["effective_date"],
        "recorded_at": row["recorded_at"],
        "actor": row["actor"],
        "agency": row["agency"],
        "command_id": row["command_id"],
    }


def raw_fields(r: Any) -> dict[str, Any]:
    """A selected row as the values its hash was computed from (payload as stored)."""
    stored = _decode(r, upcasting=False)
    return stored._asdict()


class ChainWalk:
    """The hash chain checked one event at a time, so that one pass over the log can
    check it and do other work with the same rows (``projections/log.py: verify_log``).

    Without the key, the walk stops checking at the ``log.keyed`` marker (``unchecked``)
    but still says True, so the caller's other work goes on to the end.
    """

    def __init__(self, key: ChainKey | None = None) -> None:
        self.previous, self.expected, self.count = codec.GENESIS, 1, 0
        self.key = key
        self.secret: bytes | None = None
        self.keyed_from: int | None = None
        self.broken: ChainCheck | None = None
        self.canonical = True
        """Whether the stored payload texts are hashed as they are (``step_row``)."""

    def step(self, event: StoredEvent) -> bool:
        """Check the next event as stored (payload not upcast); False at the first break."""
        return self.step_fields(event.position, event._asdict(), event.hash)

    def step_row(self, row: Row, data: Payload | None = None) -> bool:
        """Check the next row as selected (``EventStore.read_rows``); False at the first
        break. ``data`` is its payload decoded (not upcast), if the caller has it.

        The hash is taken from the row's texts (``codec.row_chain_hash``): the stored
        payload text while ``canonical`` holds, else ``data``. A row that does not match
        that way is judged by ``step_fields``, as ``step`` judges it, so the verdicts and
        their reasons are the same; one that matches there after all shows the texts are
        not canonical (``jsonb``), and ``canonical`` is dropped for the rest of the walk.
        """
        if self.broken is not None or self.unchecked:
            return self.broken is None
        position, stored_hash = row[0], row[11]
        marker = row[3] == MARKER and self.secret is None
        fast = self.canonical or data is not None
        if fast and position == self.expected and not marker:
            text = None if self.canonical else data
            if codec.row_chain_hash(self.previous, row, text, self.secret) == stored_hash:
                self.previous, self.expected = stored_hash, position + 1
                self.count += 1
                return True
        if data is None:
            data = codec.loads(row[5])
        ok = self.step_fields(position, stored_event(row, data, upcasting=False)._asdict(),
                              stored_hash)  # fmt: skip
        if ok and fast and not marker:
            self.canonical = False
        return ok

    def step_fields(self, position: int, fields: dict[str, Any], stored_hash: str) -> bool:
        """Check (position, hashed values, stored hash); False at the first break."""
        if self.broken is not None or self.unchecked:
            return self.broken is None
        if position != self.expected:
            self.broken = ChainCheck(
                self.count,
                self.expected,
                _("position {position} is missing").format(position=self.expected),
            )
            return False
        if fields["type"] == MARKER and self.secret is None:
            self.keyed_from = position
            entered = enter_keyed(position, fields, self.key, self.count)
            if isinstance(entered, ChainCheck):
                self.broken = entered if entered.broken_at is not None else None
                return self.broken is None
            self.secret = entered
        if codec.chain_hash(self.previous, **_hash_fields(fields), key=self.secret) != stored_hash:
            self.broken = ChainCheck(self.count, position, _("hash does not match its contents"))
        else:
            self.previous, self.expected = stored_hash, self.expected + 1
            self.count += 1
        return self.broken is None

    @property
    def unchecked(self) -> bool:
        """The walk reached the keyed part without the key."""
        return self.keyed_from is not None and self.secret is None and self.broken is None

    def result(self) -> ChainCheck:
        """The first break, or the number of events verified (and where checking stopped)."""
        return self.broken or ChainCheck(
            self.count, None, None, keyed_from=self.keyed_from, unchecked=self.unchecked
        )


def enter_keyed(
    position: int, fields: dict[str, Any], key: ChainKey | None, count: int
) -> bytes | ChainCheck:
    """At the ``log.keyed`` marker: the secret to check the rest with, or why the walk
    stops here — no key (unchecked, not broken) or another key than the one recorded."""
    if key is None:
        return ChainCheck(count, None, None, keyed_from=position, unchecked=True)
    recorded = str(fields["data"].get("fingerprint", ""))
    if not hmac.compare_digest(recorded, key.fingerprint):
        return ChainCheck(
            count,
            position,
            _(
                "wrong key: {variable} has fingerprint {given}, the chain was keyed here "
                "with {recorded}"
            ).format(variable=KEY_ENV, given=key.fingerprint, recorded=recorded),
            keyed_from=position,
        )
    return key.secret


def chain_breaks(
    rows: Iterator[tuple[int, dict[str, Any], str]], key: ChainKey | None = None
) -> ChainCheck:
    """Walk (position, hashed values, stored hash) in order and name the first break.

    The reason says what kind of change the break looks like (``diagnose``); the rows after
    a break are read only as far as that needs. In the keyed part, a hash that is right
    without the key is a forgery by someone who does not hold it.
    """
    before, previous, expected, count = codec.GENESIS, codec.GENESIS, 1, 0
    secret: bytes | None = None
    keyed_from: int | None = None
    for position, fields, stored_hash in rows:
        if position != expected:
            deleted = _("deleted: position {position} is missing").format(position=expected)
            return ChainCheck(count, expected, deleted, keyed_from)
        if fields["type"] == MARKER and secret is None:
            keyed_from = position
            entered = enter_keyed(position, fields, key, count)
            if isinstance(entered, ChainCheck):
                return entered
            secret = entered
        if codec.chain_hash(previous, **_hash_fields(fields), key=secret) != stored_hash:
            return _break(rows, (before, previous), (fields, stored_hash), count, secret)
        before, previous, expected, count = previous, stored_hash, expected + 1, count + 1
    return ChainCheck(count, None, None, keyed_from=keyed_from)


def _break(
    rows: Iterator[tuple[int, dict[str, Any], str]],
    hashes: tuple[str, str],
    broken: tuple[dict[str, Any], str],
    count: int,
    secret: bytes | None,
) -> ChainCheck:
    """The first break named: forged without the key, inserted, or what ``diagnose`` finds."""
    (before, previous), (fields, stored_hash) = hashes, broken
    position = fields["position"]
    if secret is not None and codec.chain_hash(previous, **_hash_fields(fields)) == stored_hash:
        forged = _("forged: the hash was computed without the chain key (plain SHA-256)")
        return ChainCheck(count, position, forged)
    if position > 1 and _hash_at(before, fields, position - 1, secret) == stored_hash:
        inserted = _("inserted: the event at {moved} was put in before the one now at {at}")
        return ChainCheck(count - 1, position - 1, inserted.format(moved=position - 1, at=position))
    after = list(islice(rows, DIAGNOSE_WINDOW))
    return ChainCheck(count, position, diagnose(previous, broken, after, secret))


DIAGNOSE_WINDOW: Final = 1_000
"""How many events after a break ``diagnose`` looks at to tell a swap from an insertion."""


def _hash_at(previous: str, fields: dict[str, Any], position: int, secret: bytes | None) -> str:
    """The hash these values would have at another position."""
    return codec.chain_hash(previous, **{**_hash_fields(fields), "position": position}, key=secret)


def diagnose(
    previous: str,
    broken: tuple[dict[str, Any], str],
    after: Sequence[tuple[int, dict[str, Any], str]],
    secret: bytes | None = None,
) -> str:
    """What kind of change makes this event's hash wrong, judged from the events after it.

    The next event still chained to the stored hash: this one's contents were altered. A
    later event whose hash fits *here*: it was moved — from right behind, with this event
    fitting its place, a swap; from right behind otherwise, an event inserted before it;
    from further on, a reordering.
    """
    fields, stored = broken
    position = fields["position"]
    if after and after[0][0] == position + 1:
        _next, next_fields, next_hash = after[0]
        if codec.chain_hash(stored, **_hash_fields(next_fields), key=secret) == next_hash:
            return _("altered contents: the hash does not match the stored event")
    for _moved, later, later_hash in after:
        if _hash_at(previous, later, position, secret) == later_hash:
            moved = later["position"]
            if moved == position + 1 and _hash_at(later_hash, fields, moved, secret) == stored:
                swapped = _("swapped: the events at {position} and {moved} changed places")
                return swapped.format(position=position, moved=moved)
            if moved == position + 1:
                inserted = _("inserted: an event was put in before the one now at {moved}")
                return inserted.format(moved=moved)
            reordered = _("reordered: the event now at {moved} belongs at {position}")
            return reordered.format(moved=moved, position=position)
    if not after:
        return _("altered contents: the hash of the last event does not match it")
    return _("altered contents: the hash does not match and the chain after it was recomputed")


def stored_from_row(row: dict[str, Any]) -> StoredEvent:
    """The stored event for a row just inserted."""
    return StoredEvent(
        row["position"],
        row["stream_id"],
        row["version"],
        row["type"],
        row["schema_version"],
        upcast(row["type"], row["schema_version"], row["data"]),
        row["effective_date"],
        row["recorded_at"],
        row["actor"],
        row["agency"],
        row["command_id"],
        row["hash"],
    )


def _decode(r: Any, upcasting: bool = True) -> StoredEvent:
    """A StoredEvent from a selected row."""
    return stored_event(r, codec.loads(r[5]), upcasting=upcasting)


def stored_event(r: Row, data: Payload, *, upcasting: bool = True) -> StoredEvent:
    """The StoredEvent of a selected row whose payload ``data`` is decoded already."""
    return StoredEvent(
        r[0],
        r[1],
        r[2],
        r[3],
        r[4],
        upcast(r[3], r[4], data) if upcasting else data,
        date.fromisoformat(r[6]),
        datetime.fromisoformat(r[7]),
        r[8],
        r[9],
        r[10],
        r[11],
    )
