"""Which pages a desk command writes on SQLite (issue 12): the WAL frames per command,
named by the table or index that owns each page.

With the automatic checkpoint off, every commit appends the pages it changed to the
``-wal`` file (a page written twice in one transaction is one frame). The frames of K
creates (``record_receipt``), then of K decisions (``issue_decision``), are read from the
file's frame headers and their page numbers named by SQLite's ``dbstat`` table.

    .venv/bin/python bench/wal_pages.py --requests 200
    .venv/bin/python bench/wal_pages.py --requests 200 --drop ix_request_view_span

``--drop`` drops indexes in the bench's own file first, to measure what an index costs
(a schema change needs a migration: this only measures it).
"""

from __future__ import annotations

import argparse
import sqlite3
import struct
import tempfile
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from contextlib import closing
from datetime import date, timedelta
from pathlib import Path

from ledger.bootstrap import bootstrap
from ledger.commands._context import Desk
from ledger.commands.requests import RecordReceipt, issue_decision, record_receipt
from ledger.config import Config

TODAY = date(2026, 6, 30)
FIRST = date(2026, 1, 5)
WAL_HEADER = 32
FRAME_HEADER = 24


def frames(wal: Path, start: int) -> tuple[list[int], int]:
    """The page numbers of the frames after byte ``start`` of the WAL, and its new end."""
    data = wal.read_bytes()
    page_size = struct.unpack(">I", data[8:12])[0]
    at, pages = max(start, WAL_HEADER), []
    while at + FRAME_HEADER + page_size <= len(data):
        pages.append(struct.unpack(">I", data[at : at + 4])[0])
        at += FRAME_HEADER + page_size
    return pages, at


def owners(path: Path) -> dict[int, str]:
    """Each page's table or index (``dbstat``), read through the WAL."""
    with closing(sqlite3.connect(path)) as conn:
        return {int(p): str(n) for n, p in conn.execute("SELECT name, pageno FROM dbstat")}


def measured(path: Path, k: int, phase: Callable[[], None], start: int) -> tuple[Counter[str], int]:
    phase()
    pages, end = frames(path.with_name(path.name + "-wal"), start)
    names = owners(path)
    return Counter(names.get(p, f"page {p} (free/other)") for p in pages), end


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="K: commands of each kind")
    parser.add_argument("--drop", nargs="*", default=[], help="indexes to drop first")
    args = parser.parse_args()
    k = args.requests
    with tempfile.TemporaryDirectory(prefix="ledger-wal-") as folder:
        path = Path(folder) / "books.db"
        app = bootstrap(f"sqlite:///{path}", Config(), actor="bench")
        conn = app.db.connection()
        for index in args.drop:
            conn.execute(f"DROP INDEX {index}")
        desk = Desk(app.store, "bench", "default", TODAY)
        _ = desk.calendar
        warm = [f"W-{uuid.uuid4().hex[:6]}-{i:05d}" for i in range(k)]
        ids = [f"B-{uuid.uuid4().hex[:6]}-{i:05d}" for i in range(k)]
        create(desk, warm)  # the tables have some depth before the count
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("PRAGMA wal_autocheckpoint = 0")
        created, end = measured(path, k, lambda: create(desk, ids), 0)
        decided, _ = measured(path, k, lambda: decide(desk, ids), end)
        app.close()
    phases = (("create (record_receipt)", created), ("decide (issue_decision)", decided))
    for what, counts in phases:
        total = sum(counts.values())
        print(f"\n{what}: {total / k:.2f} WAL pages per command ({total} for {k})")
        for name, n in counts.most_common():
            print(f"  {name:40} {n / k:6.2f}")


def create(desk: Desk, ids: Sequence[str]) -> None:
    for i, rid in enumerate(ids):
        record_receipt(
            desk, RecordReceipt(FIRST + timedelta(days=i % 100), "in-person", "natural", rid)
        )


def decide(desk: Desk, ids: Sequence[str]) -> None:
    for rid in ids:
        issue_decision(desk, rid, date(2026, 6, 1), "disclosed")


if __name__ == "__main__":
    main()
