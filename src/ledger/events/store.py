"""The append-only event store, one implementation for SQLite and PostgreSQL.

Appends are serialised: on SQLite by ``BEGIN IMMEDIATE``, on PostgreSQL by an EXCLUSIVE
table lock taken before the next position is read. That lock is what makes positions
gapless *in commit order*: without it, a session could take position 11, commit after a
session that took 12, and a follower that had already read 12 would never see 11. The
same serialisation lets every event carry the hash of the one before it.

The hot paths (appending batches, replaying the log) use SQLAlchemy Core statements and
plain tuples; ORM objects are never used to replay (DESIGN.md measured them ~20× slower).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Final, NamedTuple, Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, IntegrityError

from ledger.applicants import APPLICANTS, ApplicantFile, NewApplicant, SqlApplicants
from ledger.dates import utc_now
from ledger.db import WRITE, unavailable
from ledger.errors import ConcurrencyError, InvalidInput
from ledger.events import codec
from ledger.events.types import Event, Payload, decode_event, event_class, upcast

NO_STREAM: Final = 0
"""Expected version of a stream that must not exist yet (a new request, a year's close)."""
ANY: Final = -1
"""Expected version that checks nothing: office-wide streams where writers' order is free."""
READ_BATCH = 10_000

# The statement-building view of the ``events`` table that SQLModel declares in
# ``ledger.events.schema``: the same columns and types (a test holds them equal), without
# importing SQLModel and the ORM, which would cost a desk command ~0.15 s of start-up.
EVENTS = sa.table(
    "events",
    sa.column("position", sa.BigInteger),
    sa.column("stream_id", sa.String),
    sa.column("version", sa.Integer),
    sa.column("type", sa.String),
    sa.column("schema_version", sa.Integer),
    sa.column("data", sa.JSON),
    sa.column("effective_date", sa.Date),
    sa.column("recorded_at", sa.DateTime),
    sa.column("actor", sa.String),
    sa.column("agency", sa.String),
    sa.column("command_id", sa.String),
    sa.column("hash", sa.String),
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


class Store(Protocol):
    """What commands and projections need of an event store, whatever keeps the log.

    ``EventStore`` keeps it in SQLite or PostgreSQL, ``MemoryStore`` in this process;
    both pass the same contract tests (``tests/store_contract.py``).
    """

    now: Callable[[], datetime]
    dialect: str

    @property
    def applicants(self) -> ApplicantFile:
        """Applicants' personal data, written with the events that refer to them."""
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

    def events_of_command(self, command_id: str) -> tuple[StoredEvent, ...]:
        """The events an append with this command id stored (empty if none did)."""
        ...

    def read_stream(self, stream_id: str) -> list[StoredEvent]:
        """One stream's events in order."""
        ...

    def stream_version(self, stream_id: str) -> int:
        """The current version of a stream (0 if it has no events)."""
        ...

    def stream_ids(self, prefix: str) -> list[str]:
        """The ids of the streams that start with ``prefix``, sorted."""
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


class EventStore:
    """Append to and read from the ``events`` table of one database."""

    def __init__(self, engine: Engine, now: Callable[[], datetime] = utc_now) -> None:
        self.engine = engine
        self.now = now
        self.dialect = engine.dialect.name
        self._applicants = SqlApplicants(engine)

    @property
    def applicants(self) -> ApplicantFile:
        """The ``applicants`` table of the same database."""
        return self._applicants

    # -- appending -----------------------------------------------------------------

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
        log, so that it can be erased), so neither is stored without the other.
        """
        check_batches(batches)
        with self._writing() as conn:
            if command_id is not None:
                stored = self._by_command(conn, command_id)
                if stored:
                    return AppendResult(stored, replayed=True)
            rows = number_rows(
                batches,
                self._head(conn),
                lambda batch: self._check_version(conn, batch),
                Stamp(self.now(), command_id, actor, agency),
            )
            if rows:
                try:
                    conn.execute(self._insert_statement(), rows)
                except IntegrityError as exc:
                    # Only reachable if the append lock were bypassed; say what it means.
                    batch = batches[0]
                    raise ConcurrencyError(batch.stream_id, batch.expected_version, -1) from exc
            if applicant is not None:
                conn.execute(APPLICANTS.insert().values(**applicant.row()))
        return AppendResult(tuple(stored_from_row(r) for r in rows), replayed=False)

    def _check_version(self, conn: Connection, batch: StreamAppend) -> int:
        """The stream's current version, refusing a stale expectation."""
        return check_version(batch, self._version(conn, batch.stream_id))

    def _insert_statement(self) -> sa.Insert:
        """An INSERT taking the payload as canonical JSON text."""
        data = sa.bindparam("data_text", type_=sa.Text)
        value: Any = data
        if self.dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import JSONB

            value = sa.cast(data, JSONB)
        columns: dict[str, Any] = {
            c.name: sa.bindparam(c.name) for c in EVENTS.c if c.name != "data"
        }
        statement: sa.Insert = EVENTS.insert().values(data=value, **columns)
        return statement

    @contextmanager
    def _writing(self) -> Iterator[Connection]:
        """A write transaction holding the append lock until commit."""
        try:
            with self.engine.connect().execution_options(**WRITE) as conn, conn.begin():
                if self.dialect == "postgresql":
                    # Serialise appenders; readers are not blocked (see module docstring).
                    conn.exec_driver_sql("LOCK TABLE events IN EXCLUSIVE MODE")
                yield conn
        except DBAPIError as exc:
            if isinstance(exc, IntegrityError):
                raise
            raise unavailable(self.engine, exc) from None

    def _head(self, conn: Connection) -> tuple[int, str]:
        """The last position and its hash (0 and the genesis hash for an empty log)."""
        row = conn.execute(
            sa.select(EVENTS.c.position, EVENTS.c.hash).order_by(EVENTS.c.position.desc()).limit(1)
        ).first()
        return (row[0], row[1]) if row else (0, codec.GENESIS)

    def _version(self, conn: Connection, stream_id: str) -> int:
        """The number of events in a stream."""
        query = sa.select(sa.func.max(EVENTS.c.version)).where(EVENTS.c.stream_id == stream_id)
        return int(conn.execute(query).scalar() or 0)

    def _by_command(self, conn: Connection, command_id: str) -> tuple[StoredEvent, ...]:
        """The events an earlier append with this command id stored."""
        query = _select().where(EVENTS.c.command_id == command_id).order_by(EVENTS.c.position)
        return tuple(_decode(r) for r in conn.execute(query))

    # -- reading -------------------------------------------------------------------

    def events_of_command(self, command_id: str) -> tuple[StoredEvent, ...]:
        """The events an append with this command id stored (empty if none did)."""
        with self._reading() as conn:
            return self._by_command(conn, command_id)

    def read_stream(self, stream_id: str) -> list[StoredEvent]:
        """One stream's events in order."""
        query = _select().where(EVENTS.c.stream_id == stream_id).order_by(EVENTS.c.version)
        with self._reading() as conn:
            return [_decode(r) for r in conn.execute(query)]

    def stream_version(self, stream_id: str) -> int:
        """The current version of a stream (0 if it has no events)."""
        with self._reading() as conn:
            return self._version(conn, stream_id)

    def stream_ids(self, prefix: str) -> list[str]:
        """The ids of the streams that start with ``prefix``."""
        query = (
            sa.select(EVENTS.c.stream_id)
            .where(EVENTS.c.stream_id.startswith(prefix, autoescape=True))
            .distinct()
        )
        with self._reading() as conn:
            return sorted(r[0] for r in conn.execute(query))

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
        """Raw rows in global order, fetched in keyset pages so no page holds a lock."""
        while True:
            query = _select().where(EVENTS.c.position > after)
            if recorded_until is not None:
                query = query.where(EVENTS.c.recorded_at <= recorded_until)
            if types is not None:
                query = query.where(EVENTS.c.type.in_(list(types)))
            if exclude:
                query = query.where(EVENTS.c.type.not_in(list(exclude)))
            query = query.order_by(EVENTS.c.position).limit(batch)
            with self._reading() as conn:
                rows = conn.execute(query).all()
            yield from rows
            if len(rows) < batch:
                return
            after = rows[-1][0]

    def last_position(self) -> int:
        """The position of the newest event (0 for an empty log)."""
        with self._reading() as conn:
            return int(conn.execute(sa.select(sa.func.max(EVENTS.c.position))).scalar() or 0)

    @contextmanager
    def _reading(self) -> Iterator[Connection]:
        """A read-only connection, with database failures explained in one line."""
        try:
            with self.engine.connect() as conn:
                yield conn
        except DBAPIError as exc:
            raise unavailable(self.engine, exc) from None

    # -- checking ------------------------------------------------------------------

    def verify_chain(self) -> ChainCheck:
        """Walk the whole log and recompute every hash and position."""
        return chain_breaks((r[0], _raw_row(r), r[11]) for r in self._rows(0))


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


def number_rows(
    batches: Sequence[StreamAppend],
    head: tuple[int, str],
    version_of: Callable[[StreamAppend], int],
    stamp: Stamp,
) -> list[dict[str, Any]]:
    """Number, timestamp and hash the new events after ``head`` (position, hash).

    ``version_of`` gives a stream's stored version and refuses a stale expectation; it
    is called under the append lock, once per stream. A stream named again later in the
    same append continues from the batch before it, checked against that version.
    """
    position, previous = head
    rows: list[dict[str, Any]] = []
    versions: dict[str, int] = {}
    for batch in batches:
        seen = versions.get(batch.stream_id)
        version = version_of(batch) if seen is None else check_version(batch, seen)
        versions[batch.stream_id] = version + len(batch.events)
        for new in batch.events:
            position += 1
            version += 1
            row = _row(new, batch.stream_id, position, version, stamp.recorded_at, stamp.actor,
                       stamp.agency)  # fmt: skip
            row["command_id"] = stamp.command_id
            row["hash"] = previous = codec.chain_hash(previous, **_hash_fields(row))
            rows.append(row)
    return rows


def check_batches(batches: Sequence[StreamAppend]) -> None:
    """Refuse anything that is not an instance of a registered event type."""
    for batch in batches:
        if not batch.stream_id or len(batch.stream_id) > 200:
            raise InvalidInput(f"stream id {batch.stream_id!r} must be 1–200 characters")
        for new in batch.events:
            if event_class(new.event.type) is not type(new.event):
                raise InvalidInput(f"event type {new.event.type!r} is not registered")


def _row(
    new: NewEvent,
    stream_id: str,
    position: int,
    version: int,
    recorded_at: datetime,
    actor: str,
    agency: str,
) -> dict[str, Any]:
    """The column values of a new event."""
    payload = new.event.payload()
    return {
        "position": position,
        "stream_id": stream_id,
        "version": version,
        "type": new.event.type,
        "schema_version": new.event.version,
        "data": payload,
        "data_text": codec.dumps(payload),
        "effective_date": new.effective,
        "recorded_at": recorded_at,
        "actor": actor,
        "agency": agency,
    }


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


def _raw_row(r: Any) -> dict[str, Any]:
    """A selected row as the values its hash was computed from (payload as stored)."""
    stored = _decode(r, upcasting=False)
    return stored._asdict()


def chain_breaks(rows: Iterator[tuple[int, dict[str, Any], str]]) -> ChainCheck:
    """Walk (position, hashed values, stored hash) in order and name the first break."""
    previous, expected, count = codec.GENESIS, 1, 0
    for position, fields, stored_hash in rows:
        if position != expected:
            return ChainCheck(count, expected, f"position {expected} is missing")
        if codec.chain_hash(previous, **_hash_fields(fields)) != stored_hash:
            return ChainCheck(count, position, "hash does not match its contents")
        previous, expected, count = stored_hash, expected + 1, count + 1
    return ChainCheck(count, None, None)


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


_TEXT_COLUMNS = ("data", "effective_date", "recorded_at")


def _select() -> sa.Select[Any]:
    """All columns, with payload and dates as text: decoded faster than drivers do."""
    columns = [
        sa.cast(c, sa.Text).label(c.name) if c.name in _TEXT_COLUMNS else c for c in EVENTS.c
    ]
    return sa.select(*columns)


def _decode(r: Any, upcasting: bool = True) -> StoredEvent:
    """A StoredEvent from a selected row."""
    data = codec.loads(r[5])
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
