"""Imports write in bounded batches: a desk command during an import does not wait for it.

Issue 13: on PostgreSQL a desk command issued while a large import writes finishes within
2 s, and the import still stores each line once with gapless positions. The full-size
version (100,000 events) is bench/bench_import_desk.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

from ledger.bootstrap import App, bootstrap
from ledger.commands.requests import RecordReceipt, record_receipt
from ledger.config import Config
from ledger.dates import FixedClock
from ledger.errors import BooksBusy
from ledger.events.batches import Batches
from ledger.events.store import ANALYZE_AFTER
from ledger.projections.log import verify_log
from tests.import_data import write_history

TODAY = date(2024, 6, 28)
LEDGER = str(Path(sys.executable).with_name("ledger"))
REQUESTS = 400  # 800 lines, 1,200 stored events: the import writes for a few seconds
DESK_COMMANDS = 3


def make(url: str, **config: float) -> App:
    return bootstrap(url, Config(**config), actor="clerk", clock=FixedClock(TODAY))  # type: ignore[arg-type]


def receive(app: App, request_id: str) -> float:
    """Record one receipt at a desk; the seconds it took."""
    started = time.monotonic()
    record_receipt(
        app.desk(),
        RecordReceipt(date=date(2024, 6, 3), channel="in-person", applicant="natural",
                      request_id=request_id),
    )  # fmt: skip
    return time.monotonic() - started


@pytest.mark.postgres
def test_desk_command_during_an_import_is_not_held_up(pg_url: str, tmp_path: Path) -> None:
    """While `ledger import` writes thousands of lines in a subprocess, desk commands each
    finish within 2 s; then every line is stored once, positions gapless, the log verifies."""
    history = tmp_path / "history.jsonl"
    lines = write_history(history, REQUESTS, TODAY)
    make(pg_url).close()
    env = {**os.environ, "LEDGER_DB": pg_url, "LEDGER_TODAY": str(TODAY)}
    importing = subprocess.Popen(
        [LEDGER, "import", str(history)], env=env, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    desk = make(pg_url)
    try:
        while desk.store.last_position() == 0 and importing.poll() is None:
            time.sleep(0.05)  # the check pass: nothing written yet
        waits = []  # each command starts while the import is still writing
        while importing.poll() is None and len(waits) < DESK_COMMANDS:
            waits.append(receive(desk, f"DESK-{len(waits)}"))
        _out, err = importing.communicate(timeout=600)
        assert importing.returncode == 0, err
        assert waits, "the import finished before a desk command could start beside it"
        assert max(waits) < 2.0, waits
        events = list(desk.store.read_all())
        assert [e.position for e in events] == list(range(1, len(events) + 1))
        imported = [e for e in events if e.stream_id.startswith("request-H-")]
        assert len(imported) == 3 * REQUESTS  # receipt, its deadline, decision: each once
        assert len({e.command_id for e in imported if e.type != "request.deadline-set"}) == lines
        assert sum(e.type == "request.received" for e in events) == REQUESTS + len(waits)
        assert verify_log(desk.store).verified == len(events)
    finally:
        if importing.poll() is None:
            importing.kill()
        desk.close()


def test_a_desk_behind_an_import_batch_stops_with_the_lock_timeout(db_url: str) -> None:
    """A batch held longer than a desk's lock_timeout: the desk stops with the one-line
    'another desk or an import holds the books' (BooksBusy), and records nothing."""
    importer = make(db_url)
    desk = make(db_url, lock_timeout=0.5)
    try:
        with importer.db.batch():
            receive(importer, "IMPORTED-1")
            with pytest.raises(BooksBusy) as refused:
                receive(desk, "DESK-1")
        assert "another desk or an import holds the books" in refused.value.message
        assert "waited 0.5 s" in refused.value.message
        assert desk.store.read_stream("request-DESK-1") == []
        assert len(desk.store.read_stream("request-IMPORTED-1")) == 2
    finally:
        importer.close()
        desk.close()


class FailingProjection:
    """A read model whose update fails after the events are inserted (a full disk, a bug)."""

    name = "failing"

    def apply(self, store: object, events: object) -> None:
        raise RuntimeError("the read model could not be updated")


def test_a_failed_command_inside_a_batch_leaves_the_batch_as_before(db_url: str) -> None:
    """Inside a batch each desk command is a savepoint: one that fails after its insert is
    rolled back alone; the commands before and after it commit with the batch, gapless."""
    app = make(db_url)
    try:
        with app.db.batch():
            receive(app, "B-1")
            app.store.projections.append(FailingProjection())
            with pytest.raises(RuntimeError):
                receive(app, "B-2")
            app.store.projections.pop()
            receive(app, "B-3")
        events = list(app.store.read_all())
        assert [e.stream_id for e in events] == ["request-B-1"] * 2 + ["request-B-3"] * 2
        assert [e.position for e in events] == [1, 2, 3, 4]
        assert verify_log(app.store).verified == 4
    finally:
        app.close()


@pytest.mark.postgres
def test_a_long_load_into_new_books_refreshes_the_statistics_as_it_grows(pg_url: str) -> None:
    """Batches committed into an empty PostgreSQL database analyse the tables once the
    rows since the last analysis outnumber ANALYZE_AFTER: with autovacuum off, the plans
    made on the empty tables would otherwise scan the whole log at every command."""
    app = make(pg_url)
    try:
        with Batches(app.store, units=100) as batches:
            for number in batches.each(range(ANALYZE_AFTER + 100)):
                receive(app, f"S-{number}")
        with app.db.reading() as conn:
            analysed = conn.execute(
                "SELECT analyze_count FROM pg_stat_user_tables"
                " WHERE relname = 'events' AND schemaname = current_schema()"
            ).fetchone()
        assert analysed is not None
        assert analysed[0] >= 1
    finally:
        app.close()
