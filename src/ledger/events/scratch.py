"""Where an import is tried before anything is written: the real log underneath, a
scratch layer on top.

A ``ScratchStore`` reads through to the database and keeps what the desk commands of an
import append in memory, numbered after the log's head, so that every bad line or row is
found and reported before the books are touched — without a copy of the log in memory.
A register import calls ``forget`` once a row is checked (each row is its own request),
so it holds one row's events at a time. A JSON-lines import keeps its lines' events, as
later lines may be steps of earlier ones: in memory only the streams touched last
(``HOT_STREAMS``), the rest in a private temporary SQLite file (``Spill``, deleted when
closed), so the check pass of a file of a million requests holds what its open requests
need, not the file. Nothing here is ever written to the database.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import Final

from ledger.applicants import Applicant, ApplicantFile, MemoryApplicants, NewApplicant
from ledger.events import codec
from ledger.events.store import (
    READ_BATCH,
    AppendResult,
    AppendsOne,
    ChainCheck,
    Projection,
    Store,
    StoredEvent,
    StreamAppend,
    check_batches,
    check_counts,
    check_head,
    check_version,
    count_numbered,
    highest_of,
    prefix_range,
)
from ledger.texts import NewText, ScratchTexts, TextFile, split_texts

HOT_STREAMS: Final = 256
"""Streams a scratch layer keeps in memory (the ones touched last); the others' scratch
events are read back from its ``Spill`` when a later line touches them again."""
SPILL_AFTER: Final = 512
"""Scratch events kept back before they are written to the spill in one statement (a
register import, which forgets every row, never reaches it and never writes the file)."""


class ScratchApplicants:
    """New applicants in memory, those already on file found in the database."""

    def __init__(self, base: ApplicantFile) -> None:
        self.base = base
        self.new = MemoryApplicants()

    def find_ref(self, who: Applicant) -> str | None:
        return self.new.find_ref(who) or self.base.find_ref(who)

    def read(self, ref: str) -> dict[str, object] | None:
        return self.new.read(ref) or self.base.read(ref)

    def erase(self, ref: str) -> bool:
        return self.new.erase(ref)

    def purge(self) -> bool:
        return self.new.purge()

    def search(self, text: str) -> set[str]:
        return self.new.search(text) | self.base.search(text)


class Spill:
    """A scratch layer's events and texts in a private temporary SQLite database.

    SQLite makes a database opened with an empty file name in its temporary directory,
    keeps a small page cache in memory and deletes the file when the connection closes:
    what a check pass appends costs disk, not memory. Nothing here needs to survive a
    crash (no journal, no flush).
    """

    def __init__(self) -> None:
        self.conn = sqlite3.connect("", isolation_level=None, check_same_thread=False)
        self.conn.executescript(
            "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -2048;"
            "CREATE TABLE events (position INTEGER PRIMARY KEY, stream_id TEXT NOT NULL, "
            "command_id TEXT, row BLOB NOT NULL);"
            "CREATE INDEX events_stream ON events (stream_id, position);"
            "CREATE INDEX events_command ON events (command_id);"
            "CREATE TABLE texts (ref TEXT PRIMARY KEY, owner TEXT NOT NULL, body TEXT);"
            "CREATE INDEX texts_owner ON texts (owner);"
        )
        self.used = False
        """Whether anything was written since the last ``clear``."""

    def add(self, events: Sequence[StoredEvent]) -> None:
        """Keep scratch events (all fields but the empty hash, as one JSON row each)."""
        self.used = True
        self.conn.executemany(
            "INSERT INTO events VALUES (?, ?, ?, ?)",
            [(e.position, e.stream_id, e.command_id, _encode(e)) for e in events],
        )

    def stream(self, stream_id: str) -> list[StoredEvent]:
        """A stream's scratch events in order."""
        if not self.used:
            return []
        query = "SELECT position, row FROM events WHERE stream_id = ? ORDER BY position"
        return [_decoded(p, r) for p, r in self.conn.execute(query, (stream_id,))]

    def command(self, command_id: str) -> tuple[StoredEvent, ...]:
        """The scratch events appended under a command id."""
        if not self.used:
            return ()
        query = "SELECT position, row FROM events WHERE command_id = ? ORDER BY position"
        return tuple(_decoded(p, r) for p, r in self.conn.execute(query, (command_id,)))

    def stream_ids(self, prefix: str) -> set[str]:
        """The streams with scratch events whose id starts with ``prefix``."""
        if not self.used:
            return set()
        low, high = prefix_range(prefix)
        if high is None:
            query = "SELECT DISTINCT stream_id FROM events WHERE stream_id >= ?"
            rows = self.conn.execute(query, (low,))
        else:
            query = "SELECT DISTINCT stream_id FROM events WHERE stream_id >= ? AND stream_id < ?"
            rows = self.conn.execute(query, (low, high))
        return {r[0] for r in rows}

    def after(self, position: int, batch: int = READ_BATCH) -> Iterator[StoredEvent]:
        """The scratch events after a position, in order, a page at a time."""
        query = "SELECT position, row FROM events WHERE position > ? ORDER BY position LIMIT ?"
        while self.used:
            page = self.conn.execute(query, (position, batch)).fetchall()
            yield from (_decoded(p, r) for p, r in page)
            if len(page) < batch:
                return
            position = page[-1][0]

    def clear(self) -> None:
        """Drop everything (a register row has been checked)."""
        if self.used:
            self.conn.execute("DELETE FROM events")
            self.conn.execute("DELETE FROM texts")
            self.used = False

    def close(self) -> None:
        """Close the connection; SQLite deletes the file."""
        self.conn.close()


class SpilledTexts:
    """The texts of a scratch layer's appends, kept in its ``Spill`` (``NewTexts``)."""

    def __init__(self, spill: Spill) -> None:
        self.spill = spill

    def add(self, texts: Sequence[NewText]) -> None:
        if texts:
            self.spill.used = True
            self.spill.conn.executemany(
                "INSERT OR REPLACE INTO texts VALUES (?, ?, ?)",
                [(t.ref, t.owner, t.body) for t in texts],
            )

    def _rows(self, refs: Iterable[str]) -> dict[str, str | None]:
        wanted = list(set(refs))
        if not wanted or not self.spill.used:
            return {}
        query = "SELECT ref, body FROM texts WHERE ref IN (SELECT value FROM json_each(?))"
        return dict(self.spill.conn.execute(query, (codec.dumps(wanted),)).fetchall())

    def known(self, refs: Iterable[str]) -> set[str]:
        return set(self._rows(refs))

    def open(self, refs: Iterable[str]) -> dict[str, str | None]:
        refs = list(refs)
        found = self._rows(refs)
        return {r: found.get(r) for r in refs}

    def erase(self, owner: str) -> int:
        if not self.spill.used:
            return 0
        query = "UPDATE texts SET body = NULL WHERE owner = ? AND body IS NOT NULL"
        return int(self.spill.conn.execute(query, (owner,)).rowcount)


def _encode(e: StoredEvent) -> bytes:
    return codec.dump_bytes([
        e.stream_id, e.version, e.type, e.schema_version, e.data, e.effective_date.isoformat(),
        e.recorded_at.isoformat(), e.actor, e.agency, e.command_id,
    ])  # fmt: skip


def _decoded(position: int, row: bytes) -> StoredEvent:
    f = codec.loads(row)
    return StoredEvent(
        position, f[0], f[1], f[2], f[3], f[4], date.fromisoformat(f[5]),
        datetime.fromisoformat(f[6]), f[7], f[8], f[9], "",
    )  # fmt: skip


class ScratchStore(AppendsOne):
    """The ``Store`` protocol over a real store, with appends kept in a scratch layer.

    Every scratch event goes to the ``Spill`` (a few hundred at a time, ``SPILL_AFTER``);
    the streams touched last stay in memory as well, whole (the log's events, then the
    scratch ones), so a desk command's reads of its own request cost nothing.
    """

    def __init__(self, base: Store) -> None:
        self.base = base
        self.now: Callable[[], datetime] = base.now
        self.dialect = base.dialect
        self.head = base.last_position()
        self._streams: dict[str, list[StoredEvent]] = {}
        """The streams touched last, least recently first (``HOT_STREAMS``)."""
        self._spill = Spill()
        self._pending: list[StoredEvent] = []
        """Scratch events not yet in the spill."""
        self._recent: dict[str, tuple[StoredEvent, ...]] = {}
        """The commands of the pending events."""
        self._found: dict[str, tuple[StoredEvent, ...]] = {}
        """Commands looked up in the log underneath (a few, cleared as they come)."""
        self._applicants = ScratchApplicants(base.applicants)
        self._texts = ScratchTexts(base.texts, SpilledTexts(self._spill))
        self.projections: list[Projection] = []  # a check pass keeps no read model
        self._ids: dict[str, list[str]] = {}
        """The log's stream ids by prefix (closed years, asked at every step), read once
        per check: the write pass checks again on the database itself."""

    @property
    def applicants(self) -> ApplicantFile:
        return self._applicants

    @property
    def texts(self) -> TextFile:
        return self._texts

    def forget(self) -> None:
        """Drop the scratch layer (a row has been checked); positions keep counting."""
        self._streams.clear()
        self._pending.clear()
        self._recent.clear()
        self._found.clear()
        self._spill.clear()
        self._applicants = ScratchApplicants(self.base.applicants)
        self._texts = ScratchTexts(self.base.texts, SpilledTexts(self._spill))

    def close(self) -> None:
        """Let the spill go (its file is deleted); the store is not used afterwards."""
        self._spill.close()

    def append_many(
        self,
        batches: Sequence[StreamAppend],
        command_id: str | None = None,
        *,
        actor: str,
        agency: str,
        applicant: NewApplicant | None = None,
    ) -> AppendResult:
        """Keep the events in the scratch layer, checked as the store checks them."""
        check_batches(batches)
        if command_id is not None:
            stored = self.events_of_command(command_id)
            if stored:
                return AppendResult(stored, replayed=True)
        expected, expected_head = self.expected_now()
        check_counts(expected, {e.prefix: self._count(e.prefix) for e in expected})
        check_head(expected_head, self.head)
        batches, texts = split_texts(batches)
        new: list[StoredEvent] = []
        versions: dict[str, int] = {}
        head = self.head
        for batch in batches:  # every version checked before anything is kept
            version = versions.get(batch.stream_id)
            if version is None:
                version = len(self._touch(batch.stream_id))
            version = check_version(batch, version)
            for item in batch.events:
                head, version = head + 1, version + 1
                data = codec.loads(codec.dumps(item.event.payload()))
                new.append(StoredEvent(
                    head, batch.stream_id, version, item.event.type, item.event.version,
                    data, item.effective, self.now(), actor, agency, command_id, "",
                ))  # fmt: skip
            versions[batch.stream_id] = version
        self.head = head
        for event in new:
            self._touch(event.stream_id).append(event)
        if applicant is not None:
            self._applicants.new.add(applicant)
        self._texts.new.add(texts)
        self._pending += new
        if command_id is not None and new:
            self._recent[command_id] = tuple(new)
        if len(self._pending) >= SPILL_AFTER:
            self._flush()
        return AppendResult(tuple(new), replayed=False)

    def _count(self, prefix: str) -> int:
        """The streams named ``prefix`` and digits, as this check sees the log."""
        return count_numbered(self.stream_ids(prefix), prefix)

    def _flush(self) -> None:
        """Write the pending scratch events to the spill."""
        if self._pending:
            self._spill.add(self._pending)
            self._pending = []
            self._recent.clear()

    def _touch(self, stream_id: str) -> list[StoredEvent]:
        """A stream, whole, kept in memory as the one touched last."""
        events = self._streams.pop(stream_id, None)
        if events is None:
            self._flush()
            events = self.base.read_stream(stream_id) + self._spill.stream(stream_id)
            while len(self._streams) >= HOT_STREAMS:
                del self._streams[next(iter(self._streams))]
        self._streams[stream_id] = events
        return events

    def events_of_command(self, command_id: str) -> tuple[StoredEvent, ...]:
        if command_id in self._recent:
            return self._recent[command_id]
        mine = self._spill.command(command_id)
        if mine:
            return mine
        if command_id not in self._found:
            if len(self._found) >= HOT_STREAMS:
                self._found.clear()
            self._found[command_id] = self.base.events_of_command(command_id)
        return self._found[command_id]

    def read_stream(self, stream_id: str) -> list[StoredEvent]:
        return list(self._touch(stream_id))

    def stream_version(self, stream_id: str) -> int:
        return len(self.read_stream(stream_id))

    def held_stream(self, stream_id: str) -> list[StoredEvent] | None:
        """None: a projection here reads what it needs (it costs no round trip)."""
        return None

    def checkpoint_seen(self, name: str) -> int | None:
        """None: a projection here asks its table (it costs no round trip)."""
        return None

    def new_text(self, ref: str) -> str | None:
        """None: a projection here keeps no signatures (``ledger.search``)."""
        return None

    def highest_number(self, prefix: str) -> int:
        self._flush()
        mine = highest_of(self._spill.stream_ids(prefix), prefix)
        return max(mine, self.base.highest_number(prefix))

    def stream_ids(self, prefix: str) -> list[str]:
        self._flush()
        mine = self._spill.stream_ids(prefix)
        if prefix not in self._ids:
            self._ids[prefix] = self.base.stream_ids(prefix)
        return sorted(set(self._ids[prefix]) | mine)

    def read_all(
        self,
        after: int = 0,
        *,
        recorded_until: datetime | None = None,
        types: Collection[str] | None = None,
        exclude_types: Collection[str] | None = None,
        batch: int = READ_BATCH,
    ) -> Iterator[StoredEvent]:
        """The log, then the scratch events (in position order)."""
        yield from self.base.read_all(
            after, recorded_until=recorded_until, types=types,
            exclude_types=exclude_types, batch=batch,
        )  # fmt: skip
        self._flush()
        for e in self._spill.after(after, batch):
            if types is not None and e.type not in types:
                continue
            if exclude_types and e.type in exclude_types:
                continue
            if recorded_until is None or e.recorded_at <= recorded_until:
                yield e

    def last_position(self) -> int:
        return self.head

    def verify_chain(self) -> ChainCheck:
        """The chain of the log underneath: scratch events are never chained or stored."""
        return self.base.verify_chain()
