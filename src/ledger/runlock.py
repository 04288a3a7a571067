"""The one lock every reminder run takes, on either database, so deliveries never overlap.

A run of ``ledger remind`` or of the scheduler records a claim before each delivery and
the result right after it. A claim without a result can mean two things: a run that is
delivering right now, or a run that died mid-delivery. Only the lock tells them apart:
every run that delivers holds it for its whole duration, so a run that holds it knows
that any claim without a result was left by a dead run.

- PostgreSQL: ``pg_try_advisory_lock`` on a dedicated autocommit connection; closing
  the connection (or the server noticing the client died) releases it.
- SQLite: an exclusive ``flock`` on ``<database file>.deliveries-lock`` beside the file
  (owner-only). The kernel releases it when the process ends however it ends, so a
  killed run never leaves a stale lock; a lock row would need a guess at when its
  holder died, and a transaction held open would block every desk for the whole run.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager

from ledger.db import Database

__all__ = ["DELIVERY_LOCK", "advisory_key", "held_lock", "pg_advisory"]

DELIVERY_LOCK = "ledger.remind.deliveries"
"""The name of the lock every delivering run takes (whatever its agency)."""


def advisory_key(name: str) -> int:
    """A stable 64-bit PostgreSQL advisory-lock key for a lock name (the same everywhere)."""
    digest = hashlib.sha256(name.encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextmanager
def held_lock(db: Database, name: str = DELIVERY_LOCK) -> Iterator[bool]:
    """Whether this process got the named lock (never waits); held until the block ends."""
    if db.dialect == "postgresql":
        with pg_advisory(db, advisory_key(name)) as taken:
            yield taken
    elif db.target.address == ":memory:":
        yield True  # one connection in one process: nothing else can run
    else:
        with _file_lock(f"{db.target.address}.{name.rsplit('.', 1)[-1]}-lock") as taken:
            yield taken


@contextmanager
def pg_advisory(db: Database, key: int) -> Iterator[bool]:
    """``pg_try_advisory_lock`` on its own connection, opened for the block.

    A session lock left on a shared connection would outlive the run, and an open
    transaction would sit "idle in transaction" for the whole run. Closing the
    connection releases the lock even if the unlock is never reached.
    """
    dedicated = Database(db.target, lock_timeout=db.lock_timeout)
    try:
        with dedicated.reading() as conn:
            taken = bool(conn.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()[0])
        try:
            yield taken
        finally:
            if taken:
                with dedicated.reading() as conn:
                    conn.execute("SELECT pg_advisory_unlock(%s)", (key,))
    finally:
        dedicated.close()


@contextmanager
def _file_lock(path: str) -> Iterator[bool]:
    """An exclusive, non-blocking ``flock`` on ``path`` (created 0600), released at exit."""
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
