"""The dashboard's counts come from the database (``open_counts``), and say what the
rows of ``ledger list`` say, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest

from ledger.commands import requests as cmd
from ledger.projections.queries import (
    OpenCounts,
    RequestFilter,
    list_requests,
    open_counts,
    received_counts,
)
from tests.web_client import TODAY, Office, office_on

SOON = (3, 5)


@pytest.fixture
def office(db_url: str) -> Iterator[Office]:
    """Requests received on every day of six weeks in two agencies: some overdue, some
    due soon, some asked to clarify, some in consultation, some with both answered, some
    decided."""
    with office_on(db_url, users=()) as made:
        start = TODAY - timedelta(days=45)
        for n in range(46):
            agency = "zja" if n % 3 else "zjb"
            rid = f"{agency}-{n:04d}"
            day = start + timedelta(days=n)
            made.receive(agency, rid, day)
            desk = made.app.desk(agency, actor="setup")
            if n % 7 == 1 and day < TODAY:
                cmd.request_clarification(desk, rid, day + timedelta(days=1),
                                          day + timedelta(days=15))  # fmt: skip
            elif n % 7 == 2 and day < TODAY:
                cmd.start_consultation(desk, rid, day + timedelta(days=1), "某公司")
            elif n % 7 == 3:
                cmd.issue_decision(desk, rid, day, "disclosed")
            elif n % 7 == 4 and day < TODAY - timedelta(days=3):  # answered, then ended
                cmd.request_clarification(desk, rid, day + timedelta(days=1),
                                          day + timedelta(days=15))  # fmt: skip
                cmd.record_clarified(desk, rid, day + timedelta(days=2))
                cmd.start_consultation(desk, rid, day + timedelta(days=2), "某公司")
                cmd.end_consultation(desk, rid, day + timedelta(days=3), "某公司")
        yield made


def _by_rows(office: Office, agencies: set[str] | None) -> dict[str, OpenCounts]:
    """The counts as the rows of ``ledger list`` give them, and each open request's state."""
    desk = office.app.office()
    found: dict[str, OpenCounts] = {}
    rows = list_requests(office.app, RequestFilter(only_open=True))
    for agency in sorted({r.agency for r in rows if agencies is None or r.agency in agencies}):
        mine = [r for r in rows if r.agency == agency]
        states = [cmd.load(desk, r.id) for r in mine]
        found[agency] = OpenCounts(
            len(mine), sum(r.overdue for r in mine),
            tuple(sum(r.due_date is not None and not r.overdue
                      and (r.working_days_left or 0) <= n for r in mine) for n in SOON),
            sum(s.open_clarification is not None for s in states),
            sum(any(c.ended_on is None for c in s.consultations) for s in states),
        )  # fmt: skip
    return found


def test_the_counts_agree_with_the_listed_rows(office: Office) -> None:
    """Every figure, per agency, for every agency and for one: as the list counts it."""
    every = open_counts(office.app, None, SOON)
    assert every == _by_rows(office, None)
    assert open_counts(office.app, {"zjb"}, SOON) == _by_rows(office, {"zjb"})
    assert open_counts(office.app, set(), SOON) == {}
    zja = every["zja"]
    assert zja.overdue > 0
    assert zja.clarifications > 0
    assert zja.consultations > 0
    assert zja.soon[1] > 0
    assert zja.soon[0] <= zja.soon[1]


def test_received_counts_per_agency(office: Office) -> None:
    """Requests received in the year, per agency, as the list counts them."""
    rows = list_requests(office.app, RequestFilter(received_in=TODAY.year))
    expected = {a: sum(r.agency == a for r in rows) for a in ("zja", "zjb")}
    assert received_counts(office.app, TODAY.year, ["zjb", "zja"]) == expected
    assert received_counts(office.app, 1999, ["zja"]) == {"zja": 0}
    assert date(TODAY.year, 1, 1) <= TODAY
