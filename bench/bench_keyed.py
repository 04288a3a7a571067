"""The keyed hash chain against the plain one, in one run (issue 13).

Two SQLite files (and, with ``--pg``, two PostgreSQL databases) get the same log of
``--log`` events; one of them is then keyed (``log.keyed``). It times, alternating the two
in each of ``--rounds`` rounds:

1. **desk commands in-process**: ``--k`` ``record_receipt`` calls (one transaction each,
   two events), on the plain log (the baseline) and on the keyed one (HMAC-SHA256 and
   the fingerprint check);
2. **verify**: ``verify_chain`` over the whole log, plain against keyed.

Every figure is the median of the rounds, with the ratio keyed / plain. Nothing is asserted.

    .venv/bin/python bench/bench_keyed.py
    .venv/bin/python bench/bench_keyed.py --pg postgresql://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import sqlalchemy as sa

from ledger.bootstrap import App, bootstrap
from ledger.commands._context import Desk
from ledger.commands.chain import start_keyed_chain
from ledger.commands.requests import RecordReceipt, record_receipt
from ledger.events.chainkey import KEY_ENV

TODAY = date(2021, 12, 31)
KEY = "bench-chain-key-0123456789abcdef0123456789abcdef"


def fill(app: App, events: int) -> None:
    """About ``events`` events: receipts of two events each, in one desk's session."""
    desk = Desk(app.store, "bench", "jyj", TODAY)
    for _ in range(events // 2):
        record_receipt(desk, RecordReceipt(date(2021, 3, 1), "in-person", "natural"))


def time_receipts(app: App, k: int) -> float:
    """Seconds per ``record_receipt`` over ``k`` calls."""
    desk = Desk(app.store, "bench", "jyj", TODAY)
    started = time.perf_counter()
    for _ in range(k):
        record_receipt(desk, RecordReceipt(date(2021, 3, 1), "in-person", "natural"))
    return (time.perf_counter() - started) / k


def time_verify(app: App) -> float:
    started = time.perf_counter()
    check = app.store.verify_chain()
    assert check.broken_at is None  # a broken log would make the figure meaningless
    return time.perf_counter() - started


@contextmanager
def pg_databases(admin_url: str) -> Iterator[tuple[str, str]]:
    """Two fresh PostgreSQL databases, dropped afterwards."""
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    names = [f"ledger_bench_{uuid.uuid4().hex[:10]}" for _ in range(2)]
    with admin.connect() as conn:
        for name in names:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    urls = [sa.make_url(admin_url).set(database=n).render_as_string(False) for n in names]
    try:
        yield urls[0], urls[1]
    finally:
        with admin.connect() as conn:
            for name in names:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def run(label: str, plain_url: str, keyed_url: str, args: argparse.Namespace) -> None:
    """Fill both, key one, then time both alternately and print medians and ratios."""
    os.environ[KEY_ENV] = KEY
    plain, keyed = bootstrap(plain_url), bootstrap(keyed_url)
    try:
        fill(plain, args.log)
        fill(keyed, args.log)
        start_keyed_chain(keyed)
        receipts: dict[str, list[float]] = {"plain": [], "keyed": []}
        verify: dict[str, list[float]] = {"plain": [], "keyed": []}
        for _ in range(args.rounds):
            for name, app in (("plain", plain), ("keyed", keyed)):
                receipts[name].append(time_receipts(app, args.k))
                verify[name].append(time_verify(app))
        r = {n: statistics.median(v) for n, v in receipts.items()}
        v = {n: statistics.median(x) for n, x in verify.items()}
        print(f"{label}: log of ~{args.log} events, k={args.k}, {args.rounds} rounds")
        print(f"  record_receipt  plain {r['plain'] * 1000:7.2f} ms  keyed "
              f"{r['keyed'] * 1000:7.2f} ms  ratio {r['keyed'] / r['plain']:.2f}")  # fmt: skip
        print(f"  verify_chain    plain {v['plain']:7.2f} s   keyed "
              f"{v['keyed']:7.2f} s   ratio {v['keyed'] / v['plain']:.2f}")  # fmt: skip
    finally:
        plain.close()
        keyed.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--log", type=int, default=20_000, help="events in each log")
    parser.add_argument("--k", type=int, default=200, help="receipts timed per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--pg", help="a PostgreSQL admin URL (CREATE DATABASE rights)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        run("SQLite", f"sqlite:///{root / 'plain.db'}", f"sqlite:///{root / 'keyed.db'}", args)
    if args.pg:
        with pg_databases(args.pg) as (plain_url, keyed_url):
            run("PostgreSQL", plain_url, keyed_url, args)


if __name__ == "__main__":
    main()
