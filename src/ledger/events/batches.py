"""Writing an import in batches: many desk commands per transaction, each batch short.

A desk command commits on its own, with a disk flush, so an import run one command per
transaction spends its time flushing. An import instead groups its rows (or lines) into
transactions of at most ``BATCH_UNITS`` rows and ``batch_seconds`` of work: one flush per
batch, and the append lock is held for one batch at a time, so a desk command arriving
during an import waits for one batch at most, not for the whole file (issue 13).

A batch holds whole rows only, and every step keeps its own command id: an import killed
half-way has stored whole batches, and running it again stores the rest, each row once.
Stores other than the SQL one (memory, scratch) have no transactions: nothing is grouped.

A long import into a new or small PostgreSQL database also refreshes the statistics as
the log grows (``statistics_after``): the plans the server keeps for the desk's prepared
statements were made when the tables were empty, and without fresh statistics (seen with
autovacuum off) they stay sequential scans, so that every command reads the whole log
and the import slows down with every batch.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from types import TracebackType
from typing import Final, TypeVar

from ledger.events.store import ANALYZE_AFTER, EventStore, Store, refresh_statistics

BATCH_UNITS: Final = 500
"""Rows (or lines) in one transaction at most."""
BATCH_SECONDS: Final = {"postgresql": 0.5, "sqlite": 1.0}
"""Work in one transaction at most, in seconds: how long a desk may wait for the lock."""
T = TypeVar("T")

SQLITE_PAUSE: Final = 0.1
"""A pause between SQLite batches: a waiting desk polls the lock about every 0.1 s
(PostgreSQL queues the desk's lock request and grants it before the import's next one)."""


class Batches:
    """Group the appends a loop makes into bounded transactions (see the module docstring).

    Used as ``with Batches(store) as batches:`` around the loop, calling :meth:`done`
    after each whole row (or looping over :meth:`each`); leaving the block commits the
    last batch, and an exception rolls it back (that batch only: the earlier ones stay).
    """

    def __init__(self, store: Store, *, units: int = BATCH_UNITS) -> None:
        self.store = store
        self.db = store.db if isinstance(store, EventStore) else None
        self.units = units
        self.seconds = BATCH_SECONDS.get(self.db.dialect, 1.0) if self.db else 0.0
        self.committed = 0
        """Batches committed so far."""
        self._open: AbstractContextManager[None] | None = None
        self._count = 0
        self._started = 0.0
        self._unanalysed = 0
        """Rows committed since the statistics were last refreshed."""

    def __enter__(self) -> Batches:
        self._begin()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._end(kind, exc, tb)

    def each(self, items: Iterable[T]) -> Iterator[T]:
        """The items, :meth:`done` called after each (whatever the loop body did with it)."""
        for item in items:
            yield item
            self.done()

    def done(self) -> None:
        """A whole row is written: commit the batch if it is full or has run long enough."""
        self._count += 1
        if self._open is None:
            return
        if self._count >= self.units or time.monotonic() - self._started >= self.seconds:
            self._end(None, None, None)
            if self.db is not None and self.db.dialect == "sqlite":
                time.sleep(SQLITE_PAUSE)
            self._begin()

    def _begin(self) -> None:
        self._count, self._started = 0, time.monotonic()
        if self.db is not None:
            self._open = self.db.batch()
            self._open.__enter__()

    def _end(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        opened, self._open = self._open, None
        if opened is not None:
            opened.__exit__(kind, exc, tb)
            if kind is None:
                self.committed += 1
                self._unanalysed += self._count
                self.statistics_after()

    def statistics_after(self) -> None:
        """Refresh the statistics once the rows committed since the last refresh are as
        many as the log held then (``EventStore._analyze``'s rule): the log doubles between
        two refreshes, so a load of n rows is analysed about log2(n) times."""
        if self._unanalysed > ANALYZE_AFTER and refresh_statistics(self.store, self._unanalysed):
            self._unanalysed = 0
