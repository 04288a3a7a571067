"""How long `ledger record …` takes at the desk, and what the append path costs (issue 3).

The target: "well under half a second for the whole process on the SQLite default". This
script, in one run,

1. times the in-process append path: K ``record_receipt`` calls (explicit ids, one
   transaction each, as the command does) on a new SQLite file, then raw ``sqlite3``
   inserting the very rows they stored into a file with the same table and indexes —
   one transaction per request, and all in one transaction — and prints the rates and
   the ratio. The K requests stay in the file as the desk's existing log;
2. times ``ledger record receive`` (id omitted, so one is assigned) and ``ledger record
   decide`` as a person runs them: a whole new process each, N runs, on that file;
3. times a baseline in the same run: a new ``python -c`` process that imports sqlite3
   and inserts one row into a SQLite file, and ``python -c "import ledger.cli"`` (the
   import alone), printing median and p90 wall time of each and the ratios.

Nothing is asserted: the figures are printed for a person to read.

    .venv/bin/python bench/bench_record.py                    # K=2000 requests, N=20 runs
    .venv/bin/python bench/bench_record.py --requests 10000 --runs 30
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from contextlib import closing
from datetime import date, timedelta
from pathlib import Path

from ledger.bootstrap import bootstrap
from ledger.commands._context import Desk
from ledger.commands.requests import RecordReceipt, record_receipt
from ledger.config import Config

TODAY = date(2026, 6, 30)
FIRST_RECEIPT = date(2025, 1, 2)
AT_DESK = "2026-06-15"
"""The date the whole-process runs type: within the days a desk may backdate unasked."""
BASELINE = (
    "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
    "c.execute('INSERT INTO t (v) VALUES (?)', ('x',)); c.commit(); c.close()"
)


def ledger_command() -> list[str]:
    """The installed ``ledger`` script next to this interpreter, as a person runs it."""
    script = Path(sys.executable).with_name("ledger")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from ledger.cli import main; main()"]


def summary(times: Sequence[float]) -> tuple[float, float]:
    """Median and 90th percentile, in seconds."""
    p90 = statistics.quantiles(times, n=10, method="inclusive")[8] if len(times) > 1 else times[0]
    return statistics.median(times), p90


def timed_runs(argvs: Sequence[Sequence[str]], env: dict[str, str]) -> list[float]:
    """Wall time of each command line, each a new process; a failure stops the bench."""
    times = []
    for argv in argvs:
        start = time.perf_counter()
        done = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
        times.append(time.perf_counter() - start)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(argv)} failed: {done.stderr.strip()}")
    return times


# --- 1. the in-process append path --------------------------------------------------------


def append_path(db: Path, k: int) -> float:
    """K record_receipt calls on a new file; the seconds they took."""
    app = bootstrap(f"sqlite:///{db}", Config(), actor="bench")
    desk = Desk(app.store, "bench", "default", TODAY)
    _ = desk.calendar  # loaded once per command at the desk; keep it out of the loop
    commands = [
        RecordReceipt(FIRST_RECEIPT + timedelta(days=i % 300), "in-person", "natural", f"B-{i:06d}")
        for i in range(k)
    ]
    start = time.perf_counter()
    for command in commands:
        record_receipt(desk, command)
    elapsed = time.perf_counter() - start
    app.close()
    return elapsed


def raw_inserts(source: Path, target: Path, *, per_request: bool) -> tuple[float, int]:
    """Insert the rows ``source`` stored into a copy of its table; seconds and row count."""
    with closing(sqlite3.connect(source)) as src:
        ddl = [
            sql
            for (sql,) in src.execute(
                "SELECT sql FROM sqlite_master WHERE tbl_name = 'events' AND sql IS NOT NULL"
            )
        ]
        rows = src.execute("SELECT * FROM events ORDER BY position").fetchall()
    marks = ", ".join("?" * len(rows[0]))
    with closing(sqlite3.connect(target, isolation_level=None)) as dst:
        dst.execute("PRAGMA journal_mode = WAL")  # as ledger opens its files
        dst.execute("PRAGMA synchronous = NORMAL")
        for sql in ddl:
            dst.execute(sql)
        insert = f"INSERT INTO events VALUES ({marks})"
        start = time.perf_counter()
        if per_request:  # a receipt is two rows: received and its deadline-set
            for i in range(0, len(rows), 2):
                dst.execute("BEGIN IMMEDIATE")
                dst.executemany(insert, rows[i : i + 2])
                dst.execute("COMMIT")
        else:
            dst.execute("BEGIN IMMEDIATE")
            dst.executemany(insert, rows)
            dst.execute("COMMIT")
        return time.perf_counter() - start, len(rows)


# --- 2. and 3. whole processes ------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="K: requests in the log")
    parser.add_argument("--runs", type=int, default=20, help="N: processes per command")
    args = parser.parse_args()
    k, n = args.requests, args.runs

    with tempfile.TemporaryDirectory(prefix="ledger-bench-") as folder:
        work = Path(folder)
        db = work / "desk.db"
        print(
            f"ledger record bench — Python {sys.version.split()[0]}, "
            f"SQLite {sqlite3.sqlite_version}, K={k} requests, N={n} runs"
        )

        seconds = append_path(db, k)
        per_request, rows = raw_inserts(db, work / "raw1.db", per_request=True)
        batched, _ = raw_inserts(db, work / "raw2.db", per_request=False)
        ours, raw = k / seconds, k / per_request
        print(f"\nin-process append path ({rows} rows: each receipt + its deadline-set):")
        print(f"  record_receipt, one transaction each    {ours:10,.0f} requests/s")
        print(f"  raw sqlite3, one transaction a request  {raw:10,.0f} requests/s")
        print(f"  raw sqlite3, all in one transaction     {rows / batched:10,.0f} rows/s")
        print(f"  ratio record_receipt / raw per request  {ours / raw:10.3f}×")

        env = {**os.environ, "LEDGER_DB": f"sqlite:///{db}", "LEDGER_TODAY": TODAY.isoformat()}
        env.pop("LEDGER_CONFIG", None)
        ledger = ledger_command()
        receive = [
            [*ledger, "record", "receive", "--date", AT_DESK, "--channel", "in-person",
             "--applicant", "natural"]
            for _ in range(n + 1)
        ]  # fmt: skip
        decide = [
            [*ledger, "record", "decide", f"B-{i:06d}", "--date", AT_DESK,
             "--outcome", "disclosed"]
            for i in range(n + 1)
        ]  # fmt: skip
        baseline_db = work / "baseline.db"
        with closing(sqlite3.connect(baseline_db)) as conn:
            conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
            conn.commit()
        baseline = [[sys.executable, "-c", BASELINE, str(baseline_db)]] * (n + 1)
        imports = [[sys.executable, "-c", "import ledger.cli"]] * (n + 1)

        # The first run of each warms the file cache and is not counted.
        results = {
            "ledger record receive": timed_runs(receive, env)[1:],
            "ledger record decide": timed_runs(decide, env)[1:],
            "python -c 'sqlite3 insert'": timed_runs(baseline, env)[1:],
            "python -c 'import ledger.cli'": timed_runs(imports, env)[1:],
        }
        print(f"\nwhole process, wall time (N={n}, on a log of {k} requests):")
        for name, times in results.items():
            median, p90 = summary(times)
            print(f"  {name:30} median {median * 1000:6.0f} ms   p90 {p90 * 1000:6.0f} ms")
        base = statistics.median(results["python -c 'sqlite3 insert'"])
        for name in ("ledger record receive", "ledger record decide"):
            ratio = statistics.median(results[name]) / base
            print(f"  ratio {name} / baseline      {ratio:6.1f}×")


if __name__ == "__main__":
    main()
