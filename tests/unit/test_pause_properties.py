"""Pauses only ever give the agency more time: properties over random histories (Art. 30–34, 42).

A fee notice (Art. 42), a consultation of any kind (Art. 32–34) or a clarification
(Art. 30) added to any history never moves the statutory due date earlier, and never
restarts a clock that an open pause has stopped.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.calendar import WorkingCalendar
from ledger.clock import ClockInput, Deadline, Pause, compute_deadline, consultation_pause
from tests.unit.test_clock_properties import histories

CAL = WorkingCalendar()
PROPERTY = settings(max_examples=300, deadline=None)

days = st.integers(0, 60).map(lambda k: timedelta(days=k))


def not_earlier(before: Deadline, after: Deadline) -> None:
    """The later history's due date is the same or later; a stopped clock stays stopped."""
    if before.statutory_due is None:
        assert after.statutory_due is None
    elif after.statutory_due is not None:
        assert after.statutory_due >= before.statutory_due


@PROPERTY
@given(histories(), days, st.none() | days)
def test_a_fee_notice_never_moves_the_due_date_earlier(
    inp: ClockInput, notice_after: timedelta, paid_after: timedelta | None
) -> None:
    """Art. 42: a fee notice, paid or not, pauses the clock; the due date never comes earlier."""
    notice = inp.received_on + notice_after
    paid = None if paid_after is None else notice + paid_after
    more = replace(inp, pauses=(*inp.pauses, Pause(notice, paid, "fee notice until payment")))
    not_earlier(compute_deadline(inp, CAL), compute_deadline(more, CAL))


@PROPERTY
@given(
    histories(),
    days,
    days,
    st.none() | days,
    st.sampled_from(["third-party", "joint-agency", "agency"]),
)
def test_a_consultation_never_moves_the_due_date_earlier(
    inp: ClockInput,
    sent_after: timedelta,
    received_after: timedelta,
    opinion_after: timedelta | None,
    kind: str,
) -> None:
    """Art. 32–34: a consultation of any kind, counted from the letter's receipt, never brings the due date earlier."""
    sent = inp.received_on + sent_after
    opinion = None if opinion_after is None else sent + opinion_after
    pause = consultation_pause(
        sent, opinion, CAL, "某公司", received_on=sent + received_after, kind=kind
    )
    more = replace(inp, pauses=(*inp.pauses, pause))
    not_earlier(compute_deadline(inp, CAL), compute_deadline(more, CAL))


@PROPERTY
@given(histories(), days, st.none() | days)
def test_a_clarification_never_moves_the_due_date_earlier(
    inp: ClockInput, notice_after: timedelta, corrected_after: timedelta | None
) -> None:
    """Art. 30: awaiting a correction stops the clock; the corrected request restarts it, never earlier."""
    notice = inp.received_on + notice_after
    if corrected_after is None:
        more = replace(inp, pauses=(*inp.pauses, Pause(notice, None, "awaiting correction")))
    else:
        corrected = notice + corrected_after
        restart = max(inp.restart_on or corrected, corrected)
        more = replace(inp, restart_on=restart)
    not_earlier(compute_deadline(inp, CAL), compute_deadline(more, CAL))


def test_the_properties_can_fail() -> None:
    """The check itself refuses a due date that moved earlier (it is not vacuous)."""
    received = date(2026, 3, 2)
    later = compute_deadline(ClockInput(received, (Pause(received, date(2026, 3, 9), "x"),)), CAL)
    sooner = compute_deadline(ClockInput(received), CAL)
    with pytest.raises(AssertionError):
        not_earlier(later, sooner)
