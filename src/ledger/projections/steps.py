"""What the annual report counts of a request's steps, kept on its projection row.

A request with a clarification, consultation, fee notice or extension counts in the
year's statistics by more than its row's dates: its working days from receipt to answer
less the days its clock stood still (``paused_days``), and the extensions and
clarification notices of each year, a notice sent after the Art. 30 limit counted as
late (``step_counts``). Both are functions of the folded state and the calendar, like the
due date: the projection writes them on the row with every event of the request and
every change of the calendar (``tables.view_row``), so the report counts them from the
columns instead of folding each such request (about 15 µs each, 18 % of a year's rows).
"""

from __future__ import annotations

from datetime import date
from typing import Final

from ledger.calendar import WorkingCalendar
from ledger.clock import consultation_pause
from ledger.projections.requests import RequestState, clarification_limit


def paused_days(state: RequestState, end: date, cal: WorkingCalendar) -> int:
    """Working days inside pauses before ``end`` (merged, so overlaps count once)."""
    pauses = [
        consultation_pause(
            c.started_on, c.ended_on, cal, c.party, received_on=c.received_on, kind=c.kind
        )
        for c in state.consultations
    ]
    spans = [(p.start, min(p.end or end, end)) for p in pauses]
    spans += [(f.notice_on, min(f.paid_on or end, end)) for f in state.fees]
    spans += [(c.requested_on, min(c.clarified_on or end, end)) for c in state.clarifications]
    total, reach = 0, date.min
    for start, stop in sorted(spans):
        after = max(start, reach)
        if stop > after:
            total += cal.working_days_between(after, stop)
            reach = stop
    return total


def paused_at_decision(state: RequestState, cal: WorkingCalendar) -> int:
    """The working days paused before the answer (0 while unanswered: the report counts
    the span of answered requests only)."""
    if state.decided_on is None or not (state.consultations or state.fees or state.clarifications):
        return 0
    return paused_days(state, state.decided_on, cal)


StepCounts = tuple[int, int, int]
"""In one year: extensions granted, clarification notices sent, late first notices (0/1)."""

YEARS_APART: Final = ";"
FIGURES_APART: Final = ":"


def step_counts(state: RequestState, limit: date | None) -> dict[int, StepCounts]:
    """Per year, the request's extensions, clarification notices and late first notice
    (sent after ``limit``, ``requests.clarification_limit``; None: no limit applies)."""
    counts: dict[int, list[int]] = {}
    for x in state.extensions:
        counts.setdefault(x.granted_on.year, [0, 0, 0])[0] += 1
    for c in state.clarifications:
        counts.setdefault(c.requested_on.year, [0, 0, 0])[1] += 1
    if state.clarifications:
        sent = state.clarifications[0].requested_on
        if limit is not None and sent > limit:
            counts[sent.year][2] = 1
    return {year: (e, c, late) for year, (e, c, late) in counts.items()}


def step_text(state: RequestState, cal: WorkingCalendar) -> str | None:
    """``step_counts`` as the row keeps it (``request_view.step_counts``): ``year:e:c:l``
    per year, in year order, joined by ``;``; None without extension or clarification
    (most requests), so a year's rows share few distinct texts and the report counts
    them per text."""
    if not (state.extensions or state.clarifications):
        return None
    limit = clarification_limit(state, cal) if state.clarifications else None
    counts = step_counts(state, limit)
    return YEARS_APART.join(
        FIGURES_APART.join(map(str, (year, *counts[year]))) for year in sorted(counts)
    )


def steps_in(text: str, year: int) -> StepCounts:
    """The counts of ``year`` in a row's ``step_text`` (zeros if it names not that year)."""
    for part in text.split(YEARS_APART):
        named, e, c, late = map(int, part.split(FIGURES_APART))
        if named == year:
            return e, c, late
    return 0, 0, 0
