"""An event store kept in this process: the same contract as ``EventStore``, no database.

It exists so that command handlers and projections can be exercised in fast unit tests,
and by code that needs a throwaway log. Events are numbered and hashed by the very
functions ``EventStore`` uses (``number_rows``, ``codec.chain_hash``), payloads are kept
as canonical JSON text and decoded (and upcast) on every read, as the database store
does, so a reader can never change what was recorded. Appends are serialised by a lock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Iterator, Sequence
from datetime import date, datetime
from typing import Any

from ledger.applicants import ApplicantFile, MemoryApplicants, NewApplicant
from ledger.dates import utc_now
from ledger.events import codec
from ledger.events.chainkey import MARKER, ChainKey, appending_key
from ledger.events.store import (
    READ_BATCH,
    AppendResult,
    AppendsOne,
    ChainCheck,
    Projection,
    Stamp,
    StoredEvent,
    StreamAppend,
    chain_breaks,
    check_batches,
    check_counts,
    check_head,
    check_version,
    count_numbered,
    highest_of,
    number_rows,
    starts_keying,
)
from ledger.events.types import upcast
from ledger.texts import MemoryTexts, TextFile, split_texts


class MemoryStore(AppendsOne):
    """The append-only log in a list; applicants' data in a ``MemoryApplicants``.

    ``copy``: a copy of a stored log being replayed (a restore's audit), whose payloads are
    appended as they were stored, texts and references alike, rather than taken apart.
    """

    dialect = "memory"

    def __init__(
        self,
        now: Callable[[], datetime] = utc_now,
        chain_key: ChainKey | None = None,
        *,
        copy: bool = False,
    ) -> None:
        self.now = now
        self._copy = copy
        self.chain_key = chain_key
        self._marker: tuple[int, str] | None = None  # the log.keyed event, once appended
        self._rows: list[dict[str, Any]] = []
        self._versions: dict[str, int] = {}
        self._commands: dict[str, tuple[int, ...]] = {}
        self._applicants: MemoryApplicants = MemoryApplicants()
        self._texts = MemoryTexts()
        # Re-entrant: a projection applied under the lock reads the log back.
        self._lock = threading.RLock()
        self.projections: list[Projection] = []

    @property
    def applicants(self) -> ApplicantFile:
        """The applicants recorded with this store's appends."""
        return self._applicants

    @property
    def texts(self) -> TextFile:
        """The free text taken out of this store's events."""
        return self._texts

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
        """Append to several streams at once, all or nothing (see ``EventStore``)."""
        check_batches(batches)
        batches, texts = split_texts(batches) if not self._copy else (list(batches), [])
        with self._lock:
            if command_id is not None and command_id in self._commands:
                stored = tuple(self._decode(self._rows[i]) for i in self._commands[command_id])
                return AppendResult(stored, replayed=True)
            expected, expected_head = self.expected_now()
            found = {e.prefix: count_numbered(self._versions, e.prefix) for e in expected}
            check_counts(expected, found)

            def version_of(batch: StreamAppend) -> int:
                return check_version(batch, self._versions.get(batch.stream_id, 0))

            head = (len(self._rows), self._rows[-1]["hash"] if self._rows else codec.GENESIS)
            check_head(expected_head, head[0])
            marker = self._marker
            rows = number_rows(
                batches,
                head,
                version_of,
                Stamp(self.now(), command_id, actor, agency),
                key=appending_key(marker, self.chain_key, starts_keying(batches)),
                keyed=marker is not None,
            )
            # The versions are checked; the applicant (refused if its reference is taken)
            # goes first, so that nothing after it can refuse and the append is whole.
            if applicant is not None:
                self._applicants.add(applicant)
            self._texts.add(texts)
            before = (len(self._rows), self._versions)
            self._commit(rows, command_id)
            stored = tuple(self._decode(r) for r in rows)
            try:
                for projection in self.projections:
                    projection.apply(self, stored)
            except BaseException:
                self._undo(before, command_id, applicant)
                self._texts.discard(texts)
                raise
        return AppendResult(stored, replayed=False)

    def _undo(
        self,
        before: tuple[int, dict[str, int]],
        command_id: str | None,
        applicant: NewApplicant | None,
    ) -> None:
        """Take back an append whose projection failed: all or nothing, as in a database."""
        del self._rows[before[0] :]
        self._versions = before[1]
        if self._marker is not None and self._marker[0] > before[0]:
            self._marker = None
        if command_id is not None:
            self._commands.pop(command_id, None)
        if applicant is not None:
            self._applicants.discard(applicant.ref)

    def _commit(self, rows: list[dict[str, Any]], command_id: str | None) -> None:
        """Keep the rows as the database would: payload as text, nothing shared."""
        first = len(self._rows)
        versions = dict(self._versions)
        for row in rows:
            self._rows.append({k: v for k, v in row.items() if k != "data"})
            versions[row["stream_id"]] = row["version"]
            if row["type"] == MARKER and self._marker is None:
                self._marker = (row["position"], str(row["data"]["fingerprint"]))
        self._versions = versions
        if command_id is not None and rows:
            self._commands[command_id] = tuple(range(first, len(self._rows)))

    # -- reading -------------------------------------------------------------------

    def events_of_command(self, command_id: str) -> tuple[StoredEvent, ...]:
        """The events an append with this command id stored (empty if none did)."""
        with self._lock:
            return tuple(self._decode(self._rows[i]) for i in self._commands.get(command_id, ()))

    def read_stream(self, stream_id: str) -> list[StoredEvent]:
        """One stream's events in order."""
        return [self._decode(r) for r in self._snapshot() if r["stream_id"] == stream_id]

    def stream_version(self, stream_id: str) -> int:
        """The current version of a stream (0 if it has no events)."""
        return self._versions.get(stream_id, 0)

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
        return highest_of(self.stream_ids(prefix), prefix)

    def stream_ids(self, prefix: str) -> list[str]:
        """The ids of the streams that start with ``prefix``, sorted."""
        return sorted(s for s in self._versions if s.startswith(prefix))

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

        ``batch`` is accepted for the shared interface; a list needs no paging.
        """
        wanted = set(types) if types is not None else None
        unwanted = set(exclude_types or ())
        for r in self._snapshot()[after:]:
            if recorded_until is not None and r["recorded_at"] > recorded_until:
                continue
            if (wanted is not None and r["type"] not in wanted) or r["type"] in unwanted:
                continue
            yield self._decode(r)

    def last_position(self) -> int:
        """The position of the newest event (0 for an empty log)."""
        return len(self._rows)

    def verify_chain(self) -> ChainCheck:
        """Walk the whole log and recompute every hash and position."""
        rows = (
            (r["position"], {**r, "data": codec.loads(r["data_text"])}, r["hash"])
            for r in self._snapshot()
        )
        return chain_breaks(rows, self.chain_key)

    def _snapshot(self) -> list[dict[str, Any]]:
        """The rows committed so far (a reader never sees half an append)."""
        with self._lock:
            return self._rows[:]

    @staticmethod
    def _decode(r: dict[str, Any]) -> StoredEvent:
        """A StoredEvent read back from its kept row, upcast to the current version."""
        effective: date = r["effective_date"]
        return StoredEvent(
            r["position"],
            r["stream_id"],
            r["version"],
            r["type"],
            r["schema_version"],
            upcast(r["type"], r["schema_version"], codec.loads(r["data_text"])),
            effective,
            r["recorded_at"],
            r["actor"],
            r["agency"],
            r["command_id"],
            r["hash"],
        )
