"""How the desk's and the office's reads grow with the log (issue 12): time and peak memory.

For each log size (default 10,000 and 100,000 requests, over the same two years) this

1. builds the log once through the one gate (``bench_report``'s generator: every step
   recorded by its desk command through ``import_lines``), into a cached SQLite file or
   into the PostgreSQL database given with ``--db`` (which must be empty, or hold that
   log already);
2. runs each read as a ``ledger`` command in a new process — ``show ID``, ``find ID``,
   ``report YEAR``, ``report YEAR --check``, ``alerts --agency bench``, ``verify`` —
   and takes the median wall
   time of the repetitions and the peak resident memory of the child process
   (``os.wait4``'s ``ru_maxrss``);
3. runs, in the same way and in the same run, the baseline: a new process reading every
   row of ``events`` with the bare driver, decoding its payload with ``orjson`` and
   hashing it with ``sha256`` — what any read of the whole log must at least cost;
4. prints one table: each read's CPU time (user + system of the child) and its ratio to
   the baseline's, its wall time, and its peak memory;
5. times ``verify_log`` and the baseline's scan in this one process, alternately: the
   ratio of the pass itself, without the start of a process (``--only`` picks commands).

Nothing is asserted; the figures are for a person to read (bench/README.md keeps them).

    .venv/bin/python bench/bench_reads.py                          # 10k and 100k, SQLite
    .venv/bin/python bench/bench_reads.py --sizes 10000 --reps 3
    .venv/bin/python bench/bench_reads.py --sizes 10000 --db postgresql://postgres@127.0.0.1/b10k
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_report import AGENCY, HISTORY, Plan, _lines
from ledger.bootstrap import bootstrap
from ledger.commands.imports import import_lines
from ledger.dates import FixedClock

YEARS = (2021, 2022)

SCAN = """
import hashlib, sys, orjson

def scan(url):
    query = ("SELECT position, stream_id, version, type, schema_version, data, effective_date, "
             "recorded_at, actor, agency, command_id, hash FROM events ORDER BY position")
    if url.startswith("sqlite:///"):
        import sqlite3
        conn = sqlite3.connect(url.removeprefix("sqlite:///"))
        rows = conn.execute(query)
    else:
        import psycopg
        conn = psycopg.connect(url)
        rows = conn.cursor(name="scan").execute(query.replace("data,", "data::text,"))
    count = 0
    for row in rows:
        orjson.loads(row[5])
        hashlib.sha256("|".join(str(v) for v in row[:11]).encode()).hexdigest()
        count += 1
    conn.close()
    return count
"""
"""The baseline's work: every row read by the bare driver, its payload decoded, hashed."""

BASELINE = SCAN + "\nprint(scan(sys.argv[1]))\n"


@dataclass(frozen=True)
class Measure:
    """One read: median wall and CPU seconds, the largest peak memory (MiB) of the runs.

    The ratios are taken on CPU time (user + system of the child): on a shared machine
    the wall time also counts the waits for a core."""

    wall: float
    cpu: float
    peak_mib: float


def build(plan: Plan, url: str) -> None:
    """Import the generated history through the gate into ``url`` (if it is empty)."""
    app = bootstrap(url, actor="bench", clock=FixedClock(plan.today))
    try:
        if app.store.last_position() > 0:
            return
        started = time.perf_counter()
        import_lines(app.desk(AGENCY, backdated=HISTORY), list(_lines(plan)), "bench")
        print(
            f"built {url}: {app.store.last_position():,} events in "
            f"{time.perf_counter() - started:.0f} s",
            file=sys.stderr,
        )
    finally:
        app.close()


RUNNER = """
import os, subprocess, sys, time
started = time.perf_counter()
proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
err = proc.stderr.read()
_, status, usage = os.wait4(proc.pid, 0)
seconds = time.perf_counter() - started
if os.waitstatus_to_exitcode(status) != 0:
    sys.exit(err.decode())
print(seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)
"""
"""Starts a read and reports its time and peak memory. A small process of its own: Linux
keeps the high-water mark of a forked process across ``exec``, so a child forked from
this one (which holds the generator) would report this process's memory as its own."""


def child(argv: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """Run one process; its wall seconds, CPU seconds and own peak resident memory (MiB)."""
    done = subprocess.run(
        [sys.executable, "-c", RUNNER, *argv], env=env, capture_output=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv[-3:])} failed: {done.stderr.decode().strip()}")
    wall, cpu, mib = done.stdout.split()
    return float(wall), float(cpu), float(mib)


def measure(argv: list[str], env: dict[str, str], reps: int) -> Measure:
    """The median time and the largest peak memory of ``reps`` runs."""
    runs = [child(argv, env) for _ in range(reps)]
    return Measure(
        statistics.median(r[0] for r in runs),
        statistics.median(r[1] for r in runs),
        max(r[2] for r in runs),
    )


def reads(plan: Plan) -> dict[str, list[str]]:
    """The commands timed, by name."""
    rid = f"{AGENCY}-{YEARS[-1]}-{plan.requests * 3 // 4:06d}"
    return {
        "show": ["show", rid],
        "find": ["find", rid],
        f"report {YEARS[-1]}": ["report", str(YEARS[-1])],
        f"report {YEARS[-1]} --check": ["report", str(YEARS[-1]), "--check"],
        "alerts (one agency)": ["alerts", "--agency", AGENCY],
        "verify": ["verify"],
    }


def url_of(requests: int) -> str:
    """The cached SQLite file of a log size."""
    path = Plan(requests, YEARS).path.with_name(f"reads-{requests}.db")
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def run_size(
    requests: int, db: str | None, reps: int, only: list[str] | None = None
) -> dict[str, Measure]:
    """Build (or reuse) the log of ``requests`` and measure the reads (those named in
    ``only``, if given) and the baseline."""
    plan = Plan(requests, YEARS)
    url = db or url_of(requests)
    build(plan, url)
    env = {**os.environ, "LEDGER_DB": url, "LEDGER_TODAY": plan.today.isoformat(),
           "LEDGER_LANG": "en"}  # fmt: skip
    env.pop("LEDGER_CONFIG", None)
    ledger = [sys.executable, "-c", "from ledger.cli import main; main()"]
    out = {"baseline: scan + orjson + sha256": measure(
        [sys.executable, "-c", BASELINE, url], env, reps)}  # fmt: skip
    for name, argv in reads(plan).items():
        if only is None or argv[0] in only:
            out[name] = measure([*ledger, *argv], env, reps)
    return out


def verify_loop(url: str, reps: int) -> tuple[float, float]:
    """``verify_log`` and the baseline's ``scan`` timed in this one process, alternately:
    the medians of their CPU seconds, without the start of a process (imports) in either."""
    from ledger.projections.log import verify_log

    names: dict[str, Any] = {}
    exec(SCAN, names)  # the same code the baseline process runs
    app = bootstrap(url, ensure=False)
    try:
        verify_log(app.store)  # warm: the calendars, the translations, the page cache
        scans, verifies = [], []
        for _ in range(reps):
            started = time.process_time()
            names["scan"](url)
            scans.append(time.process_time() - started)
            started = time.process_time()
            verify_log(app.store)
            verifies.append(time.process_time() - started)
    finally:
        app.close()
    return statistics.median(scans), statistics.median(verifies)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--reps", type=int, default=3, help="runs of each read")
    parser.add_argument("--db", help="a PostgreSQL URL (one size only); default SQLite files")
    parser.add_argument("--build-only", action="store_true", help="build the logs, time nothing")
    parser.add_argument(
        "--only", nargs="+", metavar="COMMAND", help="time only these commands (e.g. verify)"
    )
    args = parser.parse_args()
    if args.build_only:
        for n in args.sizes:
            build(Plan(n, YEARS), args.db or url_of(n))
        return
    if args.db and len(args.sizes) > 1:
        raise SystemExit("--db holds one log: give one size")
    results = {n: run_size(n, args.db, args.reps, args.only) for n in args.sizes}
    print(f"{time.strftime('%Y-%m-%d')} on {platform.node()} ({platform.machine()}, "
          f"{os.cpu_count()} cores), {args.db.split(':')[0] if args.db else 'sqlite'}, "
          f"median of {args.reps}")  # fmt: skip
    header = "| read | " + " | ".join(f"{n:,} requests" for n in args.sizes) + " |"
    print(header)
    print("|---" * (len(args.sizes) + 1) + "|")
    for name in next(iter(results.values())):
        cells = []
        for n in args.sizes:
            m, base = results[n][name], results[n]["baseline: scan + orjson + sha256"]
            cells.append(
                f"{m.cpu:.2f} s CPU ({m.cpu / base.cpu:.2f}×), {m.wall:.2f} s wall, "
                f"{m.peak_mib:.0f} MiB"
            )
        print(f"| {name} | " + " | ".join(cells) + " |")
    if args.only is None or "verify" in args.only:
        for n in args.sizes:
            scan, verify = verify_loop(args.db or url_of(n), args.reps)
            print(
                f"{n:,} requests, in one process (no start-up): scan + orjson + sha256 "
                f"{scan:.2f} s CPU, verify_log {verify:.2f} s CPU ({verify / scan:.2f}×)"
            )


if __name__ == "__main__":
    main()
