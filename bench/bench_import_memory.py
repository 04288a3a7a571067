"""Peak memory of `ledger import FILE` (JSON lines) against the size of the file (issue 12).

In one run: generate the history `bench_report.py` builds (N requests over 2021 and
2022, every step of each request, then the two year closes — or not, ``--without-closes``;
the derived events in the file are skipped and derived again), then run, each in a new
process on a new SQLite file,

1. ``python -c "import ledger.cli"`` — the baseline: what the program costs before it reads
   anything;
2. ``ledger import FILE --backdated …`` of this checkout, on books made by ``ledger init``;
3. with ``--before SRC`` (the ``src`` folder of another checkout, e.g. one made with
   ``git archive``), the same import with that code (``PYTHONPATH``), for a before/after in
   the same run.

and print each one's peak resident memory (``ru_maxrss`` of the finished process) and wall
time, and the import's peak over the baseline. Nothing is asserted.

    .venv/bin/python bench/bench_import_memory.py                       # 20,000 requests
    .venv/bin/python bench/bench_import_memory.py --requests 2000        # quick
    git archive BASE src | tar -x -C /tmp/base && \\
    .venv/bin/python bench/bench_import_memory.py --before /tmp/base/src
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_report

LEDGER = str(Path(sys.executable).with_name("ledger"))
REASON = "benchmark history, generated"


def peak(command: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """Run a process; its peak RSS in MB, its wall time in seconds and its exit status."""
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    _pid, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return usage.ru_maxrss / 1024, time.perf_counter() - started, process.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--before", type=Path, help="the src folder of the code to compare")
    parser.add_argument(
        "--without-closes", action="store_true",
        help="leave out the year.closed lines (a year close folds every request of the books)",
    )  # fmt: skip
    args = parser.parse_args()
    plan = bench_report.Plan(args.requests, (2021, 2022))
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        history = work / "history.jsonl"
        with history.open("w", encoding="utf-8") as out:
            lines = 0
            for line in bench_report._lines(plan):
                if not (args.without_closes and '"year.closed"' in line):
                    lines += out.write(line + "\n") > 0
        size = history.stat().st_size / 1e6
        closes = "without" if args.without_closes else "with"
        print(f"ledger import memory — {args.requests:,} requests, {lines:,} lines ({closes} "
              f"the year closes), {size:.1f} MB")  # fmt: skip
        env = {**os.environ, "LEDGER_TODAY": plan.today.isoformat(), "HOME": tmp}
        env.pop("PYTHONPATH", None)
        runs: list[tuple[str, list[str], dict[str, str]]] = [
            ("python -c 'import ledger.cli'", [sys.executable, "-c", "import ledger.cli"], env)
        ]
        variants = [("this checkout", env)]
        if args.before is not None:
            variants.append((f"before ({args.before})", {**env, "PYTHONPATH": str(args.before)}))
        for n, (name, variant_env) in enumerate(variants):
            db = f"sqlite:///{work / f'books-{n}.db'}"
            subprocess.run([LEDGER, "init", "--db", db], env=env, check=True,
                           stdout=subprocess.DEVNULL)  # fmt: skip
            command = [sys.executable, "-c", "from ledger.cli import main; main()", "--db", db,
                       "import", str(history), "--agency", bench_report.AGENCY,
                       "--backdated", REASON]  # fmt: skip
            runs.append((f"ledger import, {name}", command, variant_env))
        baseline = 0.0
        for name, command, run_env in runs:
            mb, seconds, status = peak(command, run_env)
            baseline = baseline or mb
            failed = "" if status == 0 else f"   EXIT {status}"
            print(f"  {name:44} peak RSS {mb:7.0f} MB   {seconds:7.1f} s   "
                  f"/ baseline {mb / baseline:5.2f}×{failed}")  # fmt: skip


if __name__ == "__main__":
    main()
