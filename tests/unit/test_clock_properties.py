"""Properties of the deadline clock over random histories, against a day-by-day reference."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import chinese_calendar
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.calendar import WorkingCalendar
from ledger.clock import (
    ClockInput,
    Pause,
    add_working_days,
    compute_deadline,
    explain_deadline,
    regime_for,
)
from ledger.statutory import statutory_holidays

CAL = WorkingCalendar()
FAST = settings(max_examples=300, deadline=None)


# --- the obviously-correct reference -------------------------------------------------------


def reference_is_working(d: date) -> bool:
    """The package's own answer; for the years it does not cover, Monday–Friday less the
    statutory holidays (``ledger.statutory``, tested against the official years itself)."""
    try:
        return bool(chinese_calendar.is_workday(d))
    except NotImplementedError:
        return d.weekday() < 5 and d not in statutory_holidays(d.year)


def reference_due(inp: ClockInput) -> tuple[date | None, int | None]:
    """Walk day by day from the counting start; return (statutory due, days left if stopped)."""
    day = max(inp.received_on, inp.restart_on or inp.received_on)
    days, _ = regime_for(day)  # the period's own regime (a restart after 2019-05-15: 2019's)
    n = days + inp.extension_days
    counted = 0
    while True:
        day += timedelta(days=1)
        if any(p.end is None and p.start < day for p in inp.pauses):
            return None, n - counted
        if not reference_is_working(day):
            continue
        if any(p.end is not None and p.start < day <= p.end for p in inp.pauses):
            continue
        counted += 1
        if counted == n:
            return day, None


# --- random histories ----------------------------------------------------------------------

received_dates = st.dates(min_value=date(2004, 1, 1), max_value=date(2027, 12, 31))


@st.composite
def pauses_after(draw: st.DrawFn, received: date, allow_open: bool = True) -> Pause:
    start = received + timedelta(days=draw(st.integers(0, 60)))
    is_open = allow_open and draw(st.integers(0, 9)) == 0  # one pause in ten still open
    end = None if is_open else start + timedelta(days=draw(st.integers(0, 45)))
    return Pause(start, end, draw(st.sampled_from(["consultation with 某公司", "fee notice"])))


@st.composite
def histories(draw: st.DrawFn, allow_open: bool = True, deferral: bool = False) -> ClockInput:
    received = draw(received_dates)
    pauses = draw(st.lists(pauses_after(received, allow_open), max_size=4))
    restart = draw(st.none() | st.integers(0, 40).map(lambda k: received + timedelta(days=k)))
    _, cap = regime_for(received)
    deferred = None
    if deferral:
        deferred = received + timedelta(days=draw(st.integers(1, 400)))
    return ClockInput(
        received_on=received,
        pauses=tuple(pauses),
        restart_on=restart,
        extension_days=draw(st.integers(0, cap)),
        deferred_until=deferred,
    )


# --- the properties --------------------------------------------------------------------------


@FAST
@given(histories())
def test_matches_the_day_by_day_reference(inp: ClockInput) -> None:
    """The fast clock gives the same due date, or the same days left, as walking day by day."""
    deadline = compute_deadline(inp, CAL)
    assert (deadline.due, deadline.stopped_with) == reference_due(inp)


@FAST
@given(histories())
def test_due_date_is_a_working_day(inp: ClockInput) -> None:
    """The statutory due date is never a weekend, a holiday or otherwise a day off."""
    due = compute_deadline(inp, CAL).due
    if due is not None:
        assert reference_is_working(due)
        assert CAL.is_working(due)


@FAST
@given(st.data())
def test_adding_a_pause_never_makes_it_earlier(data: st.DataObject) -> None:
    """Adding one more pause leaves the due date the same or later, or stops the clock."""
    inp = data.draw(histories())
    extra = data.draw(pauses_after(inp.received_on))
    before = compute_deadline(inp, CAL)
    after = compute_deadline(replace(inp, pauses=(*inp.pauses, extra)), CAL)
    if before.due is None:
        assert after.due is None
        assert after.stopped_with is not None
        assert before.stopped_with is not None
        assert after.stopped_with >= before.stopped_with
    elif after.due is not None:
        assert after.due >= before.due


@FAST
@given(st.data())
def test_extension_moves_the_due_date_by_exactly_its_working_days(data: st.DataObject) -> None:
    """With every pause closed and ended by the old due date, extending by m working days makes
    the new due date the m-th working day after the old one.
    """
    inp = data.draw(histories(allow_open=False))
    old = compute_deadline(inp, CAL).due
    assert old is not None
    if any(p.end is not None and p.end > old for p in inp.pauses):
        return
    _, cap = regime_for(inp.received_on)
    if inp.extension_days == cap:
        return
    m = data.draw(st.integers(1, cap - inp.extension_days))
    longer = replace(inp, extension_days=inp.extension_days + m)
    assert compute_deadline(longer, CAL).due == add_working_days(old, m, CAL)


@FAST
@given(histories(deferral=True))
def test_deferral_replaces_the_due_date(inp: ClockInput) -> None:
    """With an Art. 35 deferral the due date is the deferred date; the counted date is unchanged."""
    deadline = compute_deadline(inp, CAL)
    assert deadline.due == inp.deferred_until
    assert deadline.deferred
    assert deadline.statutory_due == reference_due(inp)[0]


@FAST
@given(histories())
def test_provisional_exactly_when_the_count_reaches_an_unscheduled_year(inp: ClockInput) -> None:
    """The result is provisional exactly when a day it looked at lies in 2027 or later."""
    deadline = compute_deadline(inp, CAL)
    last = deadline.due or deadline.stopped_on
    assert last is not None
    first_counted = deadline.counted_from + timedelta(days=1)
    reaches = last >= first_counted and last.year >= 2027
    assert deadline.provisional == reaches
    assert deadline.unscheduled_years == (
        frozenset(range(max(2027, first_counted.year), last.year + 1)) if reaches else set()
    )


@settings(max_examples=100, deadline=None)
@given(histories())
def test_explanation_agrees_with_the_clock(inp: ClockInput) -> None:
    """The account numbers days 1..k in order and ends on the due date (or stops with N-k left)."""
    deadline = compute_deadline(inp, CAL)
    counted = [s for s in explain_deadline(inp, CAL) if s.kind == "count"]
    assert [s.number for s in counted] == list(range(1, len(counted) + 1))
    if deadline.statutory_due is not None:
        assert len(counted) == deadline.days_allowed
        assert counted[-1].day == deadline.statutory_due
    else:
        assert deadline.stopped_with == deadline.days_allowed - len(counted)
