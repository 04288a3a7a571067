"""An append's statements do not grow with the number of streams it names (SQLite trace)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pytest

from ledger.bootstrap import bootstrap
from ledger.errors import ConcurrencyError
from ledger.events.store import ANY, NO_STREAM, NewEvent, Store, StoredEvent, StreamAppend
from tests.probe_events import Noted

DAY = date(2021, 3, 1)


def _batches(streams: int, expected: int = NO_STREAM) -> list[StreamAppend]:
    return [
        StreamAppend(f"s-{i}", [NewEvent(Noted(text=str(i)), DAY)], expected_version=expected)
        for i in range(streams)
    ]


def test_append_many_checks_every_stream_with_one_query(sqlite_url: str) -> None:
    """Fifty streams in one append: BEGIN, one SELECT (which also read the request
    projection's checkpoint), the INSERT of the events, the checkpoint moved by one
    upsert (no request among them), COMMIT."""
    app = bootstrap(sqlite_url)
    try:
        app.store.append_many(_batches(2), actor="x", agency="a")  # the checkpoint's row
        seen: list[str] = []
        app.db.connection().set_trace_callback(seen.append)
        app.store.append_many(_batches(50, expected=ANY), actor="x", agency="a")
        app.db.connection().set_trace_callback(None)
        kinds = [s.split()[0] for s in seen]
        assert kinds[0] == "BEGIN"
        assert kinds[-1] == "COMMIT"
        assert kinds.count("SELECT") == 1
        assert "projection_checkpoints" in seen[1]
        moved = [s for s in seen if "INTO projection_checkpoints" in s]
        assert len(moved) == 1
        assert {k for k in kinds if k not in ("BEGIN", "SELECT", "COMMIT")} == {"INSERT"}
        assert len(kinds) == 3 + 50 + 1  # BEGIN, SELECT, an INSERT per event, the upsert
        assert app.store.stream_version("s-0") == 2
        assert app.store.stream_version("s-49") == 1
    finally:
        app.close()


def test_one_stale_stream_refuses_the_whole_batch(sqlite_url: str) -> None:
    """The one query finds the stream among many that moved on, and nothing is stored."""
    app = bootstrap(sqlite_url)
    try:
        app.store.append_many(_batches(1), actor="x", agency="a")
        with pytest.raises(ConcurrencyError) as refused:
            app.store.append_many(_batches(30), actor="x", agency="a")
        assert refused.value.stream_id == "s-0"
        assert app.store.last_position() == 1
    finally:
        app.close()


class _Reader:
    """A projection that reads one stream inside every append, as the request view does."""

    name = "reader"

    def __init__(self, stream: str) -> None:
        self.stream = stream
        self.seen: list[list[int]] = []

    def apply(self, store: Store, events: Sequence[StoredEvent]) -> None:
        self.seen.append([e.version for e in store.read_stream(self.stream)])


def test_a_stream_read_before_an_append_is_read_again_only_if_it_moved(sqlite_url: str) -> None:
    """Inside an append, the append's stream, read by this store before, is answered
    without a query when the append's version check finds it unchanged; a stream another
    writer moved is read again, so a projection never folds a stale stream."""
    app = bootstrap(sqlite_url)
    other = bootstrap(sqlite_url)
    try:
        app.store.append_many(_batches(1), actor="x", agency="a")  # s-0 at version 1
        reader = _Reader("s-0")
        app.store.projections.append(reader)
        assert [e.version for e in app.store.read_stream("s-0")] == [1]
        seen: list[str] = []
        app.db.connection().set_trace_callback(seen.append)
        app.store.append("s-0", [NewEvent(Noted(text="b"), DAY)], expected_version=1,
                         actor="x", agency="a")  # fmt: skip
        app.db.connection().set_trace_callback(None)
        assert reader.seen[-1] == [1, 2]
        assert not [s for s in seen if "WHERE stream_id = " in s]
        other.store.append("s-0", [NewEvent(Noted(text="c"), DAY)], expected_version=2,
                           actor="x", agency="a")  # fmt: skip
        app.store.append("t", [NewEvent(Noted(text="d"), DAY)], expected_version=NO_STREAM,
                         actor="x", agency="a")  # fmt: skip
        assert reader.seen[-1] == [1, 2, 3]
    finally:
        other.close()
        app.close()


def test_a_decision_sets_only_the_indexed_columns_it_changes(sqlite_url: str) -> None:
    """A receipt's row is an upsert of every column; the decision then reads nothing
    more and its ``UPDATE`` leaves out the indexed columns it does not change (SQLite
    rewrites an index whenever one of its columns is set), setting those it does."""
    from ledger.commands.requests import RecordReceipt, issue_decision, record_receipt
    from ledger.config import Config

    app = bootstrap(sqlite_url, Config(backdate_days=3650), actor="clerk")
    try:
        desk = app.desk()
        record_receipt(desk, RecordReceipt(date(2021, 3, 1), "in-person", "natural", "R-1"))
        seen: list[str] = []
        app.db.connection().set_trace_callback(seen.append)
        issue_decision(desk, "R-1", date(2021, 3, 10), "disclosed")
        app.db.connection().set_trace_callback(None)
        [row] = [s for s in seen if "request_view" in s]
        assert row.startswith("UPDATE request_view SET")
        assert "closed = " in row
        assert "decided_year = " in row
        for kept in ("agency = ", "received_year = ", "applicant_ref = ", "recorded_late = "):
            assert kept not in row
    finally:
        app.close()


def test_a_receipt_does_not_read_its_new_stream(sqlite_url: str) -> None:
    """A receipt appends at NO_STREAM without reading its stream first (the append's
    version check refuses a taken id); a taken id is then read to say why."""
    from ledger.commands.requests import IdTaken, RecordReceipt, record_receipt
    from ledger.config import Config

    app = bootstrap(sqlite_url, Config(backdate_days=3650), actor="clerk")
    try:
        desk = app.desk()
        receipt = RecordReceipt(date(2021, 3, 1), "in-person", "natural", "R-1")
        seen: list[str] = []
        app.db.connection().set_trace_callback(seen.append)
        record_receipt(desk, receipt)
        app.db.connection().set_trace_callback(None)
        assert not [s for s in seen if "stream_id = 'request-R-1'" in s]
        with pytest.raises(IdTaken, match="R-1 already exists"):
            record_receipt(desk, receipt)
    finally:
        app.close()
