"""Eight desk processes recording mixed commands at once: nothing lost, doubled or out of order.

Each process runs rounds of eight desk commands on a request of its own — a receipt, the
same receipt retried with its command id, a clarification notice, the clarified reply, an
extension, a decision, the same decision retried, a correction — each under its own
command id, as a desk that retries after a lost reply would. Every acknowledged command
(its command id and the positions it was told) is then found stored exactly once,
positions run 1..N without a gap, every stream's versions run 1..n, and ``verify`` passes.

Scale: ``LEDGER_STRESS_COMMANDS`` commands per process (default 50, which CI runs: 8 × 50
on each database in about 15–30 s); the issue's full load is ``LEDGER_STRESS_COMMANDS=200``
(8 × 200 = 1,600 commands per database).
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
from collections import defaultdict
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from ledger.bootstrap import bootstrap
from ledger.commands import requests as cmd
from ledger.commands._context import Desk
from ledger.commands.corrections import Correction, correct
from ledger.projections.log import verify_log

PROCESSES = 8
COMMANDS = int(os.environ.get("LEDGER_STRESS_COMMANDS", "50"))
TODAY = date(2021, 3, 31)


def _round(n: int, r: int) -> list[tuple[str, Callable[[Desk], object]]]:
    """The eight commands of round ``r`` of process ``n``, each named by its command id."""
    receipt = cmd.RecordReceipt(date(2021, 3, 1), "in-person", "natural")
    base = f"p{n}-r{r}"
    rid: dict[str, str] = {}

    def receive(desk: Desk) -> object:
        done = cmd.record_receipt(desk, receipt)
        rid["id"] = done.request_id
        return done

    def decide(desk: Desk) -> object:
        return cmd.issue_decision(desk, rid["id"], date(2021, 3, 15), "disclosed")

    return [
        (f"{base}-receive", receive),
        (f"{base}-receive", receive),  # the retry: same command id
        (f"{base}-clarify", lambda d: cmd.request_clarification(
            d, rid["id"], date(2021, 3, 3), date(2021, 3, 17))),
        (f"{base}-clarified", lambda d: cmd.record_clarified(d, rid["id"], date(2021, 3, 5))),
        (f"{base}-extend", lambda d: cmd.grant_extension(
            d, rid["id"], date(2021, 3, 10), 10, "director")),
        (f"{base}-decide", decide),
        (f"{base}-decide", decide),  # the retry
        (f"{base}-correct", lambda d: correct(d, Correction(
            rid["id"], reason="outcome mistyped", outcome="partial"))),
    ]  # fmt: skip


def _desk(url: str, n: int, out: str) -> None:
    """Run COMMANDS commands; write down each acknowledged one: (command id, positions)."""
    app = bootstrap(url, actor=f"desk-{n}", ensure=False)
    acked: list[tuple[str, list[int]]] = []
    try:
        done = 0
        for r in range(COMMANDS // 8 + 1):
            for command_id, run in _round(n, r):
                if done == COMMANDS:
                    break
                desk = Desk(app.store, f"desk-{n}", "jyj", TODAY, command_id=command_id)
                recorded = run(desk)
                events = getattr(recorded, "events", ())
                acked.append((command_id, [e.position for e in events]))
                done += 1
    finally:
        app.close()
        Path(out).write_text(json.dumps(acked), encoding="utf-8")


def _run(url: str, tmp_path: Path) -> None:
    bootstrap(url).close()
    ctx = mp.get_context("spawn")
    outs = [str(tmp_path / f"acked-{n}.json") for n in range(PROCESSES)]
    desks = [ctx.Process(target=_desk, args=(url, n, outs[n])) for n in range(PROCESSES)]
    for p in desks:
        p.start()
    for p in desks:
        p.join(600)
        assert p.exitcode == 0
    acked = [item for out in outs for item in json.loads(Path(out).read_text("utf-8"))]
    assert len(acked) == PROCESSES * COMMANDS

    app = bootstrap(url, ensure=False)
    try:
        told: dict[str, list[int]] = {}
        for command_id, positions in acked:
            assert positions, command_id
            # A retry is told exactly what the first attempt stored.
            assert told.setdefault(command_id, positions) == positions, command_id
        for command_id, positions in told.items():
            stored = [e.position for e in app.store.events_of_command(command_id)]
            assert stored == positions, command_id
        events = list(app.store.read_all())
        assert [e.position for e in events] == list(range(1, len(events) + 1))
        assert {e.command_id for e in events if e.command_id} >= set(told)
        versions: dict[str, list[int]] = defaultdict(list)
        for e in events:
            versions[e.stream_id].append(e.version)
        for stream, seen in versions.items():
            assert seen == list(range(1, len(seen) + 1)), stream
        assert verify_log(app.store).verified == len(events)
    finally:
        app.close()


@pytest.mark.slow
def test_eight_desks_of_mixed_commands_on_sqlite(sqlite_url: str, tmp_path: Path) -> None:
    """8 processes × LEDGER_STRESS_COMMANDS mixed desk commands on one SQLite file."""
    _run(sqlite_url, tmp_path)


@pytest.mark.slow
@pytest.mark.postgres
def test_eight_desks_of_mixed_commands_on_postgres(pg_url: str, tmp_path: Path) -> None:
    """8 processes × LEDGER_STRESS_COMMANDS mixed desk commands on PostgreSQL."""
    _run(pg_url, tmp_path)
