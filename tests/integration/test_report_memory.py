"""The annual report holds what it prints, not the year's requests (issue 12).

The report of a year as the books stand reads the year's rows of the request table
(``projections/yearly.py``) and counts them as they stream (``tally.YearTally``); a
reader that kept every folded request would grow by about a kilobyte a request. The
peak of Python allocations while reading, counting and checking a year is measured with
``tracemalloc`` on books of N requests (SQLite, PostgreSQL) and again after 3N more: the
peak may not grow with them, and the report still equals a replay's. Memory, not time: nothing here is timed.
"""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import Iterator
from datetime import date, timedelta

import pytest

from ledger import db
from ledger.bootstrap import App, bootstrap
from ledger.commands import requests as cmd
from ledger.commands._context import Desk
from ledger.config import Config
from ledger.dates import FixedClock
from ledger.projections.annual import ReportRequest, build_report, check, collect
from ledger.projections.yearly import year_facts

TODAY = date(2024, 6, 3)
N = 300
PAGE = 50
"""Rows a streamed read holds at a time here (well under N, so both sizes fill pages)."""
GROWTH_ALLOWED = 1.25
"""The peak at 4N requests against the peak at N (a reader keeping the requests: ~2.5×)."""


@pytest.fixture
def app(db_url: str) -> Iterator[App]:
    opened = bootstrap(db_url, Config(), clock=FixedClock(TODAY))
    try:
        yield opened
    finally:
        opened.close()


def receive(desk: Desk, start: int, count: int) -> None:
    """Requests received in the first quarter of 2023, every other one answered (the
    days and spans repeat within N: the calendar's caches are full at both sizes)."""
    for n in range(start, start + count):
        rid = f"a-2023-{n:05d}"
        received = date(2023, 1, 2) + timedelta(days=n % 90)
        cmd.record_receipt(desk, cmd.RecordReceipt(received, "in-person", "natural", rid))
        if n % 2:
            cmd.issue_decision(desk, rid, received + timedelta(days=n % 20), "disclosed")


def report_peak(app: App) -> int:
    """The peak of allocations while the 2023 report is read, counted and checked."""
    facts = year_facts(app.store, 2022, 2023, None)
    assert facts is not None
    build_report(facts, ReportRequest(2023))  # caches (calendar, statements) warmed
    gc.collect()
    tracemalloc.start()
    try:
        facts = year_facts(app.store, 2022, 2023, None)
        assert facts is not None
        report = build_report(facts, ReportRequest(2023))
        assert check(facts, 2023, None) == []
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert report.stats is not None
    return peak


def test_the_report_peak_does_not_grow_with_the_years_requests(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db, "STREAM_BATCH", PAGE)  # pages smaller than the year: N > PAGE
    desk = Desk(app.store, "clerk", "a", TODAY)
    receive(desk, 0, N)
    small = report_peak(app)
    receive(desk, N, 3 * N)
    large = report_peak(app)
    assert large < small * GROWTH_ALLOWED, (small, large)
    facts = year_facts(app.store, 2022, 2023, None)
    assert facts is not None
    replayed = collect(app.store)
    assert build_report(facts, ReportRequest(2023)) == build_report(replayed, ReportRequest(2023))
    assert check(facts, 2023, None) == check(replayed, 2023, None)
