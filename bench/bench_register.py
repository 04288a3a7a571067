"""How fast a register imports (issue 11), against openpyxl merely reading the same file.

In one run: generate a register of N rows over three years (the generator of the tests),
time openpyxl reading it (read-only, values only: the floor for any import), then time
``import_register`` into a new SQLite file (check pass on a memory copy, then write
pass), and print rows/s of each and the ratio. Nothing is asserted; not run by the tests.

    .venv/bin/python bench/bench_register.py                  # 100,000 rows
    .venv/bin/python bench/bench_register.py --rows 10000
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.register_data import generate, write_workbook

from ledger.bootstrap import bootstrap
from ledger.config import Config
from ledger.dates import FixedClock
from ledger.register.load import import_register


def read_only(path: Path) -> int:
    """Rows openpyxl yields, reading as the import does."""
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    try:
        return sum(1 for _ in book.worksheets[0].iter_rows(values_only=True))
    finally:
        book.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="rows in the register")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        book = Path(folder) / "register.xlsx"
        started = time.perf_counter()
        write_workbook(book, generate(args.rows), title=False)
        print(f"wrote {args.rows} rows in {time.perf_counter() - started:.1f} s")
        started, cpu = time.perf_counter(), time.process_time()
        read = read_only(book)
        reading, reading_cpu = time.perf_counter() - started, time.process_time() - cpu
        print(f"openpyxl read-only:  {read} rows in {reading:.2f} s = {read / reading:,.0f} rows/s "
              f"(CPU {reading_cpu:.2f} s)")  # fmt: skip
        app = bootstrap(
            f"sqlite:///{Path(folder) / 'ledger.db'}", Config(), actor="bench",
            clock=FixedClock(date(2024, 6, 30)),
        )  # fmt: skip
        try:
            started, cpu = time.perf_counter(), time.process_time()
            result = import_register(app, book)
            importing, importing_cpu = time.perf_counter() - started, time.process_time() - cpu
        finally:
            app.close()
        events = result.written.events if result.written else 0
        print(
            f"ledger import:       {args.rows} rows ({events} events) in {importing:.1f} s = "
            f"{args.rows / importing:,.0f} rows/s ({importing / reading:.0f}× openpyxl reading)"
        )
        print(
            f"CPU time:            import {importing_cpu:.1f} s, openpyxl {reading_cpu:.2f} s "
            f"({importing_cpu / reading_cpu:.0f}×; on a loaded machine compare these)"
        )


if __name__ == "__main__":
    main()
