"""Appends wait for the append lock only as long as configured, then say so in one line."""

from __future__ import annotations

import time
from datetime import date

import pytest

from ledger.bootstrap import bootstrap
from ledger.config import Config
from ledger.errors import BooksBusy
from ledger.events.store import NO_STREAM, NewEvent
from tests.probe_events import Noted

TIMEOUT = 0.5


def _held_append_times_out(url: str) -> None:
    """One app holds the append lock; another's append stops within the timeout."""
    bootstrap(url).close()
    holder = bootstrap(url, Config(lock_timeout=30))
    waiter = bootstrap(url, Config(lock_timeout=TIMEOUT))
    new = NewEvent(Noted(text="late"), date(2021, 3, 1))
    try:
        with holder.db.writing():
            started = time.monotonic()
            with pytest.raises(BooksBusy) as refused:
                waiter.store.append("s-1", [new], expected_version=NO_STREAM, actor="x", agency="a")
            waited = time.monotonic() - started
        message = str(refused.value)
        assert message.startswith("another desk or an import holds the books; try again")
        assert "0.5 s" in message
        assert "\n" not in message
        assert TIMEOUT * 0.8 <= waited < TIMEOUT + 3
        # Once the holder commits, the same store appends at once.
        result = waiter.store.append(
            "s-1", [new], expected_version=NO_STREAM, actor="x", agency="a"
        )
        assert result.last_position == 1
    finally:
        holder.close()
        waiter.close()


def test_lock_timeout_on_sqlite(sqlite_url: str) -> None:
    """On SQLite a desk behind a writer gives up after lock_timeout with the one-line message."""
    _held_append_times_out(sqlite_url)


@pytest.mark.postgres
def test_lock_timeout_on_postgres(pg_url: str) -> None:
    """On PostgreSQL a desk behind the advisory append lock gives up after lock_timeout."""
    _held_append_times_out(pg_url)


@pytest.mark.postgres
def test_a_reader_is_not_blocked_by_the_append_lock(pg_url: str) -> None:
    """While one append holds the lock, another connection still reads the log at once."""
    bootstrap(pg_url).close()
    holder = bootstrap(pg_url)
    reader = bootstrap(pg_url, Config(lock_timeout=TIMEOUT))
    try:
        holder.store.append(
            "s-1", [NewEvent(Noted(text="a"), date(2021, 3, 1))],
            expected_version=NO_STREAM, actor="x", agency="a",
        )  # fmt: skip
        with holder.db.writing():
            assert [e.position for e in reader.store.read_all()] == [1]
            assert reader.store.stream_version("s-1") == 1
    finally:
        holder.close()
        reader.close()
