"""How long one year's annual report takes from a log of 100,000 requests (issue 4).

The target: under two seconds on the SQLite default. This script

1. builds (once, cached under ``bench/out/``) a SQLite log of N requests spread over two
   years, imported through ``import_lines`` (the gate every event passes: each step is
   recorded by its desk command, which derives the deadlines and the year-end
   carry-overs): receipts, decisions with every outcome, clarifications, extensions,
   consultations, withdrawals and the year closes;
2. times the report of the last year in-process (``collect`` + ``build_report`` +
   ``render(…, "text")``, each phase too) and as the ``ledger report YEAR`` command in a
   new process, printing the median of the repetitions;
3. times a baseline in the same run: raw ``sqlite3`` scanning the same ``events`` table
   (every row, ``orjson``-decoding the payload), and prints the ratio;
4. with ``--profile`` (or whenever the in-process median is over the target), profiles
   one in-process run with cProfile and prints the top functions.

Nothing is asserted: the figures are printed for a person to read.

    .venv/bin/python bench/bench_report.py                 # 100,000 requests, 5 repetitions
    .venv/bin/python bench/bench_report.py --reps 3 --profile --experiments
    .venv/bin/python bench/bench_report.py --requests 20000 --rebuild

Building the log through the gate takes about 5 s per 1,000 requests (once: it is cached).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import os
import pstats
import random
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import orjson

from ledger import codes
from ledger.bootstrap import bootstrap
from ledger.calendar import WorkingCalendar
from ledger.clock import add_working_days
from ledger.commands.imports import import_lines
from ledger.dates import FixedClock
from ledger.events import requests as ev
from ledger.events.store import NewEvent
from ledger.events.types import Event
from ledger.events.years import RequestCarriedOver, YearClosed, year_stream
from ledger.projections.annual import ReportRequest, build_report, collect
from ledger.report.model import APPLICANTS, OUTCOMES
from ledger.report.render import render

OUT = Path(__file__).resolve().parent / "out"
AGENCY = "bench"
TARGET_SECONDS = 2.0
SEED = 20210101
CALENDAR = {"2021": "chinesecalendar", "2022": "chinesecalendar", "2023": "chinesecalendar"}

# Outcomes weighted roughly as published reports show them: most disclosed or not held.
WEIGHTS = {"disclosed": 40, "partial": 8, "unavailable.not-held": 20, "other": 5}
# The closures the Regulation allows only in their circumstances come from those steps.
CIRCUMSTANTIAL = ("other.no-clarification", "other.fee-unpaid", "unavailable.still-unclear")
PLAIN_OUTCOMES = [o for o in OUTCOMES if o not in CIRCUMSTANTIAL]
CHANNELS = codes.CHANNELS.codes


# --- building the log -------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """What to build: how many requests over which years, and "today" (after the last)."""

    requests: int
    years: tuple[int, ...]

    @property
    def today(self) -> date:
        return date(self.years[-1] + 1, 2, 1)

    @property
    def path(self) -> Path:
        span = f"{self.years[0]}-{self.years[-1]}"
        return OUT / f"report-{self.requests}-{span}.db"


HISTORY = "benchmark history, generated"
"""An import is history: the reason its old facts are recorded now, given once."""

def _deadline(
    cal: WorkingCalendar, start: date, days: int, reason: str, allowed: int = 20
) -> ev.DeadlineSet:
    """The DeadlineSet a desk command appends when the due date moves."""
    return ev.DeadlineSet(
        due=add_working_days(start, days, cal),
        reason=reason,
        calendar={str(start.year): CALENDAR.get(str(start.year), "chinesecalendar")},
        days_allowed=allowed,
    )


def _request_events(
    rid: str, year: int, rng: random.Random, cal: WorkingCalendar, today: date
) -> list[NewEvent]:
    """One request's life, as the desk commands would have recorded it."""
    received = date(year, 1, 1) + timedelta(days=rng.randrange(365))
    n = int(rid.rsplit("-", 1)[1])
    channel = CHANNELS[n % len(CHANNELS)]
    applicant = APPLICANTS[0] if rng.random() < 0.7 else rng.choice(APPLICANTS[1:])
    out: list[tuple[Event, date]] = [
        (
            ev.RequestReceived(
                request_id=rid,
                channel=channel,  # type: ignore[arg-type]
                applicant=applicant,  # type: ignore[arg-type]
                received_on=received,
                submitted_on=received,
                # the day both sides confirmed (Art. 31(3)), which may be a closed day
                confirmed_on=received if codes.receipt_rule(channel) == "confirmed" else None,
                subject="bench",
            ),
            received,
        ),
        (_deadline(cal, received, 20, "received"), received),
    ]
    day = received
    roll = rng.random()
    outcome: str | None = None
    if roll < 0.08:  # clarification: mostly answered, some never
        asked = received + timedelta(days=2)
        reply_by = asked + timedelta(days=15)
        out.append((ev.ClarificationRequested(reply_by=reply_by), asked))
        out.append(
            (ev.DeadlineSet(due=None, reason="clarification requested: clock stopped"), asked)
        )
        if rng.random() < 0.8:
            day = asked + timedelta(days=rng.randrange(1, 10))
            out.append((ev.Clarified(), day))
            out.append((_deadline(cal, day, 20, "corrected request arrived"), day))
            # sometimes still unclear after the correction (Art. 30)
            outcome = "unavailable.still-unclear" if rng.random() < 0.1 else None
        else:
            day = reply_by + timedelta(days=3)
            outcome = "other.no-clarification"
    elif roll < 0.12:  # a consultation with a third party
        day = received + timedelta(days=3)
        out.append((ev.ConsultationStarted(party="某公司"), day))
        out.append((_deadline(cal, received, 23, "consultation with 某公司"), day))
        day += timedelta(days=rng.randrange(3, 12))
        out.append((ev.ConsultationEnded(party="某公司"), day))
        out.append((_deadline(cal, received, 26, "opinion of 某公司 arrived"), day))
    if rng.random() < 0.06:  # an extension before the due date
        day = max(day, received + timedelta(days=20))
        out.append((ev.ExtensionGranted(days=10, approver="王主任"), day))
        out.append((_deadline(cal, received, 30, "extension", allowed=30), day))
    decided = day + timedelta(days=rng.randrange(0, 30))
    if outcome is None:
        weights = [WEIGHTS.get(o, 1) for o in PLAIN_OUTCOMES]
        outcome = rng.choices(PLAIN_OUTCOMES, weights)[0]
    if decided < today and rng.random() > 0.002:  # a few stay open for the alerts
        if outcome == "other" and rng.random() < 0.5:
            out.append((ev.RequestWithdrawn(), decided))
        else:
            out.append((ev.DecisionIssued(outcome=outcome), decided))
    else:
        decided = date.max
    for closed in range(year, today.year):
        if decided > date(closed, 12, 31):
            out.append((RequestCarriedOver(year=closed), date(closed, 12, 31)))
    # A stream's events are stored in the order they happened (carry-over before a
    # decision in January), as the year close and the desk would have appended them.
    out.sort(key=lambda pair: pair[1])
    return [NewEvent(e, on) for e, on in out]


def _lines(plan: Plan) -> Iterator[str]:
    """The history as import lines: each request's steps, then the year closes.

    The deadline-set and carry-over events among them are skipped by the import, which
    derives them again through the desk commands.
    """
    rng = random.Random(SEED)
    cal = WorkingCalendar([])
    per_year = plan.requests // len(plan.years)
    for index in range(plan.requests):
        year = plan.years[min(index // per_year, len(plan.years) - 1)]
        rid = f"{AGENCY}-{year}-{index + 1:06d}"
        for item in _request_events(rid, year, rng, cal, plan.today):
            yield _line(ev.stream_of(rid), item.event, item.effective)
    for y in plan.years:
        if y < plan.today.year:
            yield _line(year_stream(AGENCY, y), YearClosed(year=y, carried_over=0), date(y, 12, 31))


def _line(stream: str, event: Event, on: date) -> str:
    item = {"stream": stream, "type": event.type, "data": event.payload(), "agency": AGENCY,
            "effective_date": on.isoformat()}  # fmt: skip
    return orjson.dumps(item).decode()


def build(plan: Plan) -> Path:
    """Import the history through the desk's rules (``ledger import``'s gate) into a
    temporary file, and move it into place when complete."""
    OUT.mkdir(parents=True, exist_ok=True)
    tmp = plan.path.with_suffix(".tmp")
    for leftover in (tmp, tmp.with_name(tmp.name + "-wal"), tmp.with_name(tmp.name + "-shm")):
        leftover.unlink(missing_ok=True)
    app = bootstrap(f"sqlite:///{tmp}", actor="bench", clock=FixedClock(plan.today))
    started = time.perf_counter()
    summary = import_lines(app.desk(AGENCY, backdated=HISTORY), list(_lines(plan)), "bench")
    written = app.store.last_position()
    app.close()
    with sqlite3.connect(tmp) as conn:  # fold the WAL in, so the cached file stands alone
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    os.replace(tmp, plan.path)
    for suffix in ("-wal", "-shm"):
        tmp.with_name(tmp.name + suffix).unlink(missing_ok=True)
    seconds = time.perf_counter() - started
    print(
        f"built {plan.path.name}: {len(summary.requests):,} requests, {written:,} events "
        f"in {seconds:.1f} s",
        file=sys.stderr,
    )
    return plan.path


def cached(plan: Plan, rebuild: bool) -> Path:
    """The cached log, built first if missing (or asked to)."""
    if rebuild or not plan.path.exists():
        return build(plan)
    return plan.path


# --- timing -----------------------------------------------------------------------------


def median_of(reps: int, run: Callable[[], object]) -> tuple[float, list[float]]:
    times = []
    for _ in range(reps):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times), times


def in_process(path: Path, year: int) -> dict[str, float]:
    """One report, phase by phase: collect, build_report, render text."""
    app = bootstrap(f"sqlite:///{path}", ensure=False)
    try:
        t0 = time.perf_counter()
        facts = collect(app.store)
        t1 = time.perf_counter()
        report = build_report(facts, ReportRequest(year, None, None, "基准测试局"))
        t2 = time.perf_counter()
        text = render(report, "text")
        t3 = time.perf_counter()
    finally:
        app.close()
    assert isinstance(text, str)
    return {"collect": t1 - t0, "build_report": t2 - t1, "render": t3 - t2, "total": t3 - t0}


def subprocess_run(path: Path, year: int) -> None:
    env = {**os.environ, "LEDGER_DB": f"sqlite:///{path}"}
    env.pop("LEDGER_CONFIG", None)
    done = subprocess.run(
        [sys.executable, "-c", "from ledger.cli import main; main()", "report", str(year)],
        capture_output=True,
        env=env,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"ledger report failed: {done.stderr.decode().strip()}")


def raw_scan(path: Path) -> int:
    """The floor: every row of ``events`` read with sqlite3 and its payload decoded."""
    conn = sqlite3.connect(path)
    try:
        count = 0
        for row in conn.execute(
            "SELECT position, stream_id, version, type, schema_version, data, effective_date, "
            "recorded_at, actor, agency, command_id, hash FROM events ORDER BY position"
        ):
            orjson.loads(row[5])
            count += 1
        return count
    finally:
        conn.close()


def experiments(path: Path, year: int, reps: int) -> list[tuple[str, float]]:
    """Where the time goes, measured one piece at a time (what the suggestions rest on)."""
    app = bootstrap(f"sqlite:///{path}", ensure=False)
    store = app.store
    out: list[tuple[str, float]] = []

    def timed(label: str, run: Callable[[], object]) -> None:
        out.append((label, median_of(reps, run)[0]))

    try:
        timed("collect (as shipped)", lambda: collect(store))
        gc.disable()
        try:
            timed("collect with the garbage collector off", lambda: collect(store))
        finally:
            gc.enable()
        timed(
            "read_all: rows decoded into StoredEvent, no fold",
            lambda: sum(1 for _ in store.read_all()),
        )
        # A private method, on purpose: the Core rows before _decode builds StoredEvents.
        timed("store._rows: SQLAlchemy Core rows only", lambda: sum(1 for _ in store._rows(0)))
        timed("raw sqlite3, 6 columns, without request.deadline-set", lambda: lean_scan(path))
        facts = collect(store)
        request = ReportRequest(year, None, None, "基准测试局")
        timed("build_report with statistics", lambda: build_report(facts, request))
        bare = ReportRequest(year, None, None, "基准测试局", with_stats=False)
        timed("build_report without statistics", lambda: build_report(facts, bare))
    finally:
        app.close()
    timed("process start-up: `ledger report --help`", startup)
    return out


def lean_scan(path: Path) -> int:
    """What a report needs of each event, minus the DeadlineSet rows it skips anyway."""
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute(
            "SELECT stream_id, version, type, data, effective_date, agency FROM events "
            "WHERE type != 'request.deadline-set' ORDER BY position"
        )
        return sum(1 for row in rows if orjson.loads(row[3]) is not None)
    finally:
        conn.close()


def startup() -> None:
    subprocess.run(
        [sys.executable, "-c", "from ledger.cli import main; main()", "report", "--help"],
        capture_output=True,
        check=True,
    )


def profile(path: Path, year: int, top: int) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    in_process(path, year)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--years", type=int, nargs="+", default=[2021, 2022])
    parser.add_argument("--reps", type=int, default=5, help="repetitions of each timing")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the cached log")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of one run")
    parser.add_argument(
        "--experiments", action="store_true", help="time the pieces (gc, decoding, stats)"
    )
    parser.add_argument("--top", type=int, default=25, help="functions the profile shows")
    args = parser.parse_args()

    plan = Plan(args.requests, tuple(args.years))
    path = cached(plan, args.rebuild)
    year = plan.years[-1]
    with sqlite3.connect(path) as conn:
        events = conn.execute("SELECT count(*) FROM events").fetchone()[0]
    print(f"log: {path} ({plan.requests:,} requests, {events:,} events); report year {year}")

    in_process(path, year)  # warm the page cache and the imports once
    phases = [in_process(path, year) for _ in range(args.reps)]
    medians = {k: statistics.median(p[k] for p in phases) for k in phases[0]}
    sub, _ = median_of(args.reps, lambda: subprocess_run(path, year))
    raw, _ = median_of(args.reps, lambda: raw_scan(path))

    print(f"in-process report (median of {args.reps}): {medians['total']:.3f} s")
    for phase in ("collect", "build_report", "render"):
        print(f"  {phase:<13} {medians[phase]:.3f} s")
    print(f"`ledger report {year}` subprocess (median of {args.reps}): {sub:.3f} s")
    print(f"baseline raw sqlite3 + orjson scan (median of {args.reps}): {raw:.3f} s")
    print(f"ratio in-process / baseline: {medians['total'] / raw:.1f}x")
    verdict = "under" if sub < TARGET_SECONDS else "OVER"
    print(f"target {TARGET_SECONDS:.1f} s for the command: {verdict} ({sub:.2f} s)")
    if args.experiments:
        print("where the time goes:")
        for label, seconds in experiments(path, year, args.reps):
            print(f"  {seconds:7.3f} s  {label}")
    if args.profile or medians["total"] > TARGET_SECONDS:
        print(profile(path, year, args.top))


if __name__ == "__main__":
    main()
