"""The statutory deadline: worked examples of Art. 30–35 (2019) and Art. 24 (2007)."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from ledger.calendar import WorkingCalendar, YearSchedule
from ledger.clock import (
    LONGEST_EXTENSION,
    REGIME_2007,
    REGIME_2019,
    ClockInput,
    Deadline,
    Pause,
    add_working_days,
    compute_deadline,
    consultation_end,
    consultation_pause,
    explain_deadline,
    regime_for,
)
from ledger.errors import InvalidInput
from ledger.events.requests import ExtensionGranted

CAL = WorkingCalendar()


def due(inp: ClockInput, cal: WorkingCalendar = CAL) -> date | None:
    return compute_deadline(inp, cal).due


# --- the worked examples -----------------------------------------------------------------


def test_received_in_person_2020_03_02_is_due_2020_03_30() -> None:
    """A request received on Monday 2020-03-02 is due on the 20th working day, 2020-03-30."""
    deadline = compute_deadline(ClockInput(date(2020, 3, 2)), CAL)
    assert deadline.due == date(2020, 3, 30)
    assert deadline.days_allowed == 20
    assert deadline.regime == "2019"
    assert deadline.max_extension == 20
    assert not deadline.provisional
    assert deadline.stopped_with is None
    assert not deadline.deferred


def test_spring_festival_2020_extended_break_is_skipped() -> None:
    """Received 2020-01-21, the extended Spring Festival (to 2020-02-02) makes it due 2020-02-26."""
    assert due(ClockInput(date(2020, 1, 21))) == date(2020, 2, 26)


def test_labour_day_2020_make_up_days_count() -> None:
    """Across Labour Day 2020, Sunday 04-26 and Saturday 05-09 count and 05-01…05-05 do not."""
    assert due(ClockInput(date(2020, 4, 20))) == date(2020, 5, 19)
    days = [
        s.day for s in explain_deadline(ClockInput(date(2020, 4, 20)), CAL) if s.kind == "count"
    ]
    assert date(2020, 4, 26) in days
    assert date(2020, 5, 9) in days
    assert not {date(2020, 5, d) for d in range(1, 6)} & set(days)


def test_deadline_across_the_year_boundary() -> None:
    """Received 2020-12-15, New Year's Day 2021 is skipped and it is due 2021-01-13."""
    assert due(ClockInput(date(2020, 12, 15))) == date(2021, 1, 13)


def test_due_in_unscheduled_year_is_provisional_until_the_schedule_arrives() -> None:
    """Received 2026-12-10, the due date in 2027 is provisional, and moves once 2027 is recorded."""
    before = compute_deadline(ClockInput(date(2026, 12, 10)), CAL)
    assert before.due == date(2027, 1, 8)  # 2027-01-01 (元旦) off by law
    assert before.provisional
    assert before.unscheduled_years == {2027}

    # A schedule (the test's, not the State Council's) with a make-up working day on
    # Saturday 2027-01-02 moves the date one working day earlier.
    schedule = YearSchedule(
        year=2027, holidays={date(2027, 1, 1): "元旦"}, workdays=frozenset({date(2027, 1, 2)})
    )
    after = compute_deadline(ClockInput(date(2026, 12, 10)), CAL.with_schedule(schedule))
    assert after.due == date(2027, 1, 7)
    assert not after.provisional
    assert after.unscheduled_years == frozenset()


def test_schedule_without_holiday_in_the_window_confirms_the_date() -> None:
    """A 2027 schedule that agrees with the statutory guess in the window keeps the date and lifts the provisional mark."""
    schedule = YearSchedule(
        year=2027,
        holidays={date(2027, 1, 1): "元旦", date(2027, 2, 8): "春节"},
        workdays=frozenset(),
    )
    deadline = compute_deadline(ClockInput(date(2026, 12, 10)), CAL.with_schedule(schedule))
    assert deadline.due == date(2027, 1, 8)
    assert not deadline.provisional


def test_2018_receipt_runs_15_working_days() -> None:
    """A request received in 2018 falls under the 2007 Regulation: 15 working days."""
    deadline = compute_deadline(ClockInput(date(2018, 3, 1)), CAL)
    assert deadline.due == date(2018, 3, 22)
    assert deadline.days_allowed == 15
    assert deadline.regime == "2007"
    assert deadline.max_extension == 15


def test_regime_changes_on_2019_05_15() -> None:
    """2019-05-14 is the last day of the 2007 limits; 2019-05-15 the first of the 2019 limits."""
    assert regime_for(date(2019, 5, 14)) == REGIME_2007 == (15, 15)
    assert regime_for(date(2019, 5, 15)) == REGIME_2019 == (20, 20)
    days, max_extension = regime_for(date(2020, 1, 1))
    assert (days, max_extension) == (20, 20)
    assert regime_for(date(2019, 5, 14)).name == "2007"


# --- pauses ------------------------------------------------------------------------------


def test_pause_removes_working_days_after_its_start_through_its_end() -> None:
    """A pause from Wednesday 2020-03-04 to Friday 03-06 removes 03-05 and 03-06 only."""
    inp = ClockInput(date(2020, 3, 2), pauses=(Pause(date(2020, 3, 4), date(2020, 3, 6), "x"),))
    assert due(inp) == add_working_days(date(2020, 3, 30), 2, CAL) == date(2020, 4, 1)


def test_pause_ending_on_its_start_day_removes_nothing() -> None:
    """A pause that starts and ends on the same day removes no day."""
    inp = ClockInput(date(2020, 3, 2), pauses=(Pause(date(2020, 3, 4), date(2020, 3, 4), "x"),))
    assert due(inp) == date(2020, 3, 30)


def test_overlapping_pauses_count_once() -> None:
    """Two overlapping pauses remove the union of their days, not the sum."""
    one = Pause(date(2020, 3, 4), date(2020, 3, 10), "a")
    two = Pause(date(2020, 3, 6), date(2020, 3, 12), "b")
    union = Pause(date(2020, 3, 4), date(2020, 3, 12), "a+b")
    assert due(ClockInput(date(2020, 3, 2), pauses=(two, one))) == due(
        ClockInput(date(2020, 3, 2), pauses=(union,))
    )


def test_pause_after_the_due_date_changes_nothing() -> None:
    """A pause starting on or after the due date leaves the due date alone."""
    inp = ClockInput(date(2020, 3, 2), pauses=(Pause(date(2020, 3, 30), None, "fee notice"),))
    assert due(inp) == date(2020, 3, 30)


def test_open_pause_stops_the_clock_and_reports_days_left() -> None:
    """A fee notice awaiting payment stops the clock: due unknown, working days left reported."""
    inp = ClockInput(date(2020, 3, 2), pauses=(Pause(date(2020, 3, 9), None, "fee notice"),))
    deadline = compute_deadline(inp, CAL)
    assert deadline.due is None
    assert deadline.stopped_with == 15  # 03-03…03-06 and 03-09 counted
    assert deadline.stopped_on == date(2020, 3, 9)
    assert deadline.stopped_by == "fee notice"


def test_payment_closes_the_fee_pause_and_the_clock_resumes() -> None:
    """Once the fee is paid, the days from the notice to payment are not counted."""
    inp = ClockInput(
        date(2020, 3, 2), pauses=(Pause(date(2020, 3, 9), date(2020, 3, 13), "fee notice"),)
    )
    assert due(inp) == add_working_days(date(2020, 3, 30), 4, CAL)


def test_consultation_ends_on_the_15th_working_day_or_the_opinion() -> None:
    """A consultation pause ends at the opinion's arrival or the 15th working day, if earlier."""
    sent = date(2020, 4, 22)
    latest = consultation_end(sent, CAL)
    assert latest == add_working_days(sent, 15, CAL) == date(2020, 5, 14)  # 04-26, 05-09 work
    assert consultation_pause(sent, None, CAL, "某公司") == Pause(
        sent, latest, "consultation with 某公司"
    )
    assert consultation_pause(sent, date(2020, 4, 28), CAL, "某公司").end == date(2020, 4, 28)
    assert consultation_pause(sent, date(2020, 6, 1), CAL, "某公司").end == latest


def test_consultation_opinion_before_letter_is_refused() -> None:
    """An opinion dated before the letter was sent is refused."""
    with pytest.raises(InvalidInput, match="opinion_on"):
        consultation_pause(date(2020, 4, 22), date(2020, 4, 21), CAL, "x")


# --- clarification, extension, deferral ---------------------------------------------------


def test_clarification_restarts_the_count_from_the_corrected_request() -> None:
    """After a clarification, a new 20-working-day period runs from the day the correction arrived."""
    awaiting = Pause(date(2020, 3, 4), None, "awaiting clarification")
    stopped = compute_deadline(ClockInput(date(2020, 3, 2), pauses=(awaiting,)), CAL)
    assert stopped.due is None
    assert stopped.stopped_with == 18

    answered = Pause(date(2020, 3, 4), date(2020, 3, 16), "awaiting clarification")
    inp = ClockInput(date(2020, 3, 2), pauses=(answered,), restart_on=date(2020, 3, 16))
    deadline = compute_deadline(inp, CAL)
    assert deadline.due == add_working_days(date(2020, 3, 16), 20, CAL) == date(2020, 4, 14)
    assert deadline.counted_from == date(2020, 3, 16)


def test_pauses_after_the_restart_still_remove_days() -> None:
    """A consultation after the clarification restart still removes its days."""
    inp = ClockInput(
        date(2020, 3, 2),
        pauses=(Pause(date(2020, 3, 17), date(2020, 3, 19), "consultation with 某公司"),),
        restart_on=date(2020, 3, 16),
    )
    assert due(inp) == add_working_days(date(2020, 4, 14), 2, CAL)


def test_extension_adds_working_days() -> None:
    """An extension of 5 working days moves the due date by 5 working days."""
    deadline = compute_deadline(ClockInput(date(2020, 3, 2), extension_days=5), CAL)
    assert deadline.days_allowed == 25
    assert deadline.due == add_working_days(date(2020, 3, 30), 5, CAL) == date(2020, 4, 7)


@pytest.mark.parametrize(
    ("received", "days"), [(date(2020, 3, 2), 21), (date(2018, 3, 1), 16), (date(2020, 3, 2), -1)]
)
def test_extension_beyond_the_cap_is_refused(received: date, days: int) -> None:
    """An extension past 20 (2019) or 15 (2007) working days in total is refused."""
    with pytest.raises(InvalidInput, match="extension_days"):
        ClockInput(received, extension_days=days)


def test_deferred_deadline_replaces_the_computed_date() -> None:
    """An Art. 35 deferral replaces the due date; the counted date stays visible."""
    deadline = compute_deadline(ClockInput(date(2020, 3, 2), deferred_until=date(2020, 6, 30)), CAL)
    assert deadline.due == date(2020, 6, 30)
    assert deadline.deferred
    assert deadline.statutory_due == date(2020, 3, 30)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"restart_on": date(2020, 3, 1)}, "restart_on"),
        ({"deferred_until": date(2020, 3, 2)}, "deferred_until"),
        ({"pauses": (Pause(date(2020, 3, 1), None, "fee notice"),)}, "pause 'fee notice'"),
    ],
)
def test_dates_before_receipt_are_refused(kwargs: dict[str, object], field: str) -> None:
    """A restart, pause or deferral dated before the day of receipt is refused, naming the field."""
    with pytest.raises(InvalidInput, match=field):
        ClockInput(date(2020, 3, 2), **kwargs)  # type: ignore[arg-type]


def test_pause_ending_before_it_starts_is_refused() -> None:
    """A pause whose end is before its start is refused."""
    with pytest.raises(InvalidInput, match="before start"):
        Pause(date(2020, 3, 5), date(2020, 3, 4), "x")


def test_add_working_days_refuses_zero_days() -> None:
    """The desk calculator refuses --days 0."""
    with pytest.raises(InvalidInput, match="--days: 0"):
        add_working_days(date(2020, 3, 2), 0, CAL)


# --- the explanation ---------------------------------------------------------------------


def test_explanation_walks_from_receipt_to_the_due_date() -> None:
    """The account starts with the receipt, numbers days 1..20, names holidays, ends with due."""
    steps = explain_deadline(ClockInput(date(2020, 1, 21)), CAL)
    assert steps[0].kind == "receipt"
    assert steps[0].day == date(2020, 1, 21)
    counted = [s for s in steps if s.kind == "count"]
    assert [s.number for s in counted] == list(range(1, 21))
    assert counted[-1].day == date(2020, 2, 26)
    skipped = {s.day: s.text for s in steps if s.kind == "skip"}
    assert skipped[date(2020, 1, 24)] == "skipped: holiday: 春节"
    assert skipped[date(2020, 2, 8)] == "skipped: weekend"
    assert steps[-1].kind == "due"
    assert "2020-02-26" in steps[-1].text


def test_explanation_marks_make_up_days_pauses_restart_and_extension() -> None:
    """Make-up days, pause days, the restart and the extension each show in the account."""
    inp = ClockInput(
        date(2020, 4, 20),
        pauses=(Pause(date(2020, 4, 22), date(2020, 4, 24), "consultation with 某公司"),),
        restart_on=date(2020, 4, 21),
        extension_days=5,
    )
    steps = explain_deadline(inp, CAL)
    by_day = {s.day: s for s in steps if s.day is not None}
    assert by_day[date(2020, 4, 21)].kind == "restart"
    assert by_day[date(2020, 4, 23)].text == "skipped: inside pause: consultation with 某公司"
    assert by_day[date(2020, 4, 26)].text == "day 2: make-up working day"
    summary = [s for s in steps if s.kind == "extension"]
    assert [s.text for s in summary] == ["days 21–25: extension of 5 working days (Art. 33)"]
    counted = [s for s in steps if s.kind == "count"]
    assert counted[-1].text.endswith("(extension)")
    assert counted[-1].day == compute_deadline(inp, CAL).due


def test_explanation_before_restart_days_are_skipped() -> None:
    """Days between receipt and the clarification restart are skipped as before the restart."""
    inp = ClockInput(date(2020, 3, 2), restart_on=date(2020, 3, 5))
    texts = {s.day: s.text for s in explain_deadline(inp, CAL)}
    assert texts[date(2020, 3, 3)] == "skipped: before the clarification restart"


def test_explanation_of_a_stopped_clock_ends_with_the_stop() -> None:
    """A stopped clock's account ends with the stop and the working days left."""
    inp = ClockInput(date(2020, 3, 2), pauses=(Pause(date(2020, 3, 9), None, "fee notice"),))
    steps = explain_deadline(inp, CAL)
    assert steps[-1].kind == "stop"
    assert "fee notice" in steps[-1].text
    assert "15 of 20 working days left" in steps[-1].text
    assert max(s.number or 0 for s in steps) == 5


def test_explanation_notes_deferral_and_provisional() -> None:
    """A deferral and a provisional year each add a closing line."""
    inp = ClockInput(date(2026, 12, 10), deferred_until=date(2027, 3, 1))
    kinds = [s.kind for s in explain_deadline(inp, CAL)]
    assert kinds[-3:] == ["due", "deferred", "provisional"]


def test_explain_step_prints_date_weekday_and_text() -> None:
    """A step prints as its ISO date, weekday and text."""
    step = explain_deadline(ClockInput(date(2020, 3, 2)), CAL)[1]
    assert str(step) == "2020-03-03 Tue: day 1: working day"


def _deadline_due(due: date | None) -> Deadline:
    """A deadline with only its due date mattering (the rest as a plain 2019 request)."""
    return Deadline(
        due, 20, "2019", 20, False, frozenset(), None if due else 5, False, due, date(2021, 3, 1)
    )


@pytest.mark.parametrize(
    ("on", "passed"),
    [(date(2021, 3, 29), False), (date(2021, 3, 30), True), (date(2021, 3, 1), False)],
)
def test_the_due_date_passes_the_day_after_it(on: date, passed: bool) -> None:
    """The due day itself is in time (Art. 33); from the next day the due date has passed."""
    assert _deadline_due(date(2021, 3, 29)).passed(on) is passed


def test_a_stopped_clock_never_passes() -> None:
    """While a pause stops the clock there is no due date, so nothing is overdue or late."""
    assert _deadline_due(None).passed(date(2099, 1, 1)) is False


def test_no_event_may_extend_beyond_the_longest_cap() -> None:
    """An extension event is bounded by the longest cap of any regime (20 working days)."""
    assert ExtensionGranted(days=LONGEST_EXTENSION, approver="局长").days == 20
    with pytest.raises(ValidationError):
        ExtensionGranted(days=LONGEST_EXTENSION + 1, approver="局长")
