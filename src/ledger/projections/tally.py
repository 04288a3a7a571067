"""Table 3 and the processing statistics of one year, counted as the requests arrive.

Two readers feed the same counts: a replay (or the in-memory table) hands over each
folded request (``YearTally.add``), and the SQL request table hands over how many rows
share each combination of the columns a count depends on
(``projections/yearcounts.py``), so the database groups half a million requests into a
few thousand combinations and Python counts those. Both go through the weighted counts
below (``count_*``), which are the one place the counting rules of docs/rules.md live.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Final

from ledger.calendar import WorkingCalendar
from ledger.projections.requests import RequestState, clarification_limit, deadline
from ledger.projections.steps import paused_days, step_counts
from ledger.report.model import CHANNELS, OpenRequest, ProcessingStats, Table3

OLDEST_SHOWN: Final = 10
"""The open requests the statistics list, oldest first."""


class YearTally:
    """Table 3 and the statistics of one year, counted as the requests arrive.

    A request is looked at once and let go: what stays is the counts, the spans as a
    count per number of working days (the median needs no more), and the oldest open
    requests shown, so a report holds what it prints, not the year's requests. Without a
    calendar (``cal`` None) only table 3 is counted.
    """

    def __init__(self, year: int, cal: WorkingCalendar | None) -> None:
        self.year, self.cal = year, cal
        self.new: Counter[str] = Counter()
        self.carried_in: Counter[str] = Counter()
        self.carried_out: Counter[str] = Counter()
        self.decided: dict[str, Counter[str]] = defaultdict(Counter)
        self.late = self.answered = self.recorded_late = 0
        self.spans: Counter[int] = Counter()
        self.limits: dict[date, date | None] = {}
        self.oldest: list[tuple[date, str]] = []
        self.by_month: dict[str, list[int]] = {c: [0] * 12 for c in CHANNELS}
        self.answered_by_month = [0] * 12
        self.extensions = self.clarifications = self.clarifications_late = 0

    def fed(self, requests: Iterable[RequestState]) -> YearTally:
        """The tally with every request added."""
        for s in requests:
            self.add(s)
        return self

    def add(self, s: RequestState) -> None:
        """Count one folded request in table 3 and, with a calendar, in the statistics."""
        decided_year = s.decided_on.year if s.decided_on is not None else None
        self.count_table3(s.applicant, s.received_on.year, decided_year, s.outcome)
        cal = self.cal
        if cal is None:
            return
        if s.decided_on is not None and decided_year == self.year:
            self.count_answered(s.decided_on, deadline(s, cal).passed(s.decided_on))
            self.count_span(s.received_on, s.decided_on, paused_days(s, s.decided_on, cal))
        if self.open_at_end(s.received_on.year, decided_year, self.year):
            self.count_open(s.received_on, s.id)
        if s.received_on.year == self.year:
            self.count_received(s.channel, s.received_on)
        if s.recorded_late and s.received_on.year <= self.year:
            self.recorded_late += 1
        self.count_steps(s)

    @staticmethod
    def open_at_end(received_year: int, decided_year: int | None, year: int) -> bool:
        """Received by 31 December of ``year`` and not decided on or before it
        (``requests.open_at_end`` on the years alone, which is all it compares)."""
        return received_year <= year and (decided_year is None or decided_year > year)

    def count_table3(
        self,
        applicant: str,
        received_year: int,
        decided_year: int | None,
        outcome: str | None,
        n: int = 1,
    ) -> None:
        """``n`` requests of one applicant column received and decided in these years."""
        year = self.year
        if received_year == year:
            self.new[applicant] += n
        if self.open_at_end(received_year, decided_year, year - 1):
            self.carried_in[applicant] += n
        if decided_year == year and outcome:
            self.decided[outcome][applicant] += n
        if self.open_at_end(received_year, decided_year, year):
            self.carried_out[applicant] += n

    def count_answered(self, decided_on: date, late: bool, n: int = 1) -> None:
        """``n`` requests answered in the year on ``decided_on``, after their due date or not."""
        self.answered += n
        self.late += n if late else 0
        self.answered_by_month[decided_on.month - 1] += n

    def count_span(self, received_on: date, decided_on: date, paused: int, n: int = 1) -> None:
        """``n`` answered requests' working days from receipt to answer, less ``paused``."""
        assert self.cal is not None
        self.count_span_days(self.cal.working_days_between(received_on, decided_on) - paused, n)

    def count_span_days(self, days: int, n: int = 1) -> None:
        """``n`` answered requests that took ``days`` working days (pauses left out)."""
        self.spans[days] += n

    def count_received(self, channel: str, received_on: date, n: int = 1) -> None:
        """``n`` requests received in the year through ``channel`` on ``received_on``."""
        self.by_month[channel][received_on.month - 1] += n

    def count_open(self, received_on: date, request_id: str) -> None:
        """A request open at the year's end (the oldest ones are listed)."""
        self.oldest.append((received_on, request_id))
        if len(self.oldest) > 4 * OLDEST_SHOWN:
            self.oldest = sorted(self.oldest)[:OLDEST_SHOWN]

    def count_steps(self, s: RequestState) -> None:
        """The request's extensions and clarification notices of the year (none for a
        request answered without a step in between)."""
        if s.extensions or s.clarifications:
            limit = self._clarification_limit(s) if s.clarifications else None
            found = step_counts(s, limit).get(self.year)
            if found is not None:
                self.count_step_figures(*found)

    def count_step_figures(
        self, extensions: int, clarifications: int, late: int, n: int = 1
    ) -> None:
        """``n`` requests with these extensions, clarification notices and late first
        notices in the year (``steps.step_counts``)."""
        self.extensions += n * extensions
        self.clarifications += n * clarifications
        self.clarifications_late += n * late

    def _clarification_limit(self, s: RequestState) -> date | None:
        """``requests.clarification_limit`` (``late_clarification``'s), once per day of
        receipt: it depends on nothing else."""
        assert self.cal is not None
        if s.received_on not in self.limits:
            self.limits[s.received_on] = clarification_limit(s, self.cal)
        return self.limits[s.received_on]

    def table3(self) -> Table3:
        """Table 3 as counted."""
        return Table3(
            dict(self.new),
            dict(self.carried_in),
            {k: dict(v) for k, v in self.decided.items()},
            dict(self.carried_out),
        )

    def stats(self, recorded_late: int | None = None) -> ProcessingStats:
        """The statistics as counted (``recorded_late``: the table's count, if given)."""
        assert self.cal is not None
        end = date(self.year, 12, 31)
        oldest = sorted(self.oldest)[:OLDEST_SHOWN]
        spans = self.spans
        return ProcessingStats(
            recorded_late=recorded_late if recorded_late is not None else self.recorded_late,
            answered_on_time=self.answered - self.late,
            answered_late=self.late,
            median_working_days=_median(spans),
            mean_working_days=(
                round(float(sum(k * n for k, n in spans.items())) / self.answered, 1)
                if spans
                else None
            ),
            longest_working_days=max(spans) if spans else None,
            extensions_used=self.extensions,
            clarifications_used=self.clarifications,
            clarifications_late=self.clarifications_late,
            oldest_open=tuple(
                OpenRequest(i, day, self.cal.working_days_between(day, end)) for day, i in oldest
            ),
            received_by_month=self.by_month,
            answered_by_month=self.answered_by_month,
        )


def _median(counts: Counter[int]) -> float | None:
    """``statistics.median`` of the values the counts stand for, without listing them."""
    total = sum(counts.values())
    if not total:
        return None
    wanted = sorted({(total - 1) // 2, total // 2})
    found: list[int] = []
    seen = 0
    for value in sorted(counts):
        seen += counts[value]
        while wanted and wanted[0] < seen:
            found.append(value)
            wanted.pop(0)
    return float(statistics.median(found))
