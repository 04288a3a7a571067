"""The request projection in the database: kept by each append, caught up, rebuilt.

Desk commands run through the app the composition root builds, on a SQLite file and
on PostgreSQL; ``request_view`` must then hold exactly the rows a replay gives.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from ledger.bootstrap import App, bootstrap
from ledger.commands._context import Desk
from ledger.commands.requests import RecordReceipt, issue_decision, record_receipt
from ledger.config import Config
from ledger.dates import FixedClock
from ledger.events.requests import RequestWithdrawn, stream_of
from ledger.events.store import ANY, EventStore, NewEvent, Store
from ledger.projections.calendar import load_calendar
from ledger.projections.queries import RequestFilter, find_requests, list_requests
from ledger.projections.tables import (
    ViewRow,
    projection_status,
    rebuild_projections,
    request_projection,
    view_row,
)
from ledger.projections.views import all_requests
from tests.integration.test_requests_provisional import SCHEDULE_2027, run
from tests.integration.test_requests_provisional import TODAY as PROVISIONAL_TODAY

TODAY = date(2021, 6, 30)


@pytest.fixture
def app(db_url: str) -> Iterator[App]:
    """An empty ledger on each backend, "today" fixed."""
    application = bootstrap(
        db_url, Config(backdate_days=3650), actor="clerk", clock=FixedClock(TODAY)
    )
    yield application
    application.close()


def replayed(store: Store) -> dict[str, ViewRow]:
    """The rows a replay of the whole log gives."""
    cal = load_calendar(store)
    return {s.id: view_row(s, cal) for s in all_requests(store)}


def kept(app: App) -> dict[str, ViewRow]:
    """The rows ``request_view`` holds."""
    projection = request_projection(app.store)
    assert projection is not None
    return {r.request_id: r for r in projection.table.rows()}


def receive(app: App, rid: str, on: date) -> None:
    """Record a receipt at the default agency's desk."""
    record_receipt(app.desk(), RecordReceipt(on, "in-person", "natural", rid, subject=f"关于{rid}"))


def test_each_append_keeps_the_table_equal_to_a_replay(app: App) -> None:
    """Receipts and a decision are in ``request_view`` as a replay derives them."""
    receive(app, "A-1", date(2021, 6, 1))
    receive(app, "A-2", date(2021, 6, 2))
    issue_decision(app.desk(), "A-1", date(2021, 6, 10), "disclosed")
    rows = kept(app)
    assert rows == replayed(app.store)
    assert rows["A-1"].outcome == "disclosed"
    assert rows["A-2"].due_date is not None
    assert not rows["A-2"].closed
    [status] = projection_status(app.store)
    assert (status.checkpoint, status.behind) == (app.store.last_position(), 0)


def test_events_appended_without_the_projection_are_caught_up(app: App) -> None:
    """A store that skipped the table (a crash between them) is caught up by the next append."""
    receive(app, "A-1", date(2021, 6, 1))
    assert isinstance(app.store, EventStore)
    bare = EventStore(app.store.db, now=app.store.now)  # the same books, no projection
    before = projection_status(app.store)[0]
    issue_decision(replace(app.desk(), store=bare), "A-1", date(2021, 6, 10), "disclosed")
    assert projection_status(app.store)[0].behind > 0
    assert kept(app)["A-1"].outcome is None
    receive(app, "A-2", date(2021, 6, 2))
    assert kept(app) == replayed(app.store)
    assert projection_status(app.store)[0].behind == 0
    assert before.checkpoint < projection_status(app.store)[0].checkpoint


def test_a_stream_changed_by_another_desk_is_not_folded_from_an_old_read(
    app: App, db_url: str
) -> None:
    """A store folds a stream it read itself from memory only if the append finds it at
    that version under the lock: another desk's step in between makes it read again."""
    receive(app, "A-1", date(2021, 6, 1))
    app.store.read_stream(stream_of("A-1"))  # kept by this store, at version 2
    other = bootstrap(db_url, Config(backdate_days=3650), actor="clerk2", clock=FixedClock(TODAY))
    try:
        issue_decision(other.desk(), "A-1", date(2021, 6, 10), "disclosed")
    finally:
        other.close()
    withdrawn = NewEvent(RequestWithdrawn(), date(2021, 6, 11))
    app.store.append(
        stream_of("A-1"), [withdrawn], expected_version=ANY, actor="clerk", agency="default"
    )
    rows = kept(app)
    assert rows == replayed(app.store)
    assert rows["A-1"].version == 4  # receipt, deadline, the other desk's decision, this


def test_a_rebuild_gives_the_same_table(app: App) -> None:
    """``rebuild_projections`` recreates the table from the log alone, row for row."""
    receive(app, "A-1", date(2021, 6, 1))
    issue_decision(app.desk(), "A-1", date(2021, 6, 10), "disclosed")
    receive(app, "A-2", date(2021, 6, 2))
    before = kept(app)
    [status] = rebuild_projections(app.store)
    assert status.behind == 0
    assert kept(app) == before == replayed(app.store)


def test_the_row_has_the_declared_columns() -> None:
    """``ViewRow``'s fields, then the subject's signature (``ledger.search``), are the
    columns ``request_view`` declares, in order."""
    from ledger.events.schema import REQUEST_VIEW
    from ledger.projections.tables import COLUMNS
    from ledger.search import SIGNATURE_COLUMNS

    assert tuple(c.name for c in REQUEST_VIEW.columns) == (*COLUMNS, *SIGNATURE_COLUMNS)


def test_the_indexed_columns_are_those_the_indexes_hold() -> None:
    """``INDEXED`` (the columns a decision's ``UPDATE`` leaves out when unchanged) names
    every column an index of ``request_view`` holds besides the key: one left out of it
    would keep a stale index entry. The signature's columns are the one other index: the
    ``UPDATE`` sets them when the signature is at hand and otherwise writes only a row
    whose subject did not change (test_find_signatures). An index of an expression holds
    the columns it names; an index's included columns are held too."""
    import re

    from ledger.events.schema import REQUEST_VIEW
    from ledger.projections.tables import INDEXED
    from ledger.search import SIGNATURE_COLUMNS

    def named(index: object) -> set[str]:
        said = " ".join(str(e) for e in index.expressions)  # type: ignore[attr-defined]
        return {c.name for c in REQUEST_VIEW.columns if re.search(rf"\b{c.name}\b", said)}

    held = {c for index in REQUEST_VIEW.indexes for c in named(index)}
    held |= {c for i in REQUEST_VIEW.indexes for c in i.dialect_options["postgresql"]["include"] or ()}
    assert "request_id" in named(next(i for i in REQUEST_VIEW.indexes if i.name.endswith("grams")))
    assert held == {*INDEXED, *SIGNATURE_COLUMNS}


def test_the_indexed_values_are_those_of_the_row(app: App) -> None:
    """``indexed_values`` (the row before an append, without its snapshot) gives what the
    full row holds in its indexed columns, for open, extended, decided and withdrawn
    requests."""
    from ledger.commands.requests import grant_extension
    from ledger.projections.tables import INDEXED_VALUES, indexed_values

    receive(app, "A-1", date(2021, 6, 1))
    receive(app, "A-2", date(2020, 12, 2))
    receive(app, "A-3", date(2021, 6, 3))
    grant_extension(app.desk(), "A-2", date(2020, 12, 21), 10, "head of office")
    issue_decision(app.desk(), "A-1", date(2021, 6, 10), "disclosed")
    app.store.append(
        stream_of("A-3"), [NewEvent(RequestWithdrawn(), date(2021, 6, 11))],
        expected_version=ANY, actor="clerk", agency="default",
    )  # fmt: skip
    cal = load_calendar(app.store)
    states = list(all_requests(app.store))
    assert len(states) == 3
    for state in states:
        assert indexed_values(state, cal) == INDEXED_VALUES(view_row(state, cal))
    assert kept(app) == replayed(app.store)


def test_list_and_find_read_the_projection_as_a_replay_would(app: App) -> None:
    """``list_requests`` and ``find_requests`` give the same rows from the table as by replay."""
    receive(app, "A-1", date(2021, 6, 1))
    receive(app, "B-2", date(2020, 12, 2))
    issue_decision(app.desk(), "A-1", date(2021, 6, 10), "disclosed")
    filters = [RequestFilter(), RequestFilter(only_open=True), RequestFilter(received_in=2020),
               RequestFilter(overdue=True), RequestFilter(due_within=5, agency="default")]  # fmt: skip
    projected = [list_requests(app, f) for f in filters]
    found = find_requests(app, "a-", personal=False, as_of=date(2021, 7, 30))
    assert projected[1] == list_requests(app, RequestFilter(only_open=True))
    app.store.projections.clear()  # the same books read by replay
    assert projected == [list_requests(app, f) for f in filters]
    assert found == find_requests(app, "a-", personal=False, as_of=date(2021, 7, 30))
    assert [r.id for r in projected[0]] == ["B-2", "A-1"]


def test_a_recorded_schedule_refreshes_the_rows_it_moves(db_url: str, tmp_path: Path) -> None:
    """After `calendar add`, provisional due dates are final in the table, as in a replay."""
    app = bootstrap(db_url, Config(backdate_days=3650), actor="clerk")
    try:
        desk = Desk(app.store, "clerk", "default", PROVISIONAL_TODAY)
        record_receipt(desk, RecordReceipt(date(2026, 12, 10), "in-person", "natural", "P-1"))
        record_receipt(desk, RecordReceipt(date(2026, 12, 14), "in-person", "natural", "P-3"))
        issue_decision(desk, "P-3", date(2026, 12, 18), "disclosed")
        assert kept(app)["P-1"].provisional
        assert kept(app)["P-3"].provisional  # closed: no deadline event will name it
        schedule = tmp_path / "2027.toml"
        schedule.write_text(SCHEDULE_2027, encoding="utf-8")
        run(db_url, "calendar", "add", "2027", "--file", str(schedule))
        assert not kept(app)["P-1"].provisional
        assert not kept(app)["P-3"].provisional
        assert kept(app) == replayed(app.store)
    finally:
        app.close()


def test_a_scan_reads_every_row_page_by_page(app: App) -> None:
    """``scan`` (``ledger find``) gives every row once, whatever the page size."""
    for i in range(5):
        receive(app, f"A-{i}", date(2021, 6, 1 + i))
    projection = request_projection(app.store)
    assert projection is not None
    every = sorted(projection.table.rows(), key=lambda r: r.request_id)
    for batch in (1, 2, 5, 6):
        assert list(projection.table.scan(batch)) == every


def test_an_amended_schedule_refreshes_the_report_columns(app: App) -> None:
    """An amended official schedule moves the working days a decided request's clock
    stood still and the clarification limit (Art. 30): the rows say so, as a replay."""
    from ledger.calendar import YearSchedule, package_schedule
    from ledger.commands.calendar import record_schedule
    from ledger.commands.requests import record_clarified, request_clarification

    receive(app, "A-1", date(2021, 6, 1))
    # the 7th working day after 2021-06-01 is 06-10: a notice on 06-11 is late
    request_clarification(app.desk(), "A-1", date(2021, 6, 11), date(2021, 6, 25))
    record_clarified(app.desk(), "A-1", date(2021, 6, 18))
    issue_decision(app.desk(), "A-1", date(2021, 6, 25), "disclosed")
    before = kept(app)["A-1"]
    assert before.step_counts == "2021:0:1:1"
    official = package_schedule(2021)
    assert official is not None
    off = {date(2021, 6, 8): "停工", date(2021, 6, 16): "停工"}
    record_schedule(app.desk(), YearSchedule(2021, {**official.holidays, **off}, official.workdays))
    after = kept(app)["A-1"]
    assert after.step_counts == "2021:0:1:0"  # the limit is now 06-11
    assert after.paused_days == before.paused_days - 1  # 06-16 was inside the pause
    assert kept(app) == replayed(app.store)
