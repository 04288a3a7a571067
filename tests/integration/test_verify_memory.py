"""verify's memory is bounded by its page and its kept requests, not by the log (issue 12).

The bounds are made small here (a page of 500 rows, 100 closed requests kept) so that a
log of 2,000 requests already exceeds them; a log four times as long must then need no
more memory (tracemalloc's peak, within a tolerance). Nothing about time is asserted.
"""

from __future__ import annotations

import tracemalloc
from datetime import date, timedelta

import pytest

from ledger.bootstrap import App, bootstrap
from ledger.events import store as store_module
from ledger.events.requests import DeadlineSet, DecisionIssued, RequestReceived, stream_of
from ledger.events.store import NewEvent, StreamAppend
from ledger.projections import audit
from ledger.projections.calendar import fold_calendar
from ledger.projections.log import verify_log
from ledger.projections.requests import RequestState, deadline

FIRST_DAY = date(2021, 1, 4)
DAYS = 200
"""Receipts cycle over these days: the audit's derived deadlines (by their inputs) are as
many in both logs, as in an office whose log grows by years of the same calendar."""


def _append_requests(app: App, first: int, count: int) -> None:
    """Requests ``first`` … received, their deadline recorded as derived, then decided."""
    calendar = fold_calendar([])
    batches: list[StreamAppend] = []
    for n in range(first, first + count):
        rid = f"a-2021-{n:06d}"
        received = FIRST_DAY + timedelta(days=n % DAYS)
        due = deadline(RequestState(rid, "a", received_on=received), calendar)
        events = [
            RequestReceived(request_id=rid, channel="mail", applicant="natural",
                            received_on=received, submitted_on=received),
            DeadlineSet(due=due.due, reason="received", provisional=due.provisional),
            DecisionIssued(outcome="disclosed"),
        ]  # fmt: skip
        new = [NewEvent(e, received) for e in events]
        batches.append(StreamAppend(stream_of(rid), new, expected_version=0))
        if len(batches) == 500:
            app.store.append_many(batches, actor="test", agency="a")
            batches = []
    if batches:
        app.store.append_many(batches, actor="test", agency="a")


def _verify_peak(app: App) -> int:
    """verify_log's peak of traced memory (bytes), after checking it found the log intact."""
    tracemalloc.start()
    try:
        checked = verify_log(app.store)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert checked.verified == app.store.last_position()
    assert checked.audit.wrong == 0
    return peak


def test_verify_memory_does_not_grow_with_the_log(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """2,000 requests, then 8,000: verify's peak memory stays within a quarter of the first."""
    monkeypatch.setattr(store_module, "READ_BATCH", 500)
    monkeypatch.setattr(audit, "KEPT_CLOSED", 100)
    app = bootstrap(db_url, actor="test")
    try:
        _append_requests(app, 1, 2_000)
        verify_log(app.store)  # imports, translations and calendars loaded once, not traced
        small = _verify_peak(app)
        _append_requests(app, 2_001, 6_000)
        large = _verify_peak(app)
        assert app.store.last_position() == 3 * 8_000
    finally:
        app.close()

    assert large < small * 1.25, (small, large)
