"""A year counted from the request table's columns equals it counted request by request.

``ViewTable.count_year`` on the SQL table (``projections/yearcounts.py``) counts the
combinations of a few columns (the steps' among them); ``YearTally.fed``
counts each folded request (the replay's way, and the in-memory table's). After random
desk histories (clarifications, consultations, fee notices, extensions, deferrals,
corrections, retractions, year closes, amended schedules, refused steps) on SQLite and
on PostgreSQL, the rows equal a replay's (the columns the count reads too) and both
give the same table 3 and statistics for every year and agency scope, and the check's
candidates hold every request whose carry-over could disagree with a year close.
``tests/integration/test_read_properties.py`` compares the whole report with a replay.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterator
from operator import attrgetter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.bootstrap import App, bootstrap
from ledger.config import Config
from ledger.dates import FixedClock
from ledger.projections.calendar import load_calendar
from ledger.projections.requests import CarryFacts, open_at_end
from ledger.projections.tables import ViewTable, _spanning_reads, current_table
from ledger.projections.tally import YearTally
from ledger.projections.yearcounts import candidate_reads
from tests.conftest import _fresh_pg_database
from tests.integration.test_projection_table import replayed
from tests.integration.test_read_properties import YEARS, history
from tests.unit.test_request_fold import TODAY

SETTINGS = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@contextlib.contextmanager
def books(kind: str, template: Path, tmp: Path) -> Iterator[App]:
    """Empty books of their own for one example: a copy of the SQLite template, or a new
    PostgreSQL database (dropped afterwards)."""
    if kind == "sqlite":
        path = tmp / f"{next(NUMBERS)}.db"
        path.write_bytes(template.read_bytes())
        urls: Iterator[str] = iter([f"sqlite:///{path}"])
    else:
        urls = _fresh_pg_database()
    url = next(urls)
    app = bootstrap(url, Config(), clock=FixedClock(TODAY))
    try:
        yield app
    finally:
        app.close()
        for _ in urls:  # the generator drops the database
            pass


NUMBERS = itertools.count()


def tallies(table: ViewTable, app: App, year: int, scope: frozenset[str] | None) -> None:
    """Both ways of counting ``year`` agree, with and without the statistics."""
    cal = load_calendar(app.store)
    for with_cal in (cal, None):
        by_columns = YearTally(year, with_cal)
        table.count_year(by_columns, year, year, scope)
        one_by_one = YearTally(year, with_cal).fed(table.touching(year, year, scope))
        assert by_columns.table3() == one_by_one.table3()
        if with_cal is not None:
            assert by_columns.stats() == one_by_one.stats()


def candidates_cover(table: ViewTable, year: int, scope: frozenset[str] | None) -> None:
    """The candidates are exactly the requests open at the end of year - 1 or year, or
    carried over out of one of them, each with the facts its folded state gives (the
    rows equal a replay; picked and read by ``carried_years`` and the other columns, a
    row whose column fell behind its state is missed, picked wrongly or misread)."""
    years = range(year - 1, year + 1)
    found = list(table.carry_candidates(year - 1, year, scope, years))
    wanted = [
        CarryFacts.of(s)
        for s in table.touching(year - 1, year, scope)
        if any(y in s.carried_out_of or open_at_end(s, y) for y in years)
    ]
    assert sorted(found, key=attrgetter("id")) == sorted(wanted, key=attrgetter("id"))


@pytest.mark.parametrize(
    "kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
@SETTINGS
@given(data=st.data())
def test_counting_by_columns_equals_counting_each_request(
    kind: str, template: Path, tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    with books(kind, template, tmp_path_factory.mktemp("books")) as app:
        for i in range(data.draw(st.integers(1, 4), label="requests")):
            history(data, app.store, f"R{i}")
        table = current_table(app.store)
        assert table is not None
        assert {r.request_id: r for r in table.rows()} == replayed(app.store)
        for scope in (None, frozenset({"a"})):
            for year in YEARS:
                tallies(table, app, year, scope)
                candidates_cover(table, year, scope)


@pytest.mark.parametrize(
    "kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_the_oldest_open_requests_are_those_of_each_request(
    kind: str, template: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """More requests open at the year's end than the statistics list, several received
    the same day (ids then in code-point order, upper case before lower): the columns
    name the same oldest ones as counting each request."""
    from datetime import date

    from ledger.commands._context import Desk
    from ledger.commands.requests import RecordReceipt, issue_decision, record_receipt

    with books(kind, template, tmp_path_factory.mktemp("books")) as app:
        desk = Desk(app.store, "clerk", "a", TODAY)
        ids = ["r-9", "R-10", "b-1", "B-2", "a-3", "Z-4", "z-5", "R-6", "r-7", "Q-8", "q-9",
               "A-11", "a-12", "C-13"]  # fmt: skip
        for i, rid in enumerate(ids):
            received = date(2021, 12, 1 + i % 3)
            record_receipt(desk, RecordReceipt(received, "in-person", "natural", rid))
        issue_decision(desk, "a-3", date(2021, 12, 20), "disclosed")
        table = current_table(app.store)
        assert table is not None
        tallies(table, app, 2021, None)
        cal = load_calendar(app.store)
        listed = YearTally(2021, cal)
        table.count_year(listed, 2021, 2021, None)
        oldest = [o.request_id for o in listed.stats().oldest_open]
        assert oldest[:4] == ["B-2", "Q-8", "a-12", "r-9"]
        assert len(oldest) == 10


@pytest.mark.parametrize(
    "kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_the_carried_years_follow_closes_revocations_and_raw_carry_overs(
    kind: str, template: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Years closed out of order (2022, then 2021 after the fact), a request carried over
    then decided inside 2021 by an amendment (both carry-overs revoked), another decided
    late in 2023, and a raw carry-over appended past the desk: each row's
    ``carried_years`` equals a replay's, the check's candidates are the requests open at
    a year's end or carried over out of it, each read by an index (SQLite's plans), and
    the check from the table names the raw carry-over as a replay's check does."""
    from dataclasses import replace
    from datetime import date

    from ledger.commands._context import Desk
    from ledger.commands.requests import RecordReceipt, issue_decision, record_receipt
    from ledger.commands.years import close_year
    from ledger.events.requests import stream_of
    from ledger.events.store import ANY, NewEvent
    from ledger.events.years import RequestCarriedOver
    from ledger.projections.annual import check, collect
    from ledger.projections.yearly import year_facts

    with books(kind, template, tmp_path_factory.mktemp("books")) as app:
        desk = Desk(app.store, "clerk", "a", date(2023, 3, 1))
        for rid, on in (("R-1", date(2021, 12, 20)), ("R-2", date(2021, 12, 21)),
                        ("R-3", date(2022, 6, 1)), ("R-4", date(2021, 3, 1))):  # fmt: skip
            record_receipt(desk, RecordReceipt(on, "in-person", "natural", rid))
        issue_decision(desk, "R-4", date(2021, 3, 20), "disclosed")
        close_year(desk, 2022, "a")
        close_year(desk, 2021, "a")
        issue_decision(replace(desk, amend=True), "R-2", date(2021, 12, 30), "disclosed")
        issue_decision(desk, "R-1", date(2023, 1, 10), "partial")
        table = current_table(app.store)
        assert table is not None
        rows = {r.request_id: r.carried_years for r in table.rows()}
        assert rows == {"R-1": ",2021,2022,", "R-2": None, "R-3": ",2022,", "R-4": None}
        assert {r.request_id: r for r in table.rows()} == replayed(app.store)
        app.store.append(
            stream_of("R-4"),
            [NewEvent(RequestCarriedOver(year=2021), date(2021, 12, 31))],
            expected_version=ANY,
            actor="tamper",
            agency="a",
        )
        assert {r.request_id: r for r in table.rows()} == replayed(app.store)
        for year in (2022, 2023):
            candidates_cover(table, year, None)
        picked = table.carry_candidates(2021, 2022, None, range(2021, 2023))
        assert sorted(s.id for s in picked) == ["R-1", "R-3", "R-4"]
        facts = year_facts(app.store, 2021, 2022, None)
        assert facts is not None
        assert facts.request_table is not None
        if kind == "sqlite":
            for scope in (None, frozenset({"a"})):
                spans = _spanning_reads(scope, range(2021, 2023))
                reads = candidate_reads(app.store.db, spans, range(2021, 2023))
                plans = [str(app.store.db.fetch(f"EXPLAIN QUERY PLAN SELECT request_id "
                                                f"FROM request_view WHERE {w}", p))
                         for w, p in reads]  # fmt: skip
                assert all("INDEX ix_request_view_" in p and "touch_until" in p
                           for p in plans[:-1]), plans  # fmt: skip
                assert "ix_request_view_carried" in plans[-1], plans
        problems = check(facts, 2022, None)
        assert problems == check(collect(app.store), 2022, None)
        assert problems == [
            "request R-4: closed at the end of 2021, but the year close did carry it over"
        ]
