"""Property: no sequence of desk commands and imports, refused or not, breaks the reading side.

Whatever mix of steps the desk records and files import — with bad dates, unknown
outcomes, steps on closed or unknown requests, too many extension days — every refusal
is a one-line ``LedgerError`` and afterwards ``list``, ``alerts``, ``show``, ``remind
--dry-run``, ``report --check`` and ``verify`` all work on a real SQLite file.
"""

from __future__ import annotations

import json
import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.bootstrap import App, bootstrap
from ledger.commands import requests as desk_cmd
from ledger.commands.imports import import_lines
from ledger.commands.years import close_year
from ledger.config import Config
from ledger.dates import FixedClock
from ledger.errors import LedgerError
from ledger.events.requests import stream_of
from ledger.projections.log import verify_log
from ledger.projections.queries import current_alerts, list_requests, show_request
from ledger.projections.reports import ReportQuery, check_report
from ledger.remind import remind

TODAY = date(2021, 6, 30)
FIRST = date(2020, 1, 2)
IDS = ["R-1", "R-2", "R-3"]
OUTCOMES = ["disclosed", "部分公开", "not-held", "nonsense", "other.fee-unpaid"]

near = st.integers(min_value=0, max_value=45).map(lambda n: FIRST + timedelta(days=n))
far = st.sampled_from(
    [date(2019, 12, 31), date(2020, 12, 31), TODAY, date(2021, 7, 1), date(9999, 12, 31)]
)
days = st.one_of(near, near, near, far)  # mostly days a request's steps fall on
ids = st.sampled_from(IDS)


def receive(rid: str, on: date) -> tuple[str, dict[str, Any], date]:
    data = {"request_id": rid, "channel": "in-person", "applicant": "natural",
            "received_on": on.isoformat(), "submitted_on": on.isoformat()}  # fmt: skip
    return "received", data, on


steps = st.one_of(
    st.builds(receive, ids, days),
    st.builds(receive, ids, near),
    st.tuples(st.just("decision-issued"), st.builds(dict, outcome=st.sampled_from(OUTCOMES)), days),
    st.tuples(
        st.just("extension-granted"),
        st.fixed_dictionaries(
            {"days": st.one_of(st.integers(0, 25), st.just(True)), "approver": st.just("王主任")}
        ),
        days,
    ),
    st.tuples(st.just("withdrawn"), st.just({}), days),
    st.tuples(
        st.just("deadline-deferred"),
        st.fixed_dictionaries(
            {"until": st.one_of(near, far).map(date.isoformat), "reason": st.just("大量")}
        ),
        days,
    ),
)


def as_line(rid: str, step: tuple[str, dict[str, Any], date]) -> str:
    kind, data, on = step
    item = {"stream": stream_of(rid), "type": f"request.{kind}", "data": data,
            "effective_date": on.isoformat()}  # fmt: skip
    return json.dumps(item, ensure_ascii=False)


def at_desk(app: App, rid: str, step: tuple[str, dict[str, Any], date]) -> None:
    """The same step typed at the desk."""
    kind, data, on = step
    desk = app.desk()
    if kind == "received":
        desk_cmd.record_receipt(desk, desk_cmd.RecordReceipt(on, "in-person", "natural", rid))
    elif kind == "decision-issued":
        desk_cmd.issue_decision(desk, rid, on, data["outcome"])
    elif kind == "extension-granted":
        desk_cmd.grant_extension(desk, rid, on, int(data["days"]), data["approver"])
    elif kind == "withdrawn":
        desk_cmd.withdraw(desk, rid, on)
    else:
        desk_cmd.defer_deadline(desk, rid, on, date.fromisoformat(data["until"]), data["reason"])


@st.composite
def history(draw: st.DrawFn) -> list[tuple[str, tuple[str, dict[str, Any], date]]]:
    """A plausible request history: a receipt, then steps on later days, in order."""
    rid = draw(ids)
    start = draw(near)
    later = draw(st.lists(steps, max_size=4))
    offsets = sorted(draw(st.lists(st.integers(0, 30), min_size=len(later), max_size=len(later))))
    moved = [(k, d, start + timedelta(days=n)) for (k, d, _), n in zip(later, offsets, strict=True)]
    return [(rid, receive(rid, start)), *((rid, step) for step in moved if step[0] != "received")]


actions = st.one_of(
    st.tuples(st.just("import"), history()),
    st.tuples(st.just("import"), history()),
    st.tuples(st.just("desk"), st.tuples(ids, steps)),
    st.tuples(st.just("import"), st.lists(st.tuples(ids, steps), min_size=1, max_size=6)),
    st.tuples(st.just("close"), st.just(2020)),
)


def act(app: App, action: tuple[str, Any]) -> None:
    """One action; a refusal is a LedgerError and nothing else."""
    kind, what = action
    try:
        if kind == "desk":
            at_desk(app, *what)
        elif kind == "import":
            import_lines(app.desk(), [as_line(rid, step) for rid, step in what], "upload")
        else:
            close_year(app.desk(), what, app.desk().agency)
    except LedgerError:
        pass


def read_everything(app: App) -> None:
    """Every reading of the books a person or the nightly job makes: none may fail."""
    rows = list_requests(app)
    current_alerts(app)
    for row in rows:
        show_request(app, row.id, explain=True)
    remind(app, dry_run=True)
    if rows:
        for year in {2020} & {int(r.received_on.year) for r in rows}:
            check_report(app, ReportQuery(year))
    checked = verify_log(app.store)
    assert checked.verified == app.store.last_position()
    assert checked.deadline_problem() is None


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(actions, min_size=1, max_size=12))
def test_no_mix_of_desk_steps_and_imports_breaks_the_reading_side(
    sequence: list[tuple[str, Any]],
) -> None:
    """Random desk steps and imports, many refused, leave books every reading works on."""
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'ledger.db'}"
        app = bootstrap(url, Config(backdate_days=3650), actor="clerk", clock=FixedClock(TODAY))
        try:
            for action in sequence:
                act(app, action)
            read_everything(app)
        finally:
            app.close()


def test_a_receipt_dated_before_a_closed_year_needs_amend(tmp_path: Path) -> None:
    """A receipt dated 2019 after 2020 was closed would change 2020's carry-over: refused."""
    history = Config(backdate_days=3650)
    app = bootstrap(f"sqlite:///{tmp_path / 'l.db'}", history, clock=FixedClock(TODAY))
    try:
        close_year(app.desk(), 2020, app.desk().agency)
        with pytest.raises(LedgerError, match="--amend"):
            at_desk(app, "R-1", receive("R-1", date(2019, 12, 31)))
    finally:
        app.close()


def test_a_deferral_to_year_9999_is_refused(tmp_path: Path) -> None:
    """`record defer --until 9999-12-31` is refused: the alerts could not count to it."""
    app = bootstrap(f"sqlite:///{tmp_path / 'l.db'}", Config(), clock=FixedClock(TODAY))
    try:
        at_desk(app, "R-1", receive("R-1", date(2021, 6, 1)))
        with pytest.raises(LedgerError, match="--until"):
            desk_cmd.defer_deadline(app.desk(), "R-1", TODAY, date(9999, 12, 31), "大量")
    finally:
        app.close()
