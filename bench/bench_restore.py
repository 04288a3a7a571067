"""``ledger restore`` of a whole log, against raw loads of the same rows (issue: restore).

Restores a SQLite log (built by ``bench_reads.py --build-only``) into a new SQLite file and
into a new PostgreSQL database, as new ``ledger`` processes; then its events export
(``ledger export events``) the same way. In the same run, the baselines: the same event
rows loaded raw into books made by ``ledger init`` (``sqlite3`` ``executemany`` in one
transaction; ``psycopg`` ``COPY``), which check nothing and build nothing. With
``--before LEDGER`` (another checkout's ``ledger`` script, e.g. the main tree's) it also
times that one on the SQLite backup. Prints the wall time of each, its peak memory
(``ru_maxrss`` of the process) and the ratio to the raw load into the same backend.

The PostgreSQL databases are made and dropped here (``restore_bench_<pid>_<n>``)::

    .venv/bin/python bench/bench_restore.py bench/out/reads-100000.db \\
        --pg postgresql://postgres@127.0.0.1:5432/postgres \\
        --before /work/main/.venv/bin/ledger
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import psycopg

HERE = Path(sys.executable).parent
LEDGER = str(HERE / "ledger")
TIME = "/usr/bin/time"
COLUMNS = (
    "position, stream_id, version, type, schema_version, data, effective_date, recorded_at, "
    "actor, agency, command_id, hash"
)


def run(argv: list[str]) -> tuple[float, float, str]:
    """Wall seconds, peak memory (MB) and the first line of output of one new process.

    The peak is what ``/usr/bin/time`` reports for its child: this process's own
    ``ru_maxrss`` of a child counts the pages it shared with this one between fork and
    exec (the event rows held for the baselines)."""
    start = time.perf_counter()
    done = subprocess.run([TIME, "-f", "%M", *argv], capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{done.stderr}")
    peak = int(done.stderr.strip().splitlines()[-1]) / 1024
    lines = done.stdout.strip().splitlines()
    return wall, peak, lines[0] if lines else ""


class Postgres:
    """New databases on one server, dropped at the end."""

    def __init__(self, admin: str) -> None:
        self.admin = admin
        self.made: list[str] = []

    def new(self) -> str:
        name = f"restore_bench_{os.getpid()}_{len(self.made) + 1}"
        with psycopg.connect(self.admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        self.made.append(name)
        return self.admin.rsplit("/", 1)[0] + "/" + name

    def drop(self) -> None:
        with psycopg.connect(self.admin, autocommit=True) as conn:
            for name in self.made:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def event_rows(source: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as conn:
        return conn.execute(f"SELECT {COLUMNS} FROM events ORDER BY position").fetchall()


def raw_sqlite(rows: list[tuple[object, ...]], folder: Path) -> Callable[[], float]:
    """Books made by ``ledger init``; the rows inserted by ``executemany`` in one transaction."""

    def load() -> float:
        target = folder / f"raw-{time.monotonic_ns()}.db"
        subprocess.run([LEDGER, "--db", str(target), "init"], check=True, capture_output=True)
        start = time.perf_counter()
        conn = sqlite3.connect(target, isolation_level=None)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(f"INSERT INTO events ({COLUMNS}) VALUES ({', '.join('?' * 12)})", rows)
        conn.execute("COMMIT")
        conn.close()
        return time.perf_counter() - start

    return load


def raw_postgres(rows: list[tuple[object, ...]], pg: Postgres) -> Callable[[], float]:
    """Books made by ``ledger init``; the rows loaded by ``COPY`` in one transaction."""

    def load() -> float:
        url = pg.new()
        subprocess.run([LEDGER, "--db", url, "init"], check=True, capture_output=True)
        start = time.perf_counter()
        with (
            psycopg.connect(url) as conn,
            conn.cursor().copy(f"COPY events ({COLUMNS}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        return time.perf_counter() - start

    return load


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="a SQLite log (bench_reads.py --build-only)")
    parser.add_argument("--pg", required=True, help="an admin URL of the PostgreSQL server")
    parser.add_argument("--before", help="another checkout's ledger script, timed on the backup")
    parser.add_argument("--skip-export", action="store_true")
    args = parser.parse_args()
    pg = Postgres(args.pg)
    folder = Path(tempfile.mkdtemp(prefix="bench-restore-"))
    try:
        rows = event_rows(args.source)
        when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        print(f"ledger restore bench — {len(rows):,} events from {args.source}, {when}, "
              f"load {os.getloadavg()[0]:.1f}")  # fmt: skip
        raw = {"sqlite": raw_sqlite(rows, folder)(), "postgresql": raw_postgres(rows, pg)()}
        print(f"  raw sqlite3 executemany, one transaction   {raw['sqlite']:8.1f} s")
        print(f"  raw psycopg COPY, one transaction          {raw['postgresql']:8.1f} s")
        del rows
        sources = [("backup", args.source)]
        if not args.skip_export:
            export = folder / "log.jsonl"
            wall, _mb, _out = run([LEDGER, "--db", str(args.source), "export", "events",
                                   "--output", str(export)])  # fmt: skip
            print(f"  ledger export events (the whole log)       {wall:8.1f} s")
            sources.append(("export", export))
        variants = [("after", LEDGER)] + ([("before", args.before)] if args.before else [])
        for label, ledger in variants:
            for kind, file in sources:
                if label == "before" and kind == "export":
                    continue
                for backend in ("sqlite", "postgresql"):
                    url = str(folder / f"{label}-{kind}.db") if backend == "sqlite" else pg.new()
                    wall, mb, out = run([ledger, "--lang", "en", "--db", url, "restore", str(file)])
                    ratio = wall / raw[backend]
                    print(f"  {label:6} restore {kind:6} → {backend:10} {wall:8.1f} s  "
                          f"peak {mb:6.0f} MB  {ratio:5.1f}× raw   ({out})")  # fmt: skip
    finally:
        pg.drop()
        for f in folder.iterdir():
            f.unlink()
        folder.rmdir()


if __name__ == "__main__":
    main()
