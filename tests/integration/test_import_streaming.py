"""An import streams its file: the check keeps on disk what it cannot hold in memory.

The check pass keeps in memory only the streams it touched last (``HOT_STREAMS``); the
scratch events of the others are read back from its temporary file. These tests run more
requests than that through the check, so that later lines step on requests (and a year
close carries over requests) whose scratch events had left memory, on a real SQLite file
and on the PostgreSQL server (``db_url``).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from ledger.bootstrap import App, bootstrap
from ledger.commands.imports import FileLines, ImportRefused, import_file, import_lines
from ledger.config import Config
from ledger.dates import FixedClock
from ledger.errors import InvalidInput
from ledger.events.agencies import AgencyRegistered
from ledger.events.requests import stream_of
from ledger.events.scratch import HOT_STREAMS, ScratchStore
from ledger.events.store import NO_STREAM, NewEvent, StreamAppend
from ledger.events.years import year_stream
from ledger.projections.log import verify_log
from tests.integration.test_import_gate import HISTORY, decision, line, receipt

TODAY = date(2021, 6, 30)
MANY = HOT_STREAMS + 40


@pytest.fixture
def app(db_url: str) -> Iterator[App]:
    application = bootstrap(db_url, Config(), actor="importer", clock=FixedClock(TODAY))
    yield application
    application.close()


def history() -> list[str]:
    """MANY requests of 2020 (subjects kept as texts), 2020 closed, then 2021 decisions for
    the first few, whose scratch events left memory long before."""
    lines = [receipt(f"S-{n:04d}", "2020-03-02", subject=f"文件 {n}") for n in range(MANY)]
    item = '{"stream": "%s", "type": "year.closed", "effective_date": "2020-12-31", '
    item += '"data": {"year": 2020, "carried_over": 0}}'
    lines.append(item % year_stream("default", 2020))
    lines += [decision(f"S-{n:04d}", "2021-01-05") for n in range(5)]
    return lines


def test_later_lines_on_requests_held_on_disk_are_checked_as_the_desk_would(app: App) -> None:
    """A second decision for an early request is refused (its earlier decision was read back
    from disk); without it every line is recorded: the carry-overs of the close, each
    decision once, the chain intact."""
    lines = history()
    bad = decision("S-0001", "2021-01-06", "partial")
    with pytest.raises(ImportRefused) as refused:
        import_lines(app.desk(backdated=HISTORY), [*lines, bad], "h.jsonl")
    assert refused.value.problems[0].startswith(f"h.jsonl:{len(lines) + 1}: ")
    assert "a closed request takes no further steps" in refused.value.problems[0]
    assert len(refused.value.problems) == 1
    assert app.store.last_position() == 0

    summary = import_lines(app.desk(backdated=HISTORY), lines, "h.jsonl")
    assert len(summary.requests) == MANY
    carried = list(app.store.read_all(types=["request.carried-over"]))
    assert len(carried) == MANY
    assert len(list(app.store.read_all(types=["request.decision-issued"]))) == 5
    assert verify_log(app.store).verified == app.store.last_position()
    assert import_lines(app.desk(backdated=HISTORY), lines, "h.jsonl").events == 0


def test_a_line_repeated_far_apart_is_two_steps_each_stored_once(app: App) -> None:
    """The same line twice, more than HOT_STREAMS requests apart, counts as two
    occurrences (two command ids) in both passes: the second extension is its own step."""
    extend = line("R-0", "extension-granted", "2021-03-10", days=5, approver="王主任")
    lines = [receipt("R-0", "2021-03-01"), extend]
    lines += [receipt(f"R-{n}", "2021-03-01") for n in range(1, MANY)]
    lines.append(extend)
    summary = import_lines(app.desk(backdated=HISTORY), lines, "r.jsonl")
    stream = app.store.read_stream(stream_of("R-0"))
    assert [e.type for e in stream].count("request.extension-granted") == 2
    assert summary.already == 0
    assert import_lines(app.desk(backdated=HISTORY), lines, "r.jsonl").already == len(lines)


def test_a_scratch_layer_reads_back_every_stream_it_let_go(app: App) -> None:
    """Streams, commands, prefixes and the whole log read the same once they left memory."""
    scratch = ScratchStore(app.store)
    try:
        for n in range(MANY):
            event = NewEvent(AgencyRegistered(code=f"a{n}", name=f"机关 {n}"), TODAY)
            batch = StreamAppend(f"s-{n:04d}", [event], expected_version=NO_STREAM)
            scratch.append_many([batch], f"c-{n}", actor="x", agency="a")
        assert len(scratch._streams) <= HOT_STREAMS
        first = scratch.read_stream("s-0000")
        assert [(e.position, e.version, e.command_id) for e in first] == [(1, 1, "c-0")]
        assert scratch.events_of_command("c-0") == tuple(first)
        assert scratch.stream_ids("s-")[:2] == ["s-0000", "s-0001"]
        assert len(scratch.stream_ids("s-")) == MANY
        assert [e.position for e in scratch.read_all(batch=100)] == list(range(1, MANY + 1))
        assert [e.position for e in scratch.read_all(after=MANY - 3)] == [MANY - 2, MANY - 1, MANY]
    finally:
        scratch.close()
    assert app.store.last_position() == 0


def test_a_file_changed_between_its_two_readings_is_refused(tmp_path: Path) -> None:
    """The write pass reads the file again: one changed since the check is refused."""
    file = tmp_path / "h.jsonl"
    file.write_text("a\nb\u2028c\n", "utf-8")
    lines = FileLines(file)
    assert list(lines) == ["a", "b", "c"]  # split as str.splitlines splits the text
    file.write_text("a\nb\nc\nd\n", "utf-8")
    with pytest.raises(InvalidInput, match="changed while it was imported"):
        list(lines)


def test_an_unreadable_file_is_refused_before_anything_is_written(
    app: App, tmp_path: Path
) -> None:
    file = tmp_path / "h.jsonl"
    file.write_bytes(receipt("U-1", "2021-03-01").encode() + b"\n\xff\xfe\n")
    with pytest.raises(InvalidInput, match="cannot read"):
        import_file(app.desk(backdated=HISTORY), file)
    assert app.store.last_position() == 0
