"""One gate: an import is held to the desk's rules, line by line, and stores each line once.

Each test runs on a real SQLite file and on the PostgreSQL server (``db_url``).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from ledger.bootstrap import App, bootstrap
from ledger.commands.imports import ImportRefused, import_file, import_lines
from ledger.config import Config
from ledger.dates import FixedClock
from ledger.events.requests import stream_of
from ledger.projections.log import verify_log
from ledger.projections.queries import list_requests
from ledger.projections.reports import ReportQuery, check_report

TODAY = date(2021, 6, 30)


HISTORY = "history brought in from the old register"
"""An import is history: its reason for being recorded late, given once for the file."""

@pytest.fixture
def app(db_url: str) -> Iterator[App]:
    """An empty ledger on the database under test, today fixed."""
    application = bootstrap(db_url, Config(), actor="importer", clock=FixedClock(TODAY))
    yield application
    application.close()


def line(rid: str, kind: str, on: str, /, **data: Any) -> str:
    """One import line for an event of request ``rid``."""
    item = {
        "stream": stream_of(rid),
        "type": f"request.{kind}",
        "data": data,
        "effective_date": on,
    }
    return json.dumps(item, ensure_ascii=False)


def receipt(request_id: str, on: str, **extra: Any) -> str:
    """An in-person receipt from a natural person."""
    data = {"request_id": request_id, "channel": "in-person", "applicant": "natural",
            "received_on": on, "submitted_on": on, **extra}  # fmt: skip
    return line(request_id, "received", on, **data)


def decision(request_id: str, on: str, outcome: str = "disclosed") -> str:
    return line(request_id, "decision-issued", on, outcome=outcome)


HOSTILE = [
    # (lines before it, the bad line, the rule its refusal names)
    (
        [receipt("A", "2021-03-01"), decision("A", "2021-03-05")],
        decision("A", "2021-03-08", "partial"),
        "a closed request takes no further steps",
    ),
    ([receipt("B", "2021-03-01")], decision("B", "2021-03-05", "nonsense"), "'nonsense'"),
    ([], decision("C", "2021-03-05"), "request C: no such request"),
    ([receipt("D", "2021-03-01")], decision("D", "2021-02-26"), "before the date of receipt"),
    (
        [
            receipt("E", "2021-03-01"),
            line("E", "extension-granted", "2021-03-10", days=20, approver="王主任"),
        ],
        line("E", "extension-granted", "2021-03-11", days=20, approver="王主任"),
        "would make 40 working days of extension; at most 20",
    ),
    (
        [receipt("F", "2021-03-01")],
        line("F", "extension-granted", "2021-03-10", days=True, approver="王主任"),
        "field 'days'",
    ),
    ([], receipt("G", "2021-03-01").replace(stream_of("G"), stream_of("G2")), "differs"),
    ([], receipt("I", "9999-12-31"), "after today"),
]


def test_every_hostile_line_is_refused_with_its_line_and_rule_and_nothing_is_written(
    app: App,
) -> None:
    """All the hostile lines in one file: each is named file:line with its rule; the log stays empty."""
    lines: list[str] = []
    expected: list[tuple[int, str]] = []
    for before, bad, rule in HOSTILE:
        lines += before
        lines.append(bad)
        expected.append((len(lines), rule))
    with pytest.raises(ImportRefused) as refused:
        import_lines(app.desk(backdated=HISTORY), lines, "history.jsonl")
    problems = refused.value.problems
    assert [p.split(": ", 1)[0] for p in problems] == [f"history.jsonl:{n}" for n, _ in expected]
    for problem, (_, rule) in zip(problems, expected, strict=True):
        assert rule in problem
    assert refused.value.message.splitlines()[0] == (
        f"{len(expected)} bad lines in history.jsonl; nothing was imported"
    )
    assert app.store.last_position() == 0
    assert verify_log(app.store).verified == 0


def test_a_request_id_different_from_its_stream_is_refused(app: App) -> None:
    """A receipt whose request_id names another request than its stream is refused."""
    bad = receipt("X", "2021-03-01").replace(stream_of("X"), stream_of("Y"))
    with pytest.raises(ImportRefused, match=r"src:1: request_id 'X' differs from its stream"):
        import_lines(app.desk(backdated=HISTORY), [bad], "src")
    assert app.store.last_position() == 0


def _for_agency(text: str, agency: str) -> str:
    """The line with its ``agency`` key set, as ``ledger log --format json`` writes it."""
    return json.dumps({**json.loads(text), "agency": agency}, ensure_ascii=False)


def _registration(code: str) -> str:
    data = {"code": code, "name": f"{code} 局", "labels": {}, "level": "department"}
    item = {"stream": f"agency-{code}", "type": "agency.registered", "data": data,
            "effective_date": "2021-01-04", "agency": code}  # fmt: skip
    return json.dumps(item, ensure_ascii=False)


def test_a_line_naming_an_unregistered_agency_is_refused_as_at_the_desk(app: App) -> None:
    """Once an agency is registered, a line naming another code is refused with the desk's
    --agency refusal, and nothing is written; a code registered by an earlier line of the
    file is taken, as the log's own order has it."""
    lines = [_registration("zjj"), _for_agency(receipt("A", "2021-03-01"), "zjj")]
    typo = _for_agency(receipt("B", "2021-03-01"), "zjjj")
    with pytest.raises(ImportRefused) as refused:
        import_lines(app.desk(backdated=HISTORY), [*lines, typo], "history.jsonl")
    assert refused.value.problems == [
        "history.jsonl:3: agency: 'zjjj' is not a registered agency; known: zjj "
        "(`ledger agency add CODE --name NAME` registers one)"
    ]
    assert app.store.last_position() == 0
    later = [_for_agency(receipt("C", "2021-03-02"), "zjjj"), _registration("zjjj")]
    with pytest.raises(ImportRefused, match=r"history\.jsonl:3: agency: 'zjjj' is not"):
        import_lines(app.desk(backdated=HISTORY), [*lines, *later], "history.jsonl")
    done = import_lines(app.desk(backdated=HISTORY), [*lines, *reversed(later)], "history.jsonl")
    assert done.requests == {"A", "C"}


def test_a_label_is_converted_to_its_code_and_the_report_checks(app: App) -> None:
    """The outcome label 予以公开 and the channel 当面 are stored as their codes; the year reports."""
    lines = [
        receipt("L-1", "2021-03-01").replace('"in-person"', '"当面"'),
        decision("L-1", "2021-03-05", "予以公开"),
    ]
    summary = import_lines(app.desk(backdated=HISTORY), lines, "src")
    assert summary.requests == {"L-1"}
    (row,) = list_requests(app)
    assert row.channel == "in-person"
    decided = next(app.store.read_all(types=["request.decision-issued"]))
    assert decided.data["outcome"] == "disclosed"
    assert check_report(app, ReportQuery(2021)) is not None
    assert verify_log(app.store).verified == app.store.last_position()


def test_the_same_import_twice_adds_nothing(app: App) -> None:
    """A second run of the same lines finds every line stored and adds no event."""
    lines = [receipt("R-1", "2021-03-01"), decision("R-1", "2021-03-05")]
    first = import_lines(app.desk(backdated=HISTORY), lines, "src")
    after_first = app.store.last_position()
    second = import_lines(app.desk(backdated=HISTORY), lines, "src")
    assert (first.events, first.already) == (after_first, 0)
    assert (second.events, second.already) == (0, 2)
    assert app.store.last_position() == after_first


def test_an_import_cut_short_then_run_again_stores_each_line_once(app: App) -> None:
    """The first half stored (a run cut short), the whole file again: every line once."""
    lines = [x for n in range(1, 21) for x in pair(n)]
    import_lines(app.desk(backdated=HISTORY), lines[:21], "src")
    import_lines(app.desk(backdated=HISTORY), lines, "src")
    assert_each_line_once(app, 20)


def pair(n: int) -> list[str]:
    """A request received and answered."""
    rid = f"P-{n:05d}"
    return [receipt(rid, "2021-03-01"), decision(rid, "2021-03-05")]


def assert_each_line_once(app: App, requests: int) -> None:
    """Every request once, with one receipt and one decision, and the chain intact."""
    received = list(app.store.read_all(types=["request.received"]))
    decided = list(app.store.read_all(types=["request.decision-issued"]))
    assert len(received) == len(decided) == requests
    assert len({e.stream_id for e in received}) == requests
    assert verify_log(app.store).verified == app.store.last_position()


def test_an_import_killed_half_way_and_run_again_stores_each_line_once(
    app: App, db_url: str, tmp_path: Path
) -> None:
    """`ledger import` killed by SIGKILL while writing, run again: every line exactly once."""
    requests = 400
    file = tmp_path / "big.jsonl"
    file.write_text("\n".join(x for n in range(1, requests + 1) for x in pair(n)), "utf-8")
    env = {**os.environ, "LEDGER_TODAY": TODAY.isoformat(), "HOME": str(tmp_path)}
    command = [sys.executable, "-c", "from ledger.cli import main; main()", "--db", db_url]
    process = subprocess.Popen([*command, "import", str(file), "--backdated", HISTORY], env=env)
    deadline = time.monotonic() + 60
    while app.store.last_position() == 0 and time.monotonic() < deadline:
        time.sleep(0.05)  # the rehearsal is done and the first lines are being written
    process.send_signal(signal.SIGKILL)
    process.wait()
    written = app.store.last_position()
    rerun = subprocess.run(
        [*command, "import", str(file), "--backdated", HISTORY], env=env, capture_output=True, text=True, check=False
    )
    assert rerun.returncode == 0, rerun.stderr
    assert written > 0
    assert_each_line_once(app, requests)
    assert import_file(app.desk(backdated=HISTORY), file).events == 0
