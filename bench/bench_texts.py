"""What keeping free text outside the log costs a desk (``ledger.texts``; issue 13).

In one run, on new SQLite files in a temporary directory, K ``record_receipt`` calls:

1. **baseline** — receipts without a subject: the events carry no free text, so nothing
   is taken out, sealed or written to ``texts``;
2. **with texts** — the same receipts, each with a subject: the store takes it out,
   seals it (AES-GCM) with a new key of the request's own, and writes the text and the
   key in the append's transaction.

It prints both rates and the ratio (with texts / baseline), then the cost of reading:
``list_requests`` over the K requests, whose subjects are opened in one batch, against a
listing of the K requests without subjects. It asserts nothing.

    .venv/bin/python bench/bench_texts.py                 # K=1000
    .venv/bin/python bench/bench_texts.py --requests 3000
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from ledger.bootstrap import bootstrap
from ledger.commands._context import Desk
from ledger.commands.requests import RecordReceipt, record_receipt
from ledger.config import Config
from ledger.projections.queries import list_requests

TODAY = date(2021, 12, 31)
FIRST = date(2021, 1, 4)


def run(db: Path, k: int, *, subject: bool) -> tuple[float, float]:
    """Seconds for K receipts, and for listing them afterwards."""
    app = bootstrap(f"sqlite:///{db}", Config(), actor="bench")
    desk = Desk(app.store, "bench", "default", TODAY)
    _ = desk.calendar
    commands = [
        RecordReceipt(FIRST + timedelta(days=i % 300), "in-person", "natural", f"B-{i:06d}",
                      subject=f"关于某某村第{i}号宅基地审批的文件" if subject else "")
        for i in range(k)
    ]  # fmt: skip
    start = time.perf_counter()
    for command in commands:
        record_receipt(desk, command)
    recorded = time.perf_counter() - start
    start = time.perf_counter()
    rows = list_requests(app, as_of=TODAY)
    listed = time.perf_counter() - start
    assert len(rows) == k
    app.close()
    return recorded, listed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    k = parser.parse_args().requests
    with tempfile.TemporaryDirectory() as folder:
        base_rec, base_list = run(Path(folder) / "plain.db", k, subject=False)
        text_rec, text_list = run(Path(folder) / "texts.db", k, subject=True)
    print(f"ledger texts bench — SQLite {sqlite3.sqlite_version}, K={k} receipts")
    print(f"  baseline (no subject): {k / base_rec:8.0f} receipts/s")
    print(f"  with a subject kept apart: {k / text_rec:8.0f} receipts/s")
    print(f"  ratio (with texts / baseline, time): {text_rec / base_rec:.2f}")
    print(f"  list {k} requests: baseline {base_list * 1000:.0f} ms, "
          f"with subjects opened {text_list * 1000:.0f} ms, "
          f"ratio {text_list / base_list:.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
