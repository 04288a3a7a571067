"""A year's table 3 and statistics counted from the request table's columns (issue 12).

Folding every row's kept state into a request (``snapshots.restore``) and counting it
cost about 15 µs a request: seven seconds for a year of 500,000. Most of what the year's
tables count is in the row's own columns (applicant, channel, the days of receipt,
answer and due date, the outcome), so the rows are read as those columns only and
counted a page at a time by ``collections.Counter`` (C code): per combination of
applicant, years and outcome (table 3), of channel and day of receipt (by month), of the
days of receipt and answer and lateness (answers and working days). Python then counts
the few thousand combinations through ``YearTally``'s weighted counts, the same code a
replay uses, so both give the same tables (``tests/integration/test_year_counts.py``,
``test_read_properties.py``). An answer is late when it came after the row's due date:
the projection keeps that date equal to the deadline a replay derives (it is refreshed
with every event of the request and every change of the calendar).

A request with a clarification, consultation, fee notice or extension counts by two
more columns the projection keeps with the same care (``projections/steps.py``): the
working days its clock stood still before the answer (``paused_days``, taken off its
span), and its extensions and clarification notices per year (``step_counts``, a short
text that most rows share with many others, so it is counted per text too). No row's
kept state is read or folded.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, timedelta
from operator import itemgetter
from typing import Any, Final

from ledger.calendar import WorkingCalendar
from ledger.db import Database
from ledger.projections.requests import CarryFacts
from ledger.projections.steps import steps_in
from ledger.projections.tally import OLDEST_SHOWN, YearTally

Reads = Iterable[tuple[str, Sequence[Any]]]
"""The conditions (with their parameters) whose rows are counted, one read each."""

_COLUMNS: Final = "applicant, received_year, decided_year, outcome, recorded_late"
"""Table 3's: what a request counts in (and whether a fact was recorded late)."""
_TABLE3: Final = itemgetter(0, 1, 2, 3, 4)
_RECEIVED: Final = itemgetter(5)
_ANSWERED: Final = itemgetter(6)
_OPEN: Final = itemgetter(7)
_STEPS: Final = itemgetter(8)
AnswerKey = tuple[Any, Any, int | None, Any, int]
"""Receipt, answer (ISO text on SQLite), year answered, late, paused working days: the
keys of ``_Counts.answered``."""
_OPEN_AT_END: Final = "received_year <= {y} AND (decided_year IS NULL OR decided_year > {y})"
"""A request open at the end of year ``{y}`` (a placeholder or a year), in SQL:
``requests.open_at_end`` by the row's years."""
_STATS: Final = (
    ", CASE WHEN received_year = ? THEN received_on || channel END"
    ", CASE WHEN decided_year = ? THEN received_on || decided_on"
    " || (due_date IS NOT NULL AND decided_on > due_date) || paused_days END"
    f", CASE WHEN {_OPEN_AT_END.format(y='?')} THEN received_on || request_id END, step_counts"
)
"""With the statistics, on SQLite, each as one text (one column and one hash a row
instead of several; NULL for a row the year does not count there): a receipt of the year
(day, channel), an answer of the year (the days of receipt and answer, whether it came
after the due date, the working days paused before it), a request open at the year's end
(day of receipt, id), and the steps per year (``projections/steps.py``). Dates are ISO
text of ten characters, so each text is cut back into its parts by position."""


def _contains(db: Database) -> str:
    """The position of text in text (0: absent), in the dialect's words."""
    return "instr" if db.dialect == "sqlite" else "strpos"


def _day(value: Any, known: dict[Any, date]) -> date:
    """A date column's value as a date (SQLite gives ISO text), parsed once per value."""
    day = known.get(value)
    if day is None:
        day = known[value] = date.fromisoformat(value) if isinstance(value, str) else value
    return day


def _ranks(cal: WorkingCalendar, days: set[date]) -> dict[date, int]:
    """Each day's working days since the day before the first: the working days between
    two of them (``WorkingCalendar.working_days_between``, 0 when the second is not
    later) is the difference of their ranks, counted once per day instead of once per
    combination of two days."""
    if not days:
        return {}
    origin = min(days) - timedelta(days=1)
    return {day: cal.working_days_between(origin, day) for day in days}


class _Counts:
    """The combinations counted over the pages."""

    def __init__(self) -> None:
        self.table3: Counter[tuple[Any, ...]] = Counter()
        self.received: Counter[tuple[Any, ...]] = Counter()
        self.answered: Counter[AnswerKey] = Counter()
        self.steps: Counter[str | None] = Counter()
        self.texts: tuple[Counter[str | None], Counter[str | None]] = (Counter(), Counter())
        self.days: dict[Any, date] = {}

    def page(self, rows: list[Any], tally: YearTally) -> None:
        """One page of SQLite's rows (``_STATS``): its combinations counted in C, as
        texts (``texts``), its open rows in Python."""
        self.table3.update(map(_TABLE3, rows))
        if tally.cal is None:
            return
        self.texts[0].update(map(_RECEIVED, rows))
        self.texts[1].update(map(_ANSWERED, rows))
        self.steps.update(map(_STEPS, rows))
        for text in filter(None, map(_OPEN, rows)):
            tally.count_open(_day(text[:10], self.days), text[10:])

    def _untext(self, year: int) -> None:
        """The receipts' and answers' texts cut into the keys PostgreSQL groups by."""
        received, answered = self.texts
        for text, n in received.items():
            if text is not None:
                self.received[(text[10:], text[:10], year)] += n
        for text, n in answered.items():
            if text is not None:
                self.answered[(text[:10], text[10:20], year, text[20] == "1", int(text[21:]))] += n
        received.clear()
        answered.clear()

    def finish(self, tally: YearTally) -> None:
        """Each combination counted into the tally, as many times as rows share it."""
        year, days = tally.year, self.days
        self._untext(year)
        for (applicant, received_year, decided_year, outcome, late), n in self.table3.items():
            tally.count_table3(applicant, received_year, decided_year, outcome, n)
            if late and received_year <= year and tally.cal is not None:
                tally.recorded_late += n
        if tally.cal is None:
            return
        for (channel, received_on, received_year), n in self.received.items():
            if received_year == year:
                tally.count_received(channel, _day(received_on, days), n)
        answered = [(key, n) for key, n in self.answered.items() if key[2] == year]
        rank = _ranks(tally.cal, {_day(k[i], days) for k, _ in answered for i in (0, 1)})
        for (received_on, decided_on, _year, late, paused), n in answered:
            decided = _day(decided_on, days)
            tally.count_answered(decided, bool(late), n)
            worked = max(0, rank[decided] - rank[_day(received_on, days)])
            tally.count_span_days(worked - paused, n)
        for text, n in self.steps.items():
            if text is not None:
                tally.count_step_figures(*steps_in(text, year), n)


_SETS: Final = {
    7: ("table3", ("applicant", "received_year", "decided_year", "outcome", "recorded_late")),
    11: ("received", ("channel", "received_on", "received_year")),
    13: ("answered", ("received_on", "decided_on", "decided_year", "late", "paused_days")),
    14: ("steps", ("step_counts",)),
}
"""PostgreSQL's grouping sets, by ``GROUPING(applicant, channel, decided_on, step_counts)``
(a bit for each of those columns the set leaves out): the keys of ``_Counts``'s
counters, in their order."""
_GROUPED: Final = (
    "SELECT {marks}, {columns}, count(*) FROM (SELECT *, due_date IS NOT NULL AND "
    "decided_on > due_date AS late FROM request_view WHERE {where}) AS mine "
    "GROUP BY GROUPING SETS ({sets})"
)
_OLDEST: Final = (
    f"SELECT received_on, request_id FROM request_view WHERE {_OPEN_AT_END.format(y='?')} "
    f'AND {{where}} ORDER BY received_on, request_id COLLATE "C" LIMIT {OLDEST_SHOWN}'
)
"""The oldest requests open at the year's end, in ``YearTally.oldest``'s order (ids by
code point, as Python compares them)."""
_ROOMY: Final = "SET LOCAL work_mem = '64MB'; SET LOCAL jit = off"
"""For the grouped reads' transaction only: the four grouping sets of a year of 500,000
requests need ~15 MB of hash tables, and with the server's default 4 MB it sorted them
on disk instead (1.9 s against 0.8 s at 1,000,000 requests); compiling the expressions
(JIT) costs more than it saves on a read that short."""


def _grouped(db: Database, reads: Reads, tally: YearTally) -> _Counts:
    """The counters of ``_Counts`` filled by PostgreSQL: each read grouped in the
    database in one pass (``GROUPING SETS``, hashed in C) instead of sent row by row, and
    its oldest open requests read in their order."""
    counts = _Counts()
    wanted = {k: v for k, v in _SETS.items() if tally.cal is not None or k == 7}
    columns = list(dict.fromkeys(c for _, keys in wanted.values() for c in keys))
    picks = {
        bits: (getattr(counts, name), itemgetter(*(1 + columns.index(c) for c in keys)))
        for bits, (name, keys) in wanted.items()
    }
    marks = "GROUPING(applicant, channel, decided_on, step_counts)" if len(wanted) > 1 else "7"
    sets = ", ".join(f"({', '.join(keys)})" for _, keys in wanted.values())
    with db.reading() as conn, conn.transaction():
        conn.execute(_ROOMY)
        for where, values in reads:
            query = _GROUPED.format(marks=marks, columns=", ".join(columns), where=where, sets=sets)
            for row in conn.execute(db.sql(query), values).fetchall():
                counter, key = picks[row[0]]
                counter[key(row)] += row[-1]
            if tally.cal is not None:
                oldest = _OLDEST.format(where=where)
                params = [tally.year, tally.year, *values]
                for received_on, request_id in conn.execute(db.sql(oldest), params).fetchall():
                    tally.count_open(received_on, request_id)
    return counts


def count_year(db: Database, reads: Reads, tally: YearTally) -> None:
    """Count the rows of each read into ``tally`` (table 3; with its calendar, the
    statistics too), by their columns."""
    if db.dialect != "sqlite":
        _grouped(db, reads, tally).finish(tally)
        return
    year, columns, params = tally.year, _COLUMNS, []
    if tally.cal is not None:
        columns += _STATS
        params = [year, year, year, year]
    select = f"SELECT {columns} FROM request_view WHERE "
    counts = _Counts()
    for where, values in reads:
        for rows in db.pages(select + where, [*params, *values]):
            counts.page(rows, tally)
    counts.finish(tally)


def candidate_reads(db: Database, spanning: Reads, years: range) -> list[tuple[str, Any]]:
    """The reads of the requests whose carry-over out of one of ``years`` the check
    compares, each request in one of them: those open at the end of one of the years,
    from ``spanning`` (reads that hold them all, each row once), and those carried over
    out of one of the years by a year close but open at the end of neither
    (``carried_years``, migration 0014; by its partial index ``ix_request_view_carried``).
    Every other request is neither, so agrees with any close of those years."""
    if not years:
        return []
    ends = [f"({_OPEN_AT_END.format(y=int(y))})" for y in years]
    carried = [f"{_contains(db)}(carried_years, ',{int(y)},') > 0" for y in years]
    open_then = " OR ".join(ends)
    reads: list[tuple[str, Any]] = [(f"({open_then}) AND {w}", v) for w, v in spanning]
    left = f"carried_years IS NOT NULL AND ({' OR '.join(carried)}) AND NOT ({open_then})"
    return [*reads, (left, ())]


def carry_candidates(db: Database, reads: Reads) -> Iterator[CarryFacts]:
    """What the check compares of each row of the reads (``candidate_reads``), read from
    the row's short columns alone: no kept state is read or folded (reading every row's
    state to look for carry-overs in it, then folding the candidates', was most of the
    check's time)."""
    select = (
        "SELECT request_id, agency, channel, received_on, decided_on, carried_years, "
        "first_position FROM request_view WHERE "
    )
    days: dict[Any, date] = {}
    for where, values in reads:
        for rid, agency, channel, received, decided, text, first in db.stream(
            select + where, values
        ):
            yield CarryFacts(
                rid, agency, channel, _day(received, days),
                None if decided is None else _day(decided, days), _years(text), first,
            )  # fmt: skip


def _years(text: str | None) -> frozenset[int]:
    """The years a ``carried_years`` text (``snapshots.carried_text``) names."""
    return frozenset(map(int, text.strip(",").split(","))) if text else frozenset()
