"""The statutory deadline of a request: when the agency must have answered.

Implements the time limits of the 2019 Regulation (Art. 30 clarification, Art. 31 date of
receipt, Art. 32–34 consultation, Art. 33 twenty working days and extension, Art. 35
deferred deadline, Art. 42 fee notice) and, for answer periods that start before
2019-05-15, of the 2007 Regulation (Art. 24: fifteen working days, extension at most
fifteen); a period restarted by a corrected request starts on that day (``period_start``).

The rules, exactly as docs/rules.md states them:

- each event takes effect at the end of its day; the day of receipt is not counted;
- a pause from day S to day E removes the working days S+1 … E; pauses may overlap and
  the clock runs only when none is open; an open-ended pause (awaiting a clarification or
  a fee payment) stops the clock, and the due date is then unknown;
- the due date is the Nth counted working day, N = base days + extension days;
- after a clarification arrives on day C, a new period of N working days runs from C:
  days up to and including C never count;
- a deferred deadline (Art. 35) replaces the computed date.

Everything here is a pure function of a ``ClockInput`` and a ``WorkingCalendar``; the
projections build the input from the event log. ``compute_deadline`` is the hot path
(reports compute it for every request), so it works on merged pause intervals and the
calendar's cached working-day ordinals; ``explain_deadline`` walks day by day for people.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import NamedTuple

from ledger.calendar import WorkingCalendar
from ledger.dates import weekday_name
from ledger.errors import InvalidInput
from ledger.i18n import _
from ledger.textwidth import width

__all__ = [
    "CAPPED_CONSULTATIONS",
    "REGIME_2007",
    "REGIME_2019",
    "REGULATION_2019_IN_FORCE",
    "ClockInput",
    "Deadline",
    "ExplainStep",
    "Pause",
    "Regime",
    "add_working_days",
    "compute_deadline",
    "consultation_end",
    "consultation_pause",
    "explain_deadline",
    "period_start",
    "regime_for",
]

REGULATION_2019_IN_FORCE = date(2019, 5, 15)
CONSULTATION_WORKING_DAYS = 15  # Art. 32, 34: the opinion is due within 15 working days
CLARIFICATION_NOTICE_DAYS = 7  # Art. 30: the clarification notice goes out within 7
FEE_PAYMENT_DAYS = 20  # fee measures: unpaid 20 working days after its receipt = abandoned


class Regime(NamedTuple):
    """The time limit in force for a request: base working days and the extension cap."""

    days: int
    max_extension: int

    @property
    def name(self) -> str:
        """ "2019" or "2007": which Regulation's time limit applies."""
        return "2019" if self == REGIME_2019 else "2007"


REGIME_2019 = Regime(days=20, max_extension=20)  # 2019 Regulation, Art. 33
REGIME_2007 = Regime(days=15, max_extension=15)  # 2007 Regulation, Art. 24
LONGEST_EXTENSION = max(REGIME_2019.max_extension, REGIME_2007.max_extension)
"""The most working days one extension may add under any Regulation (the event's bound;
the cap of the request's own regime is checked when it is recorded)."""


def regime_for(received_on: date) -> Regime:
    """The time limit for a request received on ``received_on`` (the 2019 revision's date)."""
    return REGIME_2019 if received_on >= REGULATION_2019_IN_FORCE else REGIME_2007


def period_start(received_on: date, restart_on: date | None) -> date:
    """The day the answer period being counted starts: receipt, or the corrected request.

    The regime is that of this day. A request received under the 2007 Regulation and
    corrected on or after 2019-05-15 is answered in a new period that only the 2019
    Regulation creates (Art. 30: "答复期限自行政机关收到补正的申请之日起计算"; the 2007
    Regulation had no restart), so that period is the 2019 Regulation's: 20 working days,
    extension at most 20. The 2019 Regulation has no transitional article; the reading
    is the usual one for procedure, which follows the rule in force when the step is
    taken. See docs/regulation-reading.md.
    """
    return max(received_on, restart_on or received_on)


@dataclass(frozen=True)
class Pause:
    """Time not counted: the working days after ``start`` up to ``end`` (None: still open).

    ``reason`` is what the explanation shows, e.g. "consultation with 某公司", "fee notice",
    "awaiting clarification".
    """

    start: date
    end: date | None
    reason: str

    def __post_init__(self) -> None:
        """Refuse a pause that ends before it starts."""
        if self.end is not None and self.end < self.start:
            raise InvalidInput(
                _(
                    "pause {reason!r}: end {end} is before start {start}; a pause ends on or after "
                    "the day it starts"
                ).format(reason=self.reason, end=self.end.isoformat(), start=self.start.isoformat())
            )


@dataclass(frozen=True)
class ClockInput:
    """Everything the deadline depends on, as a pure description of the request's history.

    ``restart_on`` is the day the corrected request arrived after a clarification (the
    latest one, if several); ``extension_days`` the total granted; ``deferred_until`` an
    Art. 35 deadline set by the agency.
    """

    received_on: date
    pauses: tuple[Pause, ...] = ()
    restart_on: date | None = None
    extension_days: int = 0
    deferred_until: date | None = None

    def __post_init__(self) -> None:
        """Refuse a history no command would have recorded (dates before receipt, caps)."""
        received = self.received_on.isoformat()
        cap = regime_for(period_start(self.received_on, self.restart_on)).max_extension
        if not 0 <= self.extension_days <= cap:
            raise InvalidInput(
                _(
                    "extension_days: {extension_days} is not allowed; 0 to {cap} working days for "
                    "a request received {received}"
                ).format(extension_days=self.extension_days, cap=cap, received=received)
            )
        if self.restart_on is not None and self.restart_on < self.received_on:
            raise InvalidInput(
                _(
                    "restart_on: {restart_on} is before receipt on {received}; a corrected request "
                    "arrives on or after the day of receipt"
                ).format(restart_on=self.restart_on.isoformat(), received=received)
            )
        if self.deferred_until is not None and self.deferred_until <= self.received_on:
            raise InvalidInput(
                _(
                    "deferred_until: {deferred_until} is not after receipt on {received}; a "
                    "deferred deadline lies after the day of receipt"
                ).format(deferred_until=self.deferred_until.isoformat(), received=received)
            )
        for pause in self.pauses:
            if pause.start < self.received_on:
                raise InvalidInput(
                    _(
                        "pause {reason!r}: start {start} is before receipt on {received}; a pause "
                        "starts on or after the day of receipt"
                    ).format(reason=pause.reason, start=pause.start.isoformat(), received=received)
                )


@dataclass(frozen=True)
class Deadline:
    """The answer: the due date (None while an open pause stops the clock) and its basis.

    ``provisional`` is True when a day counted or skipped on the way to the due date (or to
    the stop) lies in a year without an official schedule, listed in ``unscheduled_years``;
    recompute when the schedule is recorded. ``statutory_due`` is the counted date, which
    ``due`` equals unless an Art. 35 deferral replaced it (``deferred``). ``counted_from``
    is the day after which counting starts (receipt, or the clarification restart).
    When stopped, ``stopped_on`` is the last day that counted before the clock stopped (the
    start of the open pause, or of the pauses merged with it) and ``stopped_by`` names them.
    """

    due: date | None
    days_allowed: int
    regime: str
    max_extension: int
    provisional: bool
    unscheduled_years: frozenset[int]
    stopped_with: int | None
    deferred: bool
    statutory_due: date | None
    counted_from: date
    stopped_on: date | None = None
    stopped_by: str | None = None

    def passed(self, on: date) -> bool:
        """Whether the due date has passed on day ``on``: an answer that day is late, a
        request still open that day is overdue (Art. 33). The due day itself is in time,
        and a stopped clock (no due date) has not run out."""
        return due_passed(self.due, on)


def due_passed(due: date | None, on: date) -> bool:
    """The one rule of lateness (see ``Deadline.passed``), for a due date already derived
    (a projection row keeps the date, not the ``Deadline``)."""
    return due is not None and on > due


@dataclass(frozen=True)
class ExplainStep:
    """One line of the day-by-day account; ``day`` is None for summary lines.

    ``kind`` is one of "receipt", "skip", "restart", "count", "extension", "stop", "due",
    "deferred", "provisional"; ``number`` is the count (1..N) of a counted day.
    """

    day: date | None
    kind: str
    text: str
    number: int | None = None

    def __str__(self) -> str:
        """The line as printed: date and weekday (in the current language), then the text."""
        if self.day is None:
            return " " * _day_width() + self.text
        return _("{day} {weekday}: {text}").format(
            day=self.day.isoformat(), weekday=weekday_name(self.day), text=self.text
        )


def _day_width() -> int:
    """The display width of a dated line's start (``2020-03-02 Mon: ``), in the current
    language, so that summary lines start under the dated lines' text."""
    sample = date(2020, 3, 2)
    start = _("{day} {weekday}: {text}").format(
        day=sample.isoformat(), weekday=weekday_name(sample), text=""
    )
    return width(start)


# --- the hot path -------------------------------------------------------------------------


class _Interval(NamedTuple):
    """Removed working days as ordinals (start, end]; end None: open, removes all after start."""

    start: int
    end: int | None
    reason: str


def _removed_intervals(inp: ClockInput, anchor: int) -> list[_Interval]:
    """The pauses after ``anchor``, merged where they overlap, in order.

    Overlapping pauses merge because the clock runs only when none is open; an open pause
    swallows everything after its start, so nothing follows it.
    """
    raw = sorted(
        (
            _Interval(max(p.start.toordinal(), anchor), _ordinal(p.end), p.reason)
            for p in inp.pauses
            if p.end is None or p.end.toordinal() > anchor
        ),
        key=lambda iv: iv.start,
    )
    merged: list[_Interval] = []
    for iv in raw:
        if merged:
            last = merged[-1]
            if last.end is None:
                break
            if iv.start <= last.end:
                end = None if iv.end is None else max(last.end, iv.end)
                known = last.reason.split("; ")
                reason = last.reason if iv.reason in known else f"{last.reason}; {iv.reason}"
                merged[-1] = _Interval(last.start, end, reason)
                continue
        if iv.end is None or iv.end > iv.start:
            merged.append(iv)
    return merged


def _ordinal(d: date | None) -> int | None:
    return None if d is None else d.toordinal()


class _Count(NamedTuple):
    due: int | None  # ordinal of the Nth counted day; None when stopped
    last: int  # ordinal of the last day the count looked at (due, or the open pause start)
    left: int  # working days still to count when stopped (0 when due)
    stopped_by: str | None


def _count(inp: ClockInput, anchor: int, n: int, cal: WorkingCalendar) -> _Count:
    """Count n working days after ``anchor``, jumping over the pause intervals."""
    cursor, left = anchor, n
    for start, end, reason in _removed_intervals(inp, anchor):
        available = cal.count_ordinals(cursor, start)
        if left <= available:
            break
        left -= available
        if end is None:
            return _Count(None, start, left, reason)
        cursor = max(cursor, end)
    due = cal.nth_ordinal_after(cursor, left)
    return _Count(due, due, 0, None)


def compute_deadline(inp: ClockInput, cal: WorkingCalendar) -> Deadline:
    """The due date of the request described by ``inp`` (see the module docstring)."""
    anchor = period_start(inp.received_on, inp.restart_on)
    regime = regime_for(anchor)
    n = regime.days + inp.extension_days
    result = _count(inp, anchor.toordinal(), n, cal)
    statutory = None if result.due is None else date.fromordinal(result.due)
    unscheduled = cal.unscheduled_years(
        anchor, date.fromordinal(max(result.last, anchor.toordinal()))
    )
    deferred = inp.deferred_until is not None
    return Deadline(
        due=inp.deferred_until if deferred else statutory,
        days_allowed=n,
        regime=regime.name,
        max_extension=regime.max_extension,
        provisional=bool(unscheduled),
        unscheduled_years=unscheduled,
        stopped_with=None if result.due is not None else result.left,
        deferred=deferred,
        statutory_due=statutory,
        counted_from=anchor,
        stopped_on=None if result.due is not None else date.fromordinal(result.last),
        stopped_by=result.stopped_by,
    )


def add_working_days(start: date, n: int, cal: WorkingCalendar) -> date:
    """The nth working day after ``start`` (the desk calculator, ``ledger calendar due``)."""
    if n < 1:
        raise InvalidInput(_("--days: {n} is not allowed; give at least 1 working day").format(n=n))
    return cal.nth_working_day_after(start, n)


def consultation_end(start: date, cal: WorkingCalendar) -> date:
    """The latest end of a capped consultation: the 15th working day after ``start``.

    ``start`` is the day the party received the letter (Art. 32, 34: "自收到征求意见书之日起
    15个工作日内"); it is the day sent when the letter was delivered the same day.
    """
    return cal.nth_working_day_after(start, CONSULTATION_WORKING_DAYS)


CAPPED_CONSULTATIONS = ("third-party", "joint-agency")  # Art. 32, Art. 34: 15 working days


def consultation_pause(
    sent_on: date,
    opinion_on: date | None,
    cal: WorkingCalendar,
    party: str,
    *,
    received_on: date | None = None,
    kind: str = "third-party",
) -> Pause:
    """The pause of a consultation, from the letter to the opinion, capped where the law caps it.

    A third party (Art. 32) and a co-producing agency (Art. 34) have 15 working days from
    receiving the letter (``received_on``, default ``sent_on``): the pause ends at the
    opinion or on that 15th working day, whichever is earlier, so it is a closed pause with
    a known latest end. For a co-producing agency silence then counts as consent (Art. 34).
    Any other agency (``kind`` "agency", Art. 33 para. 2) has no statutory limit: the pause
    lasts until the opinion arrives, and is open (the clock stops) until then.
    """
    received = received_on or sent_on
    if received < sent_on:
        raise InvalidInput(
            _(
                "received_on: {received} is before the letter was sent on {sent_on}; a letter is "
                "received on or after that day"
            ).format(received=received.isoformat(), sent_on=sent_on.isoformat())
        )
    if opinion_on is not None and opinion_on < sent_on:
        raise InvalidInput(
            _(
                "opinion_on: {opinion_on} is before the letter was sent on {sent_on}; an opinion "
                "arrives on or after that day"
            ).format(opinion_on=opinion_on.isoformat(), sent_on=sent_on.isoformat())
        )
    if kind not in CAPPED_CONSULTATIONS:
        reason = _("consultation of agency {party}").format(party=party)
        return Pause(start=sent_on, end=opinion_on, reason=reason)
    latest = consultation_end(received, cal)
    end = latest if opinion_on is None else min(opinion_on, latest)
    return Pause(start=sent_on, end=end, reason=_("consultation with {party}").format(party=party))


# --- the account for people ---------------------------------------------------------------


def _pause_reasons(inp: ClockInput, d: date) -> list[str]:
    return [p.reason for p in inp.pauses if p.start < d and (p.end is None or d <= p.end)]


def _walk_step(inp: ClockInput, d: date, anchor: date, cal: WorkingCalendar) -> ExplainStep:
    """What day ``d`` (after receipt) is in the count, without its number."""
    if d == inp.restart_on and d > inp.received_on:
        return ExplainStep(
            d, "restart", _("corrected request received: a new period starts (Art. 30)")
        )
    if d <= anchor:
        return ExplainStep(d, "skip", _("skipped: before the clarification restart"))
    info = cal.describe(d)
    if not info.working:
        return ExplainStep(d, "skip", _("skipped: {why}").format(why=info.reason))
    reasons = _pause_reasons(inp, d)
    if reasons:
        inside = _("skipped: inside pause: {reasons}")
        return ExplainStep(d, "skip", inside.format(reasons="; ".join(reasons)))
    return ExplainStep(d, "count", info.reason)


def explain_deadline(inp: ClockInput, cal: WorkingCalendar) -> list[ExplainStep]:
    """The day-by-day account from receipt to the due date (or to the stop), for people,
    in the current language."""
    deadline = compute_deadline(inp, cal)
    regime = regime_for(deadline.counted_from)
    end = deadline.statutory_due or max(
        deadline.stopped_on or inp.received_on, deadline.counted_from
    )
    receipt = _("received: the day of receipt is not counted (Art. 31)")
    steps = [ExplainStep(inp.received_on, "receipt", receipt)]
    number = 0
    d = inp.received_on
    while d < end:
        d += timedelta(days=1)
        step = _walk_step(inp, d, deadline.counted_from, cal)
        if step.kind == "count":
            number += 1
            if number == regime.days + 1:
                steps.append(_extension_step(regime.days, inp.extension_days))
            counted = (
                _("day {number}: {why} (extension)")
                if number > regime.days
                else _("day {number}: {why}")
            )
            step = ExplainStep(d, "count", counted.format(number=number, why=step.text), number)
        steps.append(step)
    steps.extend(_closing_steps(inp, deadline))
    return steps


def _extension_step(base: int, extension: int) -> ExplainStep:
    text = _("days {first}–{last}: extension of {extension} working days (Art. 33)")
    return ExplainStep(
        None,
        "extension",
        text.format(first=base + 1, last=base + extension, extension=extension),
    )


def _closing_steps(inp: ClockInput, deadline: Deadline) -> list[ExplainStep]:
    steps: list[ExplainStep] = []
    if deadline.statutory_due is not None:
        due = _("due: {due} (working day {days}, {regime} Regulation)").format(
            due=deadline.statutory_due.isoformat(),
            days=deadline.days_allowed,
            regime=deadline.regime,
        )
        steps.append(ExplainStep(None, "due", due))
    elif deadline.stopped_on is not None:
        stop = _(
            "clock stopped after {day} by {why}: {left} of {allowed} working days left"
        ).format(
            day=deadline.stopped_on.isoformat(),
            why=deadline.stopped_by,
            left=deadline.stopped_with,
            allowed=deadline.days_allowed,
        )
        steps.append(ExplainStep(None, "stop", stop))
    if inp.deferred_until is not None:
        deferred = _("due date deferred to {day} (Art. 35)")
        steps.append(
            ExplainStep(None, "deferred", deferred.format(day=inp.deferred_until.isoformat()))
        )
    if deadline.provisional:
        years = ", ".join(str(y) for y in sorted(deadline.unscheduled_years))
        provisional = _(
            "provisional: no official schedule recorded for {years}; weekends and the "
            "statutory holidays assumed, make-up working days unknown — recomputed when the "
            "schedule is recorded"
        )
        steps.append(ExplainStep(None, "provisional", provisional.format(years=years)))
    return steps
