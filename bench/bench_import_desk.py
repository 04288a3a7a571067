"""A desk command during a large import on PostgreSQL (issue 13): how long does it wait?

In one run, in a PostgreSQL database it makes and drops: generate a JSON-lines history
(receipt and decision per request: with the derived deadlines, 1.5 stored events a
line), then time a desk command (``record_receipt`` in-process) on the idle books — the
baseline — and start ``ledger import`` in a subprocess; while it writes, record a desk
command every second and time each. Prints the import's wall time and events/s, the
desk commands' median and worst time, and the ratio of the worst to the idle baseline.
The target: every desk command during the import within 2 s. Nothing is asserted; not
run by the tests (tests/integration/test_import_batches.py is its small version).

    .venv/bin/python bench/bench_import_desk.py --pg postgresql://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/bench_import_desk.py --pg URL --requests 5000      # quick
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg
from tests.import_data import write_history

from ledger.bootstrap import App, bootstrap
from ledger.commands.requests import RecordReceipt, record_receipt
from ledger.config import Config
from ledger.dates import FixedClock

TODAY = date(2024, 6, 28)
LEDGER = str(Path(sys.executable).with_name("ledger"))


def desk_command(app: App, request_id: str) -> float:
    """One receipt recorded at a desk; its wall time in seconds."""
    started = time.perf_counter()
    record_receipt(
        app.desk(),
        RecordReceipt(date=date(2024, 6, 3), channel="in-person", applicant="natural",
                      request_id=request_id),
    )  # fmt: skip
    return time.perf_counter() - started


def run(url: str, requests: int, folder: Path) -> None:
    """Import the generated history while desk commands run; print the figures."""
    history = folder / "history.jsonl"
    lines = write_history(history, requests, TODAY)
    app = bootstrap(url, Config(), actor="bench", clock=FixedClock(TODAY))
    try:
        idle = statistics.median(desk_command(app, f"IDLE-{n}") for n in range(5))
        env = {**os.environ, "LEDGER_DB": url, "LEDGER_TODAY": str(TODAY)}
        started = time.perf_counter()
        proc = subprocess.Popen(
            [LEDGER, "import", str(history)], env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        head = app.store.last_position()
        while app.store.last_position() == head and proc.poll() is None:
            time.sleep(0.2)  # the check pass: nothing written yet
        writing = time.perf_counter()
        waits: list[float] = []
        while proc.poll() is None:
            waits.append(desk_command(app, f"DESK-{len(waits)}"))
            time.sleep(1.0)
        _, err = proc.communicate()
        total = time.perf_counter() - started
        if proc.returncode != 0:
            print(err, file=sys.stderr)
            raise SystemExit(proc.returncode)
        events = app.store.last_position() - head - len(waits) * 2
    finally:
        app.close()
    print(f"import: {lines} lines, {events} events in {total:.1f} s "
          f"(check {writing - started:.1f} s, write {total - (writing - started):.1f} s) "
          f"= {events / total:,.0f} events/s")  # fmt: skip
    if waits:
        print(f"desk command idle:            {idle * 1000:7.0f} ms")
        median, worst = statistics.median(waits) * 1000, max(waits) * 1000
        print(f"desk commands during import:  {len(waits)}, median {median:.0f} ms, "
              f"worst {worst:.0f} ms")  # fmt: skip
        print(f"ratio worst / idle:           {max(waits) / idle:.1f}×  (target: worst < 2 s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", required=True, help="a PostgreSQL URL to make databases from")
    parser.add_argument(
        "--requests", type=int, default=50_000,
        help="requests in the history (2 lines each: 50,000 make 100,000 lines)",
    )  # fmt: skip
    args = parser.parse_args()
    name = f"ledger_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(args.pg, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = args.pg.rsplit("/", 1)[0] + "/" + name
    try:
        with tempfile.TemporaryDirectory() as folder:
            run(url, args.requests, Path(folder))
    finally:
        with psycopg.connect(args.pg, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
