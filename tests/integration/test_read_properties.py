"""Reads from the request table equal reads by replay: properties over random histories.

Random desk histories of several requests at two agencies (the real command handlers,
refused steps included), with corrections, retractions and year closes, go onto a
SQLite file and onto the in-memory store, both keeping the request projection. The
annual report and its check (``projections/yearly.py``: only the requests that touch the
year), what a year close carries over, the alerts (the open requests' rows) and the deadline audit (closed requests
dropped and re-read) must equal what a replay of the whole log gives — also after a
rebuild half-way, after a crash that left events without their projection, and after an
amended official schedule moved the working days.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.bootstrap import bootstrap
from ledger.calendar import YearSchedule, package_schedule
from ledger.commands import corrections as fix
from ledger.commands import requests as cmd
from ledger.commands._context import Desk
from ledger.commands.calendar import record_schedule
from ledger.commands.years import close_year
from ledger.config import Config
from ledger.dates import FixedClock
from ledger.errors import LedgerError
from ledger.events.memory import MemoryStore
from ledger.events.requests import stream_of
from ledger.events.store import Store
from ledger.projections.alerts import Alert, compute_alerts
from ledger.projections.annual import Facts, ReportRequest, build_report, check, collect
from ledger.projections.audit import DeadlineAudit, DeadlineAuditor
from ledger.projections.calendar import load_calendar
from ledger.projections.tables import RequestProjection, attach, request_projection
from ledger.projections.yearend import open_at_year_end
from ledger.projections.yearly import year_facts
from tests.unit.test_request_fold import TODAY, draw_step, run_step

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
AGENCIES = ("a", "b")
YEARS = range(2019, 2025)


@contextlib.contextmanager
def sqlite_store(template: Path) -> Iterator[Store]:
    """A SQLite copy of the empty books, keeping the projection (as ``bootstrap`` builds)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "books.db"
        shutil.copyfile(template, path)
        app = bootstrap(f"sqlite:///{path}", Config(), clock=FixedClock(TODAY))
        try:
            yield app.store
        finally:
            app.close()


@contextlib.contextmanager
def memory_store(_template: Path) -> Iterator[Store]:
    """An in-memory store keeping the projection."""
    store = MemoryStore()
    attach(store)
    yield store


STORES = {"sqlite": sqlite_store, "memory": memory_store}


def either(run: Callable[[Desk], object], desk: Desk) -> None:
    """Run a step at the desk, again with ``--amend`` if it reaches a closed year; a step
    the rules refuse records nothing (refusals are part of random histories)."""
    with contextlib.suppress(LedgerError):
        try:
            run(desk)
        except LedgerError:
            run(replace(desk, amend=True))


def history(data: st.DataObject, store: Store, rid: str) -> None:
    """A receipt at one of the agencies, random steps, maybe a correction or retraction."""
    agency = data.draw(st.sampled_from(AGENCIES), label="agency")
    desk = Desk(store, "clerk", agency, TODAY)
    received = data.draw(st.dates(date(2019, 1, 1), date(2023, 12, 31)), label="received")
    receipt = cmd.RecordReceipt(received, "in-person", "natural", rid)
    either(lambda d: cmd.record_receipt(d, receipt), desk)
    if not store.read_stream(stream_of(rid)):
        return
    on = received
    for _ in range(data.draw(st.integers(0, 10), label="steps")):
        step = draw_step(data, cmd.load(desk, rid))
        on += timedelta(days=step.gap)
        either(lambda d, s=step, o=on: run_step(d, rid, s, o), desk)
    changes = ["none", "retract", "correct", "close", "calendar"]
    change = data.draw(st.sampled_from(changes), label="change")
    if change == "retract":
        steps = [e.position for e in store.read_stream(stream_of(rid))][1:]
        if steps:
            target = data.draw(st.sampled_from(steps), label="retracted")
            either(lambda d: fix.retract(d, rid, target, "recorded by mistake", "王主任"), desk)
    elif change == "correct":
        outcome = data.draw(st.sampled_from(["disclosed", "partial"]), label="outcome")
        either(lambda d: fix.correct(d, fix.Correction(rid, "typed wrong", outcome=outcome)), desk)
    elif change == "close":
        year = data.draw(st.sampled_from(list(YEARS)), label="closed year")
        either(lambda d: close_year(d, year, agency), desk)
    elif change == "calendar":
        amend_calendar(data, desk, received, on)


def amend_calendar(data: st.DataObject, desk: Desk, first: date, last: date) -> None:
    """Record an amended official schedule for the year of ``first``: the package's with
    some of the days from ``first`` to ``last`` off besides, so the request's due date,
    paused working days and clarification limit move (the projection must refresh every
    row with the calendar)."""
    year = first.year
    official = package_schedule(year)
    assert official is not None
    days = st.dates(first, min(last, date(year, 12, 31)))
    off = data.draw(st.sets(days, min_size=1, max_size=10), label="days off")
    holidays = {**official.holidays, **dict.fromkeys(off - official.workdays, "停工")}
    either(lambda d: record_schedule(d, YearSchedule(year, holidays, official.workdays)), desk)


def detached(store: Store) -> Iterator[RequestProjection]:
    """The store's projection, taken off it (a replay store) for the duration."""
    projection = request_projection(store)
    assert projection is not None
    store.projections.remove(projection)
    try:
        yield projection
    finally:
        store.projections.append(projection)


def replayed(store: Store, read: Callable[[], object]) -> object:
    """What ``read`` gives when the store keeps no projection: a replay of the log."""
    with contextlib.contextmanager(detached)(store):
        return read()


def year_read(store: Store, first: int, year: int, scope: frozenset[str] | None) -> Facts:
    """The facts of the years from the request table (which the store keeps)."""
    facts = year_facts(store, first, year, scope)
    assert facts is not None
    return facts


def reads_agree(store: Store, day: date) -> None:
    """Every read from the table equals its replay: report, check, what a year close
    carries over, alerts, audit."""
    everything = collect(store)
    for scope in (None, frozenset({"a"})):
        for year in YEARS:
            request = ReportRequest(year, scope)
            facts = year_read(store, year, year, scope)
            assert build_report(facts, request) == build_report(everything, request)
            assert facts.agencies() == everything.agencies()
            checked = year_read(store, year - 1, year, scope)
            assert check(checked, year, scope) == check(everything, year, scope)
    for agency_code in AGENCIES:
        for year in YEARS:
            assert carried(store, year, agency_code) == replayed(
                store, lambda y=year, a=agency_code: carried(store, y, a)
            )
    cal = load_calendar(store)
    for agency in (None, "a"):
        kept: list[Alert] = compute_alerts(store, cal, day, 5, agency)
        assert kept == replayed(store, lambda a=agency: compute_alerts(store, cal, day, 5, a))
    assert audit(store, 0) == audit(store, 4096)


def carried(store: Store, year: int, agency: str) -> list[tuple[str, int]]:
    """What closing the year would carry over (each request at its stream version)."""
    return [(s.id, s.version) for s in open_at_year_end(store, year, agency)]


def audit(store: Store, kept_closed: int) -> DeadlineAudit:
    """The deadline audit keeping ``kept_closed`` closed requests' states."""
    auditor = DeadlineAuditor(store, kept_closed)
    for e in store.read_all():
        auditor.feed(e)
    return auditor.result()


def alert_day(data: st.DataObject, store: Store) -> date:
    """A day on or after every recorded fact (the table's alerts apply), near them."""
    latest = max((e.effective_date for e in store.read_all()), default=TODAY)
    return latest + timedelta(days=data.draw(st.integers(0, 40), label="alert day"))


@pytest.mark.parametrize("kind", sorted(STORES))
@SETTINGS
@given(data=st.data())
def test_reads_from_the_table_equal_a_replay(
    kind: str, template: Path, data: st.DataObject
) -> None:
    """After random histories, the report, its check, the alerts and the audit agree."""
    with STORES[kind](template) as store:
        for i in range(data.draw(st.integers(1, 4), label="requests")):
            history(data, store, f"R{i}")
        reads_agree(store, alert_day(data, store))


@pytest.mark.parametrize("kind", sorted(STORES))
@SETTINGS
@given(data=st.data())
def test_reads_agree_after_a_rebuild_half_way(
    kind: str, template: Path, data: st.DataObject
) -> None:
    """Rebuilt from the log between histories, the reads still equal a replay after."""
    with STORES[kind](template) as store:
        history(data, store, "R0")
        projection = request_projection(store)
        assert projection is not None
        projection.rebuild(store)
        history(data, store, "R1")
        reads_agree(store, alert_day(data, store))


@pytest.mark.parametrize("kind", sorted(STORES))
@SETTINGS
@given(data=st.data())
def test_reads_agree_after_a_crash_between_batches(
    kind: str, template: Path, data: st.DataObject
) -> None:
    """Events appended without the projection are caught up by the next read."""
    with STORES[kind](template) as store:
        history(data, store, "R0")
        with contextlib.contextmanager(detached)(store):
            history(data, store, "R1")  # the crash: the log moves on, the table does not
        if data.draw(st.booleans(), label="caught up by the next append"):
            history(data, store, "R2")
        reads_agree(store, alert_day(data, store))
