"""Where an import is tried before anything is written: the real log underneath, a
scratch layer on top.

A ``ScratchStore`` reads through to the database and keeps what the desk commands of an
import append in memory, numbered after the log's head, so that every bad line or row is
found and reported before the books are touched — without a copy of the log in memory.
A register import calls ``forget`` once a row is checked (each row is its own request),
so it holds one row's events at a time; a JSON-lines import keeps its lines' events, as
later lines may be steps of earlier ones. Nothing here is ever written to the database.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Collection, Iterator, Sequence
from datetime import datetime

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
    check_version,
    highest_of,
    prefix_range,
)
from ledger.texts import ScratchTexts, TextFile, split_texts


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


class ScratchStore(AppendsOne):
    """The ``Store`` protocol over a real store, with appends kept in a scratch layer."""

    def __init__(self, base: Store) -> None:
        self.base = base
        self.now: Callable[[], datetime] = base.now
        self.dialect = base.dialect
        self.head = base.last_position()
        self._streams: dict[str, list[StoredEvent]] = {}
        self._commands: dict[str, tuple[StoredEvent, ...]] = {}
        self._applicants = ScratchApplicants(base.applicants)
        self._texts = ScratchTexts(base.texts)
        self.projections: list[Projection] = []  # a check pass keeps no read model
        self._named: list[str] = []
        """The streams that have events here, sorted: ``stream_ids`` asks at every step (the
        closed years), and a scan of every stream touched would make a check pass
        quadratic in the lines."""
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
        self._named.clear()
        self._commands.clear()
        self._applicants = ScratchApplicants(self.base.applicants)
        self._texts = ScratchTexts(self.base.texts)

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
        batches, texts = split_texts(batches)
        new: list[StoredEvent] = []
        for batch in batches:
            stream = self._touch(batch.stream_id)
            version = check_version(batch, len(stream))
            for item in batch.events:
                self.head, version = self.head + 1, version + 1
                data = codec.loads(codec.dumps(item.event.payload()))
                event = StoredEvent(
                    self.head, batch.stream_id, version, item.event.type, item.event.version,
                    data, item.effective, self.now(), actor, agency, command_id, "",
                )  # fmt: skip
                stream.append(event)
                new.append(event)
            self._name(batch.stream_id)
        if applicant is not None:
            self._applicants.new.add(applicant)
        self._texts.new.add(texts)
        if command_id is not None and new:
            self._commands[command_id] = tuple(new)
        return AppendResult(tuple(new), replayed=False)

    def _name(self, stream_id: str) -> None:
        """Keep ``_named`` sorted with a stream that has events."""
        at = bisect_left(self._named, stream_id)
        if self._streams[stream_id] and self._named[at : at + 1] != [stream_id]:
            self._named.insert(at, stream_id)

    def _touch(self, stream_id: str) -> list[StoredEvent]:
        if stream_id not in self._streams:
            self._streams[stream_id] = self.base.read_stream(stream_id)
        return self._streams[stream_id]

    def events_of_command(self, command_id: str) -> tuple[StoredEvent, ...]:
        if command_id not in self._commands:
            self._commands[command_id] = self.base.events_of_command(command_id)
        return self._commands[command_id]

    def read_stream(self, stream_id: str) -> list[StoredEvent]:
        if stream_id in self._streams:
            return list(self._streams[stream_id])
        return self.base.read_stream(stream_id)

    def stream_version(self, stream_id: str) -> int:
        return len(self.read_stream(stream_id))

    def held_stream(self, stream_id: str) -> list[StoredEvent] | None:
        """None: a projection here reads what it needs (it costs no round trip)."""
        return None

    def checkpoint_seen(self, name: str) -> int | None:
        """None: a projection here asks its table (it costs no round trip)."""
        return None

    def highest_number(self, prefix: str) -> int:
        low, high = prefix_range(prefix)
        start = bisect_left(self._named, low)
        end = len(self._named) if high is None else bisect_left(self._named, high)
        mine = highest_of(self._named[start:end], prefix)
        return max(mine, self.base.highest_number(prefix))

    def stream_ids(self, prefix: str) -> list[str]:
        low, high = prefix_range(prefix)
        start = bisect_left(self._named, low)
        end = len(self._named) if high is None else bisect_left(self._named, high)
        mine = set(self._named[start:end])
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
        scratch = sorted(
            (e for events in self._streams.values() for e in events if e.hash == ""),
            key=lambda e: e.position,
        )
        for e in scratch:
            if e.position <= after or (types is not None and e.type not in types):
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
