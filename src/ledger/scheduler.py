"""``ledger scheduler``: the nightly work, run by a long-lived process (APScheduler 3).

The job runs every day at ``[scheduler] time`` (default 02:00) in Asia/Shanghai.

- Missed runs coalesce into one (``coalesce=True``) and a run that is late by less than
  ``MISFIRE_GRACE`` (a suspended machine, a long previous run) still happens.
- Catch-up on start: each run belongs to a *slot*, the latest scheduled time at or
  before it. The process runs once at start, and every run first compares the newest
  ``ReminderRunCompleted`` on the job's stream with its slot: already done since the
  slot means skip. So a restart after downtime catches up exactly once, and a second
  scheduler firing a little later does nothing.
- Several schedulers (one per machine, for availability) may share a PostgreSQL
  database: each run takes ``pg_try_advisory_lock`` on a dedicated connection, and a
  scheduler that does not get it logs and skips. On SQLite (one machine) a lock inside
  the process keeps runs from overlapping.
- Every run (and every ``ledger remind``) also takes the delivery lock of
  ``ledger.runlock`` on both databases; a run that cannot take it logs and skips, so
  reminders are claimed, delivered and recorded by one run at a time.
- SIGTERM and SIGINT stop it cleanly: no new runs start, a running one finishes, exit 0.

``--interval N`` runs every N seconds from the start instead, without the slot check
(for tests and training); ``--once`` runs once under the lock and exits (for cron).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import Any

from ledger.bootstrap import App
from ledger.dates import SHANGHAI, utc_now
from ledger.db import Database
from ledger.errors import InvalidInput, LedgerError
from ledger.logging import get_logger
from ledger.notifiers import DeliveryFailed, Notifier
from ledger.projections.anchors import append_anchor, head
from ledger.remind import SCHEDULER_ACTOR, RunBusy, RunResult, job_scope, last_run, remind
from ledger.runlock import pg_advisory

__all__ = [
    "MISFIRE_GRACE",
    "NightlyJob",
    "advisory_lock",
    "check_config",
    "last_slot",
    "run_once",
    "serve",
]

MISFIRE_GRACE = int(timedelta(hours=12).total_seconds())
_POLL = 0.1  # seconds between checks for a stop signal

log = get_logger("ledger.scheduler")


def last_slot(now: datetime, at: dt.time) -> datetime:
    """The latest time ``at`` (Asia/Shanghai) at or before ``now``; both moments naive UTC."""
    local = now.replace(tzinfo=UTC).astimezone(SHANGHAI)
    slot = local.replace(hour=at.hour, minute=at.minute, second=0, microsecond=0)
    if slot > local:
        slot -= timedelta(days=1)
    return slot.astimezone(UTC).replace(tzinfo=None)


def lock_key(job_agency: str) -> int:
    """A stable 64-bit advisory-lock key for one job (the same on every machine)."""
    digest = hashlib.sha256(f"ledger.scheduler:{job_agency}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextmanager
def advisory_lock(db: Database, key: int) -> Iterator[bool]:
    """Whether this process may do the work now (PostgreSQL: ``pg_try_advisory_lock``).

    Always yes on SQLite, which serves one machine. On PostgreSQL the lock lives on its
    own autocommit connection, opened for the run: a session lock left on a shared
    connection would outlive the run, and an open transaction would sit "idle in
    transaction" for the whole run. Closing that connection releases the lock even if
    the unlock is never reached (a crash, a lost network).
    """
    if db.dialect != "postgresql":
        yield True
        return
    with pg_advisory(db, key) as taken:
        yield taken


@dataclass
class NightlyJob:
    """One scheduler's job: run the nightly work unless another run has it covered."""

    app: App
    agency: str | None = None
    actor: str = SCHEDULER_ACTOR
    _busy: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def run(self) -> RunResult | None:
        """Run now (``--interval``, ``--once``), under the lock."""
        return self._guarded(None)

    def run_scheduled(self) -> RunResult | None:
        """Run for the latest slot, unless a run since that slot is recorded."""
        at = self.app.config.scheduler.time
        slot = last_slot(utc_now(), at)
        return self._guarded(slot)

    def _guarded(self, slot: datetime | None) -> RunResult | None:
        """The run, or None when skipped; a failure is logged and the scheduler goes on."""
        if not self._busy.acquire(blocking=False):
            log.info("run skipped: the previous run is still going")
            return None
        try:
            return self._locked(slot)
        except LedgerError as exc:
            log.error("run failed", reason=exc.message)
        except Exception as exc:  # the scheduler must survive a bad night
            log.error("run failed", reason=f"{type(exc).__name__}: {exc}")
        finally:
            self._busy.release()
        return None

    def _locked(self, slot: datetime | None) -> RunResult | None:
        _scope, job_agency = job_scope(self.app, self.agency)
        with advisory_lock(self.app.db, lock_key(job_agency)) as mine:
            if not mine:
                log.info("run skipped: another scheduler holds the lock", job=job_agency)
                return None
            done = last_run(self.app.store, job_agency) if slot is not None else None
            if slot is not None and done is not None and done >= slot:
                log.info("run skipped: already done", slot=slot.isoformat(), last=done.isoformat())
                return None
            try:
                result = remind(self.app, self.app.today(), agency=self.agency, actor=self.actor)
            except RunBusy:
                log.info("run skipped: another run is delivering reminders", job=job_agency)
                return None
            keep_head(self.app)
            return result


def keep_head(app: App) -> None:
    """Log the log's head, and append it to ``[scheduler] anchor_file`` if configured, so
    that a copy outside the database proves tomorrow's log unchanged up to tonight."""
    found = head(app.store)
    if found is None:
        return
    log.info("log head", anchor=found.line())
    path = app.config.scheduler.anchor_file
    if path is not None:
        append_anchor(Path(path), found)
    for notifier in anchor_notifiers(app):
        try:
            notifier.send_anchor(found)
        except DeliveryFailed as exc:  # the file and the log still have it; say so, go on
            log.error("log head not sent", notifier=notifier.name, reason=exc.message)
        else:
            log.info("log head sent", notifier=notifier.name)


def anchor_notifiers(app: App) -> list[Notifier]:
    """The notifiers ``[scheduler] anchor_notifiers`` names, refusing a name not configured."""
    wanted = app.config.scheduler.anchor_notifiers
    by_name = {notifier.name: notifier for notifier in app.notifiers()}
    unknown = [name for name in wanted if name not in by_name]
    if unknown:
        raise InvalidInput(
            f"[scheduler] anchor_notifiers: no notifier named {unknown[0]!r}; "
            f"allowed: {', '.join(sorted(by_name))}"
        )
    return [by_name[name] for name in wanted]


def check_config(app: App) -> dt.time:
    """Refuse a notifier secret missing from the environment now, not at 2 a.m.; the time.

    The tables themselves were checked when the configuration file was loaded.
    """
    anchor_notifiers(app)
    return app.config.scheduler.time


def run_once(app: App, agency: str | None = None, actor: str = SCHEDULER_ACTOR) -> RunResult | None:
    """The nightly work once now, under the lock (``--once``, for cron); None if skipped.

    The configuration is checked first, so a bad table is refused rather than logged.
    """
    check_config(app)
    return NightlyJob(app, agency, actor).run()


class _Stop:
    """Set by SIGTERM/SIGINT; the main thread polls it (nothing else runs in a handler)."""

    def __init__(self) -> None:
        self.signal: str | None = None

    def __call__(self, signum: int, _frame: FrameType | None) -> None:
        self.signal = signal.Signals(signum).name


def _scheduler(job: NightlyJob, interval: int | None) -> Any:
    """A started BackgroundScheduler with the nightly (or interval) job and the catch-up."""
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    defaults = {"coalesce": True, "max_instances": 1, "misfire_grace_time": MISFIRE_GRACE}
    sched = BackgroundScheduler(timezone=SHANGHAI, job_defaults=defaults)
    if interval is not None:
        trigger = IntervalTrigger(seconds=interval, timezone=SHANGHAI)
        sched.add_job(job.run, trigger, id="remind", next_run_time=datetime.now(SHANGHAI))
    else:
        at = job.app.config.scheduler.time
        trigger = CronTrigger(hour=at.hour, minute=at.minute, timezone=SHANGHAI)
        sched.add_job(job.run_scheduled, trigger, id="nightly")
        sched.add_job(job.run_scheduled, id="catch-up")  # now: skips if the slot is done
    sched.start()
    return sched


def serve(
    app: App,
    *,
    interval: int | None = None,
    agency: str | None = None,
    actor: str = SCHEDULER_ACTOR,
) -> int:
    """Run until SIGTERM or SIGINT, then stop cleanly; the exit status (0)."""
    job = NightlyJob(app, agency, actor)
    at = check_config(app)
    stop = _Stop()
    previous = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        sched = _scheduler(job, interval)
        try:
            when = f"every {interval} s" if interval else f"daily at {at:%H:%M}"
            log.info("scheduler started", schedule=str(when), timezone="Asia/Shanghai")
            while stop.signal is None:
                time.sleep(_POLL)
            log.info("scheduler stopping", signal=stop.signal)
        finally:
            sched.shutdown(wait=True)  # lets a running job finish
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    log.info("scheduler stopped")
    return 0
