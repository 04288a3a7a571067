"""The nightly work: deliver each alert once through every notifier, and record it.

A run computes the alerts as of a day (``ledger.projections.alerts``) and, for each
notifier, sends the alerts that no earlier run recorded as sent through that notifier.
The dedupe key is (notifier, agency, request, kind, date): ``date`` is what the alert is
about (a due date…), so a rerun, or a catch-up after days of downtime, repeats nothing,
while a request whose due date moved gets one new reminder. Alerts that stopped holding
during the downtime (a "due soon" that is now "overdue") are not sent late: the alert
that holds today is.

Once per (notifier, reminder): a run holds the delivery lock (``ledger.runlock``) from
start to end, so two runs (``ledger remind``, the scheduler, on any machine) never
deliver at the same time; a run that cannot take it raises ``RunBusy`` and does nothing.
Before a notifier's send the run records a ``ReminderClaimed`` for each reminder of the
batch, and right after it ``ReminderSent`` or ``ReminderFailed`` (which does not count
as sent, so the next run retries it); the run itself ends with ``ReminderRunCompleted``.
A claim without a result means its run died mid-delivery (the lock rules out a live
one): the next run re-sends that reminder once, marked as a possible repeat, rather than
lose it. So a crash repeats at most the one message that was in flight per notifier,
and each reminder carries its id (``reminder_id``) for a receiver to drop a repeat.
A failing notifier never stops the others, and the log notifier is always one of them.

Optionally (``[scheduler] close_lapsed`` / ``close_year``, off by default) a run first
records what the Regulation allows without a person: closing a request whose reply-by
date passed (``other.no-clarification``) or whose fee stayed unpaid 20 working days
(``other.fee-unpaid``), and closing the years that have ended. These go through the same
command handlers as a desk's, with the run's actor (``scheduler`` by default).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from ledger.bootstrap import App
from ledger.calendar import WorkingCalendar
from ledger.commands._context import Desk
from ledger.commands.agencies import office_agency
from ledger.commands.requests import issue_decision
from ledger.commands.years import close_year
from ledger.config import JobSettings
from ledger.errors import LedgerError
from ledger.events import reminders as ev
from ledger.events.store import ANY, NewEvent, Store
from ledger.events.types import Event
from ledger.i18n import _
from ledger.logging import get_logger
from ledger.notifiers import DeliveryFailed, Notifier, Reminder, redact_text
from ledger.projections.agencies import agency_named, recorded_agencies
from ledger.projections.alerts import Alert, compute_alerts
from ledger.projections.calendar import load_calendar
from ledger.runlock import held_lock

__all__ = [
    "SCHEDULER_ACTOR",
    "Delivery",
    "JobSettings",
    "RunBusy",
    "RunResult",
    "job_scope",
    "last_run",
    "remind",
    "run_reminders",
]

SCHEDULER_ACTOR = "scheduler"
LAPSED_OUTCOMES = {"no-clarification": "other.no-clarification", "fee-unpaid": "other.fee-unpaid"}

log = get_logger("ledger.remind")


@dataclass(frozen=True)
class Delivery:
    """One alert through one notifier: delivered when ``error`` is None."""

    notifier: str
    alert: Alert
    error: str | None = None
    repeat: bool = False
    """A re-send of a delivery whose run died before recording it: possibly a repeat."""


class RunBusy(LedgerError):
    """Another run holds the delivery lock; this one delivered and recorded nothing."""


@dataclass(frozen=True)
class RunResult:
    """What a run found, delivered (or, in a dry run, would deliver) and closed."""

    as_of: date
    dry_run: bool
    alerts: tuple[Alert, ...]
    deliveries: tuple[Delivery, ...]
    closed: tuple[str, ...]

    @property
    def sent(self) -> tuple[Delivery, ...]:
        return tuple(d for d in self.deliveries if d.error is None)

    @property
    def failed(self) -> tuple[Delivery, ...]:
        return tuple(d for d in self.deliveries if d.error is not None)


DeskFor = Callable[[str, date], Desk]
"""The desk for an agency on a day (``App.desk``): what a closure is recorded through."""


@dataclass(frozen=True)
class _Job:
    """One run's fixed parts: where it records, as whom, for which agencies."""

    store: Store
    notifiers: Sequence[Notifier]
    settings: JobSettings
    stream: str
    actor: str
    agency: str
    scope: str | None
    name_of: Callable[[str], str]
    desk_for: DeskFor
    levels: Mapping[str, str]


def remind(
    app: App,
    as_of: date | None = None,
    *,
    dry_run: bool = False,
    agency: str | None = None,
    actor: str = SCHEDULER_ACTOR,
) -> RunResult:
    """Run the nightly work for the app's configuration (see the module docstring).

    ``agency`` limits the alerts to one agency (default ``[scheduler] agency``, else all
    agencies in the log); the run records on ``reminders-<agency or config agency>``.
    ``as_of`` defaults to today by the app's clock. A real run (not a dry run) holds the
    delivery lock throughout; if another run holds it, ``RunBusy`` is raised.
    """
    if dry_run:
        return _remind(app, as_of, dry_run=True, agency=agency, actor=actor)
    with held_lock(app.db) as mine:
        if not mine:
            raise RunBusy(_("another reminder run is delivering now; this run sent nothing"))
        return _remind(app, as_of, dry_run=False, agency=agency, actor=actor)


def _remind(
    app: App, as_of: date | None, *, dry_run: bool, agency: str | None, actor: str
) -> RunResult:
    """The run for the app's configuration, the lock already settled by ``remind``."""
    settings = app.config.scheduler
    scope, job_agency = job_scope(app, agency)
    return run_reminders(
        app.store,
        app.notifiers(),
        as_of or app.today(),
        settings,
        dry_run=dry_run,
        scope=scope,
        job_agency=job_agency,
        actor=actor,
        name_of=_agency_names(app),
        desk_for=lambda code, day: app.desk(code, actor=actor, today=day, check_agency=False),
        levels=app.config.agency_levels(),
    )


def _agency_names(app: App) -> Callable[[str], str]:
    """An agency's name for people: configured, else recorded in the log, else its code."""
    recorded = recorded_agencies(app.store)

    def name_of(code: str) -> str:
        return agency_named(code, app.config.agencies, recorded)[0]

    return name_of


def job_scope(app: App, agency: str | None = None) -> tuple[str | None, str]:
    """The agency whose alerts a run covers (None: all) and the agency it records as."""
    scope = agency or app.config.scheduler.agency
    return scope, scope or office_agency(app.store, app.config.agency)


def last_run(store: Store, job_agency: str) -> datetime | None:
    """When the job last completed a run (naive UTC, as recorded), or None if never."""
    runs = store.read_stream(ev.reminders_stream(job_agency))
    finished = [e.recorded_at for e in runs if e.type == ev.RUN_COMPLETED]
    return max(finished, default=None)


def run_reminders(
    store: Store,
    notifiers: Sequence[Notifier],
    as_of: date,
    settings: JobSettings,
    *,
    dry_run: bool = False,
    scope: str | None = None,
    job_agency: str,
    actor: str = SCHEDULER_ACTOR,
    name_of: Callable[[str], str] = str,
    desk_for: DeskFor,
    levels: Mapping[str, str] | None = None,
) -> RunResult:
    """The run itself, from its parts (the app-free form, for tests and other hosts);
    ``desk_for(agency, day)`` gives the desk a closure is recorded through. The caller
    holds the delivery lock (``remind`` does): claims rely on it."""
    stream = ev.reminders_stream(job_agency)
    job = _Job(
        store, notifiers, settings, stream, actor, job_agency, scope, name_of, desk_for,
        levels or {},
    )  # fmt: skip
    calendar = load_calendar(store)
    closed = _closures(job, calendar, as_of, dry_run)
    alerts = compute_alerts(store, calendar, as_of, settings.within, scope, job.levels)
    sent, in_flight = _delivery_history(store)
    deliveries: list[Delivery] = []
    for notifier in notifiers:
        pending = [a for a in alerts if _key(notifier.name, a) not in sent]
        if dry_run:
            deliveries += [Delivery(notifier.name, a) for a in pending]
            continue
        repeats = {a for a in pending if _key(notifier.name, a) in in_flight}
        _record(job, as_of, [_claim(notifier.name, a, a in repeats) for a in pending])
        done = _deliver(job, notifier, pending, repeats)
        _record(job, as_of, [_delivery_event(d) for d in done])
        deliveries += done
    result = RunResult(as_of, dry_run, tuple(alerts), tuple(deliveries), tuple(closed))
    if not dry_run:
        _record(job, as_of, [_completed(result)])
    _log_result(result)
    return result


# -- closures --------------------------------------------------------------------------


def _closures(job: _Job, calendar: WorkingCalendar, as_of: date, dry_run: bool) -> list[str]:
    """Record (or, in a dry run, list) the closures the settings allow; one line each."""
    wanted = job.settings
    if not (wanted.close_lapsed or wanted.close_year):
        return []
    done: list[str] = []
    found = compute_alerts(job.store, calendar, as_of, wanted.within, job.scope, job.levels)
    for alert in found:
        if wanted.close_year and alert.kind == "year-not-closed":
            what = _("year {year} of {agency} closed").format(
                year=alert.date.year, agency=alert.agency
            )
        elif wanted.close_lapsed and alert.kind in LAPSED_OUTCOMES:
            what = _("request {request} closed as {outcome}").format(
                request=alert.request, outcome=LAPSED_OUTCOMES[alert.kind]
            )
        else:
            continue
        if dry_run or _close(job, calendar, as_of, alert):
            done.append(what)
    return done


def _close(job: _Job, calendar: WorkingCalendar, as_of: date, alert: Alert) -> bool:
    """Record one closure through the desk's own handler; a refusal is logged, not fatal."""
    try:
        desk = job.desk_for(alert.agency, as_of)
        desk.use_calendar(calendar)
        if alert.kind == "year-not-closed":
            close_year(desk, alert.date.year, alert.agency)
        else:
            assert alert.request is not None  # request alerts always name their request
            issue_decision(desk, alert.request, as_of, LAPSED_OUTCOMES[alert.kind])
    except LedgerError as exc:
        log.warning("closure refused", kind=alert.kind, request=alert.request, reason=str(exc))
        return False
    log.info("closed", kind=alert.kind, request=alert.request, agency=alert.agency)
    return True


# -- delivering and recording ----------------------------------------------------------

_Key = tuple[str, str, str | None, str, str]


def _key(notifier: str, alert: Alert) -> _Key:
    return (notifier, alert.agency, alert.request, alert.kind, alert.date.isoformat())


def _delivery_history(store: Store) -> tuple[set[_Key], set[_Key]]:
    """What every earlier run delivered (whichever job recorded it), and what it claimed
    without recording a result: in flight when its run died."""
    sent: set[_Key] = set()
    last: dict[_Key, str] = {}
    for e in store.read_all(types=[ev.CLAIMED, ev.SENT, ev.FAILED]):
        d = e.data
        key = (d["notifier"], d["agency"], d["request"], d["kind"], d["date"])
        last[key] = e.type
        if e.type == ev.SENT:
            sent.add(key)
    return sent, {key for key, kind in last.items() if kind == ev.CLAIMED}


def _id(alert: Alert) -> str:
    return ev.reminder_id(alert.agency, alert.request, alert.kind, alert.date)


def _reminder(alert: Alert, name_of: Callable[[str], str], repeat: bool = False) -> Reminder:
    """The alert as a notifier takes it, the agency shown by its configured name."""
    return Reminder(
        kind=alert.kind,
        request=alert.request,
        agency=name_of(alert.agency),
        date=alert.date,
        working_days=alert.working_days,
        message=alert.message,
        id=_id(alert),
        repeat=repeat,
    )


def _claim(notifier: str, a: Alert, repeat: bool) -> Event:
    return ev.ReminderClaimed(
        request=a.request, agency=a.agency, kind=a.kind, date=a.date, notifier=notifier,
        reminder_id=_id(a), repeat=repeat,
    )  # fmt: skip


def _deliver(
    job: _Job, notifier: Notifier, pending: list[Alert], repeats: set[Alert]
) -> list[Delivery]:
    """Send the pending alerts through one notifier; whatever it raises stays here."""
    if not pending:
        return []
    if repeats:
        log.warning("re-sending after a crash", notifier=notifier.name, repeats=len(repeats))
    batch = {_reminder(a, job.name_of, a in repeats): a for a in pending}
    try:
        notifier.send(list(batch))
    except DeliveryFailed as failure:
        return _after_failure(notifier.name, batch, failure.delivered, str(failure))
    except Exception as exc:  # a notifier's bug must not stop the others
        reason = f"notifier {notifier.name}: {type(exc).__name__}: {exc}"
        return _after_failure(notifier.name, batch, (), reason)
    return [Delivery(notifier.name, a, None, r.repeat) for r, a in batch.items()]


def _after_failure(
    name: str, batch: dict[Reminder, Alert], delivered: Sequence[Reminder], reason: str
) -> list[Delivery]:
    """The deliveries of a failed send: what got through, and the rest failed."""
    reason = _safe_line(reason)
    log.warning("delivery failed", notifier=name, reason=reason, pending=len(batch))
    through = set(delivered)
    return [
        Delivery(name, alert, None if reminder in through else reason, reminder.repeat)
        for reminder, alert in batch.items()
    ]


def _safe_line(text: str) -> str:
    """A failure reason as one short line with URL queries and passwords masked.

    ``DeliveryFailed`` messages are safe already; an unexpected exception's text is not.
    """
    line = " ".join(redact_text(text).split())
    return line if len(line) <= 300 else line[:299] + "…"


def _delivery_event(d: Delivery) -> Event:
    a = d.alert
    if d.error is None:
        return ev.ReminderSent(
            request=a.request, agency=a.agency, kind=a.kind, date=a.date, notifier=d.notifier
        )
    return ev.ReminderFailed(
        request=a.request,
        agency=a.agency,
        kind=a.kind,
        date=a.date,
        notifier=d.notifier,
        reason=d.error,
    )


def _completed(result: RunResult) -> Event:
    return ev.ReminderRunCompleted(
        as_of=result.as_of,
        alerts=len(result.alerts),
        sent=len(result.sent),
        failed=len(result.failed),
        closed=list(result.closed),
    )


def _record(job: _Job, as_of: date, events: Sequence[Event]) -> None:
    """Append to the job's stream; order among writers does not matter there."""
    if events:
        new = [NewEvent(e, as_of) for e in events]
        job.store.append(job.stream, new, expected_version=ANY, actor=job.actor, agency=job.agency)


def _log_result(result: RunResult) -> None:
    sent = {"would_send" if result.dry_run else "sent": len(result.sent)}
    log.info(
        "remind finished",
        as_of=result.as_of.isoformat(),
        dry_run=result.dry_run,
        alerts=len(result.alerts),
        failed=len(result.failed),
        closed=len(result.closed),
        **sent,
    )
