"""A rehearsal of the log: the same events in memory, to try commands without writing.

An import is checked by running every line through the desk's own commands on a copy
of the log first; only when every line passes are the same commands run on the books.
The copy keeps each event's stream, effective date, actor, agency and command id, so
rules that read the log (one receipt, closed years, per-month fee counts, exactly once)
see what the books hold.
"""

from __future__ import annotations

from collections.abc import Iterator

from ledger.events.memory import MemoryStore
from ledger.events.store import ANY, NewEvent, Store, StoredEvent, StreamAppend
from ledger.events.types import decode_event


def rehearsal_of(store: Store) -> MemoryStore:
    """An in-memory copy of ``store``'s log, one append per stored command."""
    copy = MemoryStore(now=store.now)
    for group in _commands(store.read_all()):
        first = group[0]
        batches = [
            StreamAppend(
                e.stream_id,
                [NewEvent(decode_event(e.type, e.data), e.effective_date)],
                expected_version=ANY,
            )
            for e in group
        ]
        copy.append_many(batches, first.command_id, actor=first.actor, agency=first.agency)
    return copy


def _commands(events: Iterator[StoredEvent]) -> Iterator[list[StoredEvent]]:
    """The log cut into the appends that stored it: runs of one command id (or single events)."""
    group: list[StoredEvent] = []
    for e in events:
        if group and (e.command_id is None or e.command_id != group[0].command_id):
            yield group
            group = []
        group.append(e)
    if group:
        yield group
