"""Larger logs for timing ``verify`` only, made from one built through the gate (issue 12).

Building a log through the gate (``bench_reads.py --build-only``) takes about 50 s per
1,000 requests on the shared 2-core machine; for ``verify`` a larger log can be made
from a built one instead:

- ``repeat SRC DST K``: every request stream of the SQLite log SRC K times (copy j's
  request numbers raised by 10,000 × j), interleaved in log order, other events once,
  positions and the hash chain recomputed, into the new SQLite file DST. The copies
  share their dates, so the deadline audit finds more derivations already made than in
  a real log of that size; the log verifies (chain intact, every deadline agrees).
- ``copy SRC URL``: the events of the SQLite log SRC, row for row, into the empty
  PostgreSQL database URL (schema by ``bootstrap``), then ``ANALYZE``.

Then time with ``verify_logs.py time URL`` (the baseline and ``ledger verify`` as new
processes, and the pass in one process, as ``bench_reads.py --only verify`` does)::

    .venv/bin/python bench/verify_logs.py repeat bench/out/reads-10000.db bench/out/v50k.db 5
    .venv/bin/python bench/verify_logs.py copy bench/out/v50k.db postgresql://postgres@127.0.0.1/v50k
    .venv/bin/python bench/verify_logs.py time sqlite:///bench/out/v50k.db --reps 3
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_reads import BASELINE, measure, verify_loop
from ledger.bootstrap import bootstrap
from ledger.events import codec

COLUMNS = (
    "position, stream_id, version, type, schema_version, data, effective_date, recorded_at, "
    "actor, agency, command_id, hash"
)
INSERT = f"INSERT INTO events ({COLUMNS}) VALUES ({', '.join('?' * 12)})"


def _renumbered(stream: str, copy: int) -> str:
    """``request-bench-2021-000084`` as copy ``copy``: the number raised by 10,000 × copy."""
    head, year, number = stream.rsplit("-", 2)
    return f"{head}-{year}-{int(number) + 10_000 * copy:06d}"


def repeated(rows: Iterator[Any], times: int) -> Iterator[tuple[Any, ...]]:
    """The rows with each request event ``times`` times, re-numbered and re-chained."""
    previous, position = codec.GENESIS, 0
    for r in rows:
        for copy in range(times if r[3].startswith("request.") else 1):
            data, stream = codec.loads(r[5]), r[1] if copy == 0 else _renumbered(r[1], copy)
            if copy and "request_id" in data:
                data["request_id"] = stream.removeprefix("request-")
            position += 1
            command = None if r[10] is None else f"{r[10]}-{copy}"
            previous = codec.chain_hash(
                previous, position=position, stream_id=stream, version=r[2], type_name=r[3],
                schema_version=r[4], data=data, effective_date=date.fromisoformat(r[6]),
                recorded_at=datetime.fromisoformat(r[7]), actor=r[8], agency=r[9],
                command_id=command,
            )  # fmt: skip
            yield (position, stream, r[2], r[3], r[4], codec.dumps(data), *r[6:10], command,
                   previous)  # fmt: skip


def repeat(source: Path, target: Path, times: int) -> None:
    """Write the repeated log into a new SQLite file."""
    bootstrap(f"sqlite:///{target}", actor="bench").close()
    with sqlite3.connect(source) as read, sqlite3.connect(target) as write:
        if write.execute("SELECT count(*) FROM events").fetchone()[0]:
            raise SystemExit(f"{target} already holds events")
        rows = read.execute(f"SELECT {COLUMNS} FROM events ORDER BY position")
        write.executemany(INSERT, repeated(rows, times))
        print(f"{target}: {write.execute('SELECT count(*) FROM events').fetchone()[0]:,} events")


def copy(source: Path, url: str) -> None:
    """Copy the events of a SQLite log into an empty PostgreSQL database."""
    import psycopg

    bootstrap(url, actor="bench").close()
    with sqlite3.connect(source) as read, psycopg.connect(url) as pg:
        with pg.cursor() as cursor, cursor.copy(f"COPY events ({COLUMNS}) FROM STDIN") as out:
            for row in read.execute(f"SELECT {COLUMNS} FROM events ORDER BY position"):
                out.write_row(row)
        pg.execute("ANALYZE events")


def time_verify(url: str, reps: int) -> None:
    """The baseline and ``ledger verify`` as processes, then the pass in one process."""
    env = {**os.environ, "LEDGER_DB": url, "LEDGER_LANG": "en"}
    env.pop("LEDGER_CONFIG", None)
    base = measure([sys.executable, "-c", BASELINE, url], env, reps)
    ledger = [sys.executable, "-c", "from ledger.cli import main; main()", "verify"]
    verify = measure(ledger, env, reps)
    print(f"baseline: scan + orjson + sha256 {base.cpu:.2f} s CPU, {base.peak_mib:.0f} MiB")
    print(f"ledger verify {verify.cpu:.2f} s CPU ({verify.cpu / base.cpu:.2f}×), "
          f"{verify.wall:.2f} s wall, {verify.peak_mib:.0f} MiB")  # fmt: skip
    scan, walked = verify_loop(url, reps)
    print(f"in one process: scan {scan:.2f} s, verify_log {walked:.2f} s ({walked / scan:.2f}×)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="action", required=True)
    r = sub.add_parser("repeat")
    r.add_argument("source", type=Path)
    r.add_argument("target", type=Path)
    r.add_argument("times", type=int)
    c = sub.add_parser("copy")
    c.add_argument("source", type=Path)
    c.add_argument("url")
    t = sub.add_parser("time")
    t.add_argument("url")
    t.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    if args.action == "repeat":
        repeat(args.source, args.target, args.times)
    elif args.action == "copy":
        copy(args.source, args.url)
    else:
        time_verify(args.url, args.reps)


if __name__ == "__main__":
    main()
