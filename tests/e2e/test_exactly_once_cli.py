"""Exactly once at the command line: --command-id on desk commands, and imports run twice."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from ledger.bootstrap import bootstrap
from ledger.commands._once import RACE_RETRIES
from ledger.commands.years import close_year
from ledger.config import Config
from ledger.dates import FixedClock
from ledger.events.store import EventStore
from ledger.events.years import year_prefix
from tests.e2e.cli_runner import LedgerCli


@pytest.fixture
def cli(tmp_path: Path) -> LedgerCli:
    """The command on a private SQLite file, today 2021-03-31."""
    return LedgerCli(tmp_path / "desk.db", "2021-03-31")


def log_size(cli: LedgerCli) -> int:
    return len(cli("log").out.splitlines())


RECEIVE = "record receive R-1 --date 2021-03-01 --channel in-person --applicant natural"


def test_a_desk_command_given_the_same_command_id_twice_records_once(cli: LedgerCli) -> None:
    """The same --command-id twice: one set of events, and the retry prints the same confirmation."""
    first = cli(f"{RECEIVE} --command-id desk-7-0001")
    after_first = log_size(cli)
    again = cli(f"{RECEIVE} --command-id desk-7-0001")
    assert (first.code, again.code) == (0, 0)
    assert again.out.splitlines() == [
        "command desk-7-0001 was already recorded; nothing new was stored",
        first.out.strip(),
    ]
    assert log_size(cli) == after_first == 2
    decide = "record decide R-1 --date 2021-03-05 --outcome 予以公开 --command-id desk-7-0002"
    decided = cli(decide).out.strip()
    assert cli(decide).out.splitlines()[-1] == decided
    assert log_size(cli) == 3
    assert cli("verify").code == 0


def test_a_desk_command_without_an_id_prints_the_one_it_was_given(cli: LedgerCli) -> None:
    """Without --command-id, stderr names the generated id; giving it again records nothing new."""
    first = cli(RECEIVE)
    hint = first.err.strip()
    assert hint.startswith("command id: ")
    command_id = hint.removeprefix("command id: ").split(";")[0]
    assert hint == f"command id: {command_id}; give --command-id {command_id} to retry safely"
    again = cli(f"{RECEIVE} --command-id {command_id}")
    assert again.out.splitlines()[-1] == first.out.strip()
    assert again.err == ""
    assert log_size(cli) == 2


def test_close_year_and_agency_add_take_a_command_id(cli: LedgerCli) -> None:
    """A year closed, and an agency added, with an id: the retry prints the first result."""
    cli.ok(RECEIVE)
    close = cli("close-year 2020 --command-id close-2020")
    assert cli("close-year 2020 --command-id close-2020").out == close.out
    add = cli("agency add zjj --name 某某局 --command-id add-zjj")
    size = log_size(cli)
    assert cli("agency add zjj --name 某某局 --command-id add-zjj").out == add.out
    assert log_size(cli) == size


def test_a_bad_command_id_is_refused_in_one_line(cli: LedgerCli) -> None:
    """A command id with spaces is refused, naming the option, and nothing is recorded."""
    ran = cli(*RECEIVE.split(), "--command-id", "a b")
    assert ran.refusal().startswith("ledger: --command-id: 'a b' is not allowed")
    assert log_size(cli) == 0


def test_the_log_as_json_imports_back_into_new_books(cli: LedgerCli, tmp_path: Path) -> None:
    """`ledger log --format json` of one ledger imports into another: the same requests and steps."""
    cli.ok(RECEIVE)
    cli.ok("record extend R-1 --date 2021-03-10 --days 10 --approver 王主任")
    cli.ok("record decide R-1 --date 2021-03-20 --outcome 部分公开")
    exported = tmp_path / "log.jsonl"
    exported.write_text(cli("log", "--format", "json").out, encoding="utf-8")
    other = LedgerCli(tmp_path / "other" / "desk.db", "2021-03-31")
    dry = other("import", str(exported), "--dry-run")
    assert dry.code == 0, dry.err
    assert dry.out.strip() == (
        "would add 5 events for 1 requests (years 2021); 0 lines already recorded, "
        "2 derived events re-derived"
    )
    assert log_size(other) == 0
    assert other("import", str(exported)).code == 0
    assert other("show", "R-1").out == cli("show", "R-1").out
    assert other("import", str(exported)).out.startswith("imported 0 events")
    assert other("verify").code == 0


def test_an_import_lists_every_bad_line_and_writes_nothing(cli: LedgerCli, tmp_path: Path) -> None:
    """Two bad lines in a file: both are printed as file:line: rule, the exit is 2, the log empty."""
    good = {"request_id": "R-1", "channel": "in-person", "applicant": "natural",
            "received_on": "2021-03-01", "submitted_on": "2021-03-01"}  # fmt: skip
    lines = [
        {"stream": "request-R-1", "type": "request.received", "data": good,
         "effective_date": "2021-03-01"},
        {"stream": "request-R-1", "type": "request.decision-issued",
         "data": {"outcome": "nonsense"}, "effective_date": "2021-03-05"},
        {"stream": "request-R-9", "type": "request.withdrawn", "data": {},
         "effective_date": "2021-03-05"},
    ]  # fmt: skip
    file = tmp_path / "bad.jsonl"
    file.write_text("\n".join(json.dumps(x) for x in lines), encoding="utf-8")
    ran = cli("import", str(file))
    assert ran.code == 2
    head, *problems = ran.err.strip().splitlines()
    assert head == f"ledger: 2 bad lines in {file}; nothing was imported"
    assert problems[0].startswith(f"{file}:2: outcome: 'nonsense' is not an outcome")
    assert problems[1].startswith(f"{file}:3: request R-9: no such request")
    assert log_size(cli) == 0


def test_the_demonstration_log_imports_into_new_books_with_the_same_reports(
    tmp_path: Path,
) -> None:
    """Every event of `ledger demo`, exported as JSON and imported through the gate, gives the
    same statutory tables (the statistics appendix counts when facts were recorded, and an
    import records them anew; `ledger export events` and `restore` keep that exactly)."""
    demo = LedgerCli(tmp_path / "demo" / "demo.db", "2022-03-01", init=False)
    assert demo.process("demo", "--db", str(demo.db)).code == 0
    exported = tmp_path / "demo.jsonl"
    exported.write_text(demo("log", "--format", "json").out, encoding="utf-8")
    books = LedgerCli(tmp_path / "books" / "desk.db", "2022-03-01")
    refused = books("import", str(exported))  # the demo amends a closed 2021
    assert refused.code == 2
    assert "record it again with --amend" in refused.err
    assert books("import", str(exported), "--amend").code == 0
    for year in ("2020", "2021"):
        assert books("report", year, "--no-stats").out == demo("report", year, "--no-stats").out
    assert books("verify").code == 0
    again = books("import", str(exported)).out
    assert again.startswith("imported 0 events for 0 requests")


def test_a_command_overtaken_by_close_year_on_every_try_says_so_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A decision overtaken on each of its tries by another desk closing a year: one line
    in Chinese saying the year was being closed and to try again, exit status 3, nothing
    recorded; typed again, it is recorded."""
    cli = LedgerCli(tmp_path / "desk.db", "2021-03-31", lang=None)
    cli.ok(RECEIVE)
    head = bootstrap(f"sqlite:///{cli.db}", Config(), actor="head",
                     clock=FixedClock(date(2021, 3, 31)), ensure=False)  # fmt: skip
    listed, closing, closed = EventStore.stream_ids, iter(range(2015, 2015 + RACE_RETRIES)), []

    def overtaken(store: EventStore, prefix: str) -> list[str]:
        """The other desk closes a year right after the command lists the closed ones."""
        ids = listed(store, prefix)
        if prefix == year_prefix("default") and store is not head.store:
            year = next(closing, None)
            if year is not None:
                close_year(head.desk(), year, "default")
                closed.append(year)
        return ids

    monkeypatch.setattr(EventStore, "stream_ids", overtaken)
    try:
        decide = cli("record decide R-1 --date 2021-03-05 --outcome 予以公开")
    finally:
        head.close()
    assert closed == [2015, 2016, 2017, 2018, 2019]
    assert (decide.code, decide.out) == (3, "")
    assert decide.err == (
        "ledger：未登记任何内容：另一个登记台正在同时对 default 的 2019 年度进行结转"
        f"（已连续尝试 {RACE_RETRIES} 次）；请重试\n"
    )
    assert "予以公开" not in cli("show R-1").out
    assert cli("record decide R-1 --date 2021-03-05 --outcome 予以公开").code == 0
