"""``annual_report`` and ``check_report`` of one year timed in one warm process (issue 12).

Without a process's start-up (imports) the report's own work shows; run it once per
variant, alternating (``PYTHONPATH`` pointing at another checkout's ``src`` for the
baseline), and compare the least CPU. On PostgreSQL the database's work is in the wall
time only.

    LEDGER_TODAY=2023-03-01 .venv/bin/python bench/report_loop.py \
        sqlite:///bench/out/reads-100000.db 5
"""

from __future__ import annotations

import statistics
import sys
import time

from ledger.bootstrap import bootstrap
from ledger.projections.reports import ReportQuery, annual_report, check_report


def main() -> None:
    url, reps = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 5
    year = int(sys.argv[3]) if len(sys.argv) > 3 else 2022
    app = bootstrap(url, ensure=False)
    query = ReportQuery(year)
    annual_report(app, query)  # warm: the calendar, the translations, the page cache
    check_report(app, query)
    times: dict[str, list[float]] = {}
    for _ in range(reps):
        for name, run in (("report", annual_report), ("check", check_report)):
            cpu, wall = time.process_time(), time.perf_counter()
            run(app, query)
            times.setdefault(f"{name} cpu", []).append(time.process_time() - cpu)
            times.setdefault(f"{name} wall", []).append(time.perf_counter() - wall)
    app.close()
    print(
        "  ".join(
            f"{k} {min(v) * 1000:.1f}/{statistics.median(v) * 1000:.1f}" for k, v in times.items()
        ),
        "ms (least/median)",
    )


if __name__ == "__main__":
    main()
