"""The annual report's figures: a pure projection of the log (Art. 49–50; docs/rules.md).

One pass over the log (as it stands, or as it was known at a moment) collects the facts;
the tables are then counted from them:

- table 3: 本年新收 = received in the year; 办理结果 = closed in the year, by outcome
  (a withdrawal counts as 其他); 结转下年度 = received by 31 December and not closed on or
  before it; 上年结转 = the same set for the year before. Counted this way the 勾稽关系
  holds by construction; ``check`` compares it with the carry-over events a year close
  recorded, so a disagreement between the two is reported, never hidden.
- table 4: a case counts in the year it was filed; its column is its outcome as known
  at 31 December of that year, 尚未审结 if it had not concluded by then (the documented
  default of docs/rules.md; this is the one place that rule lives).
- table 2: documents issued, published and repealed; yearly figures as recorded.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Final

from ledger.calendar import WorkingCalendar, YearSchedule
from ledger.clock import Deadline, compute_deadline, consultation_pause
from ledger.codes import CASE_KINDS, DOCUMENT_KINDS
from ledger.dates import shanghai_date
from ledger.events.annual import figure_value
from ledger.events.store import Store, StoredEvent
from ledger.i18n import _
from ledger.projections.agencies import registration
from ledger.projections.requests import (
    RequestState,
    apply,
    clock_input,
    collector_paused,
    late_clarification,
    open_at_end,
    state_of,
)
from ledger.report import editions
from ledger.report.model import (
    CHANNELS,
    AnnualReport,
    Narrative,
    OpenRequest,
    ProcessingStats,
    Table2,
    Table3,
    Table4,
    Table4Group,
)


@dataclass
class Case:
    """A review or lawsuit about a disclosure decision."""

    agency: str
    kind: str
    filed_on: date
    concluded_on: date | None = None
    outcome: str | None = None


@dataclass
class Document:
    """A rule or normative document (table 2, 第二十条第（一）项)."""

    agency: str
    kind: str
    issued_on: date
    published_on: date | None
    repealed_on: date | None = None


@dataclass
class Facts:
    """Everything the report counts, collected in one pass over the log."""

    requests: dict[str, RequestState] = field(default_factory=dict)
    cases: dict[str, Case] = field(default_factory=dict)
    documents: dict[str, Document] = field(default_factory=dict)
    figures: dict[tuple[str, int, str], dict[str, str]] = field(default_factory=dict)
    narratives: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)
    closed: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    schedules: list[YearSchedule] = field(default_factory=list)
    agency_names: dict[str, tuple[str, dict[str, str]]] = field(default_factory=dict)
    # Read from the request table (``projections/yearly.py``) rather than from every
    # request: the agencies with requests, and table-wide counts the statistics need.
    request_agencies: set[str] | None = None
    recorded_late: int | None = None
    # The year's requests read again on each pass (a query streaming the table's rows),
    # instead of ``requests`` held whole: the report then holds its counts, not the year.
    request_source: Callable[[], Iterable[RequestState]] | None = None

    @property
    def calendar(self) -> WorkingCalendar:
        return WorkingCalendar(self.schedules)

    def agencies(self) -> set[str]:
        """Every agency that appears in the log's requests, cases, documents or figures."""
        found = (
            set(self.request_agencies)
            if self.request_agencies is not None
            else {s.agency for s in self.requests.values()}
        )
        found |= {c.agency for c in self.cases.values()}
        found |= {d.agency for d in self.documents.values()}
        return found | {k[0] for k in self.figures} | {k[0] for k in self.narratives}


def _case(facts: Facts, e: StoredEvent) -> None:
    if e.type == "case.filed":
        facts.cases[e.stream_id] = Case(e.agency, e.data["kind"], e.effective_date)
    elif e.stream_id in facts.cases:
        case = facts.cases[e.stream_id]
        case.concluded_on, case.outcome = e.effective_date, e.data["outcome"]


def _document(facts: Facts, e: StoredEvent) -> None:
    if e.type == "document.issued":
        published = e.data.get("published_on")
        facts.documents[e.stream_id] = Document(
            e.agency,
            e.data["kind"],
            e.effective_date,
            date.fromisoformat(published) if published else None,
        )
    elif e.stream_id in facts.documents:
        facts.documents[e.stream_id].repealed_on = e.effective_date


def _other(facts: Facts, e: StoredEvent) -> None:
    """Year-level facts: figures, narrative, closures, schedules."""
    if e.type == "annual.figures-recorded":
        facts.figures[(e.agency, int(e.data["year"]), e.data["item"])] = e.data["figures"]
    elif e.type == "annual.narrative-recorded":
        facts.narratives[(e.agency, int(e.data["year"]))] = e.data
    elif e.type == "year.closed":
        facts.closed[e.agency].add(int(e.data["year"]))
    elif e.type == "calendar.schedule-recorded":
        facts.schedules.append(YearSchedule.from_dict(e.data))
    elif e.type == "agency.registered":
        code, named = registration(e)
        facts.agency_names[code] = named


def collect(store: Store, as_of: datetime | None = None) -> Facts:
    """Fold the whole log (as known at ``as_of``) into the facts the report counts.

    The garbage collector is paused meanwhile: a replay allocates hundreds of thousands of
    long-lived objects, and the cyclic garbage collector rescanning them took over a
    third of the time (bench/bench_report.py); nothing here makes reference cycles.
    """
    facts = Facts()
    with collector_paused():
        for e in store.read_all(recorded_until=as_of, exclude_types=SKIPPED):
            collect_event(facts, e)
    return facts


SKIPPED = ("request.deadline-set",)
"""Event types no table counts (a deadline is re-derived, never read back)."""


def collect_event(facts: Facts, e: StoredEvent) -> None:
    """Fold one event of the log into the facts (in global order)."""
    kind = e.type.partition(".")[0]
    if kind == "request":
        apply(state_of(facts.requests, e), e, timeline=False)
    elif kind == "case":
        _case(facts, e)
    elif kind == "document":
        _document(facts, e)
    else:
        _other(facts, e)


def _mine(agency: str, agencies: Collection[str] | None) -> bool:
    return agencies is None or agency in agencies


def requests_of(facts: Facts, agencies: Collection[str] | None) -> Iterable[RequestState]:
    """The received requests of the chosen agencies (all when None), one at a time: from
    the streamed source when there is one, else from the folded ``requests``."""
    source = facts.request_source() if facts.request_source is not None else facts.requests.values()
    return (s for s in source if s.channel and _mine(s.agency, agencies))


def table3(requests: Iterable[RequestState], year: int) -> Table3:
    """Table 3 counted from the requests (see the module docstring)."""
    return YearTally(year, None).fed(requests).table3()


def table4(facts: Facts, year: int, agencies: Collection[str] | None) -> Table4:
    """Table 4: cases filed in the year, by outcome as known at 31 December."""
    end = date(year, 12, 31)
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for case in facts.cases.values():
        if case.filed_on.year != year or not _mine(case.agency, agencies):
            continue
        known = case.outcome if case.concluded_on and case.concluded_on <= end else None
        counts[case.kind][known or "pending"] += 1
    groups = zip(CASE_KINDS.codes, editions.TABLE4_GROUPS, strict=True)
    return Table4(**{key: Table4Group(**counts[kind]) for kind, (key, _) in groups})


def _documents(facts: Facts, agencies: Collection[str] | None, kind: str) -> list[Document]:
    return [d for d in facts.documents.values() if d.kind == kind and _mine(d.agency, agencies)]


def document_figures(docs: list[Document], year: int) -> dict[str, int]:
    """规章 / 规范性文件 figures of both editions, by figure key (editions.DOCUMENT_FIGURES).

    2019: 本年新制作数量 (made), 本年新公开数量 (published), 对外公开总数量 (published and
    not repealed by 31 December); 2021: 本年制发件数 (issued), 本年废止件数 (repealed),
    现行有效件数 (made and not repealed by 31 December).
    """
    end = date(year, 12, 31)

    def standing(d: Document, since: date | None) -> bool:
        return since is not None and since <= end and (d.repealed_on is None or d.repealed_on > end)

    made = sum(1 for d in docs if d.issued_on.year == year)
    return {
        "made": made,
        "published": sum(1 for d in docs if d.published_on and d.published_on.year == year),
        "total": sum(1 for d in docs if standing(d, d.published_on)),
        "issued": made,
        "repealed": sum(1 for d in docs if d.repealed_on and d.repealed_on.year == year),
        "in-force": sum(1 for d in docs if standing(d, d.issued_on)),
    }


def table2(facts: Facts, year: int, agencies: Collection[str] | None, edition: str) -> Table2:
    """Table 2 in the edition's items: documents counted, other figures as recorded (summed)."""
    keys = editions.edition(edition).table2_keys()
    items: dict[str, dict[str, int | Decimal]] = {}
    for kind in DOCUMENT_KINDS.codes:
        counted = document_figures(_documents(facts, agencies, kind), year)
        items[kind] = {key: n for key, n in counted.items() if key in keys[kind]}
    for (agency, fig_year, item), figures in facts.figures.items():
        if fig_year != year or not _mine(agency, agencies) or item not in keys:
            continue
        target = items.setdefault(item, {})
        for key, text in figures.items():
            if key in keys[item]:
                target[key] = target.get(key, 0) + figure_value(text)
    return Table2(items)


def _paused_days(state: RequestState, end: date, cal: WorkingCalendar) -> int:
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


def _due(s: RequestState, cal: WorkingCalendar, plain: dict[date, Deadline]) -> Deadline:
    """The deadline, shared among requests that nothing paused, extended or deferred.

    Most requests are answered without any step in between; their due date depends on
    the day of receipt alone, so it is computed once per day rather than per request.
    """
    if s.consultations or s.fees or s.clarifications or s.extensions or s.deferred_until:
        return compute_deadline(clock_input(s, cal), cal)
    if s.received_on not in plain:
        plain[s.received_on] = compute_deadline(clock_input(s, cal), cal)
    return plain[s.received_on]


def stats(
    requests: Iterable[RequestState],
    year: int,
    cal: WorkingCalendar,
    recorded_late: int | None = None,
) -> ProcessingStats:
    """Processing statistics of the year (never inside the official tables).

    ``recorded_late`` is the count of requests received by the year's end with a fact
    recorded late, when counted elsewhere (the request table); else counted here.
    """
    return YearTally(year, cal).fed(requests).stats(recorded_late)


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
        self.plain: dict[date, Deadline] = {}
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
        """Count one request in table 3 and, with a calendar, in the statistics."""
        year = self.year
        received = s.received_on.year == year
        decided = s.decided_on is not None and s.decided_on.year == year
        still_open = open_at_end(s, year)
        if received:
            self.new[s.applicant] += 1
        if open_at_end(s, year - 1):
            self.carried_in[s.applicant] += 1
        if decided and s.outcome:
            self.decided[s.outcome][s.applicant] += 1
        if still_open:
            self.carried_out[s.applicant] += 1
        if self.cal is not None:
            self._add_stats(s, received, decided, still_open, self.cal)

    def _add_stats(
        self, s: RequestState, received: bool, decided: bool, still_open: bool, cal: WorkingCalendar
    ) -> None:
        year = self.year
        if decided:
            assert s.decided_on is not None
            self.answered += 1
            self.late += 1 if _due(s, cal, self.plain).passed(s.decided_on) else 0
            span = cal.working_days_between(s.received_on, s.decided_on)
            self.spans[span - _paused_days(s, s.decided_on, cal)] += 1
            self.answered_by_month[s.decided_on.month - 1] += 1
        if still_open:
            self.oldest.append((s.received_on, s.id))
            if len(self.oldest) > 4 * OLDEST_SHOWN:
                self.oldest = sorted(self.oldest)[:OLDEST_SHOWN]
        if received:
            self.by_month[s.channel][s.received_on.month - 1] += 1
        if s.recorded_late and s.received_on.year <= year:
            self.recorded_late += 1
        self.extensions += sum(1 for x in s.extensions if x.granted_on.year == year)
        self.clarifications += sum(1 for c in s.clarifications if c.requested_on.year == year)
        sent = late_clarification(s, cal)
        self.clarifications_late += 1 if sent is not None and sent.year == year else 0

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


def narrative(
    facts: Facts, year: int, agencies: Collection[str] | None
) -> tuple[Narrative, date | None]:
    """The year's narrative text (the latest recorded) and the date it is signed."""
    found = [
        v for (agency, y), v in facts.narratives.items() if y == year and _mine(agency, agencies)
    ]
    if not found:
        return Narrative(), None
    latest = found[-1]
    signed = latest.get("signed_on")
    return (
        Narrative(
            latest.get("overview", ""), latest.get("problems", ""), latest.get("other_matters", "")
        ),
        date.fromisoformat(signed) if signed else None,
    )


@dataclass(frozen=True)
class ReportRequest:
    """Which report: the year, the agencies (None: all), the edition and how it is titled."""

    year: int
    agencies: frozenset[str] | None = None
    edition: str | None = None
    agency_name: str = ""
    labels: dict[str, str] = field(default_factory=dict)
    as_of: datetime | None = None
    with_stats: bool = True


def _labels_of(edition: str, labels: dict[str, str]) -> dict[str, str]:
    """The agency's local labels that this edition prints (others belong to the other one)."""
    known = editions.edition(edition).labels()
    return {official: local for official, local in labels.items() if official in known}


def build_report(facts: Facts, req: ReportRequest) -> AnnualReport:
    """The annual report of the chosen agencies for one year, from the collected facts."""
    with collector_paused():
        return _build_report(facts, req)


def _build_report(facts: Facts, req: ReportRequest) -> AnnualReport:
    edition = req.edition or editions.edition_for_year(req.year)
    tally = YearTally(req.year, facts.calendar if req.with_stats else None)
    tally.fed(requests_of(facts, req.agencies))
    text, signed = narrative(facts, req.year, req.agencies)
    return AnnualReport(
        year=req.year,
        agency=req.agency_name,
        edition=edition,
        table2=table2(facts, req.year, req.agencies, edition),
        table3=tally.table3(),
        table4=table4(facts, req.year, req.agencies),
        narrative=text,
        stats=tally.stats(facts.recorded_late) if req.with_stats else None,
        label_overrides=_labels_of(edition, req.labels),
        date_signed=signed,
        as_of=shanghai_date(req.as_of) if req.as_of else None,
    )


def check(facts: Facts, year: int, agencies: Collection[str] | None) -> list[str]:
    """Where the tables disagree with themselves or with the recorded carry-overs.

    One pass: table 3 is counted as the requests arrive, and a request is kept only as
    the text of a disagreement, listed in the order the requests entered the log."""
    tally = YearTally(year, None)
    mismatches: list[tuple[int, str]] = []
    for s in requests_of(facts, agencies):
        tally.add(s)
        for y in (year - 1, year):
            closed = y in facts.closed.get(s.agency, set())
            recorded, derived = y in s.carried_out_of, open_at_end(s, y)
            if closed and recorded != derived:
                mismatches.append((s.first_position, _carry_mismatch(s.id, y, open_at_end=derived)))
    mismatches.sort(key=lambda m: m[0])
    problems = [
        _("table 3: {problem}").format(problem=e) for e in tally.table3().reconciliation_errors()
    ]
    return problems + [text for _position, text in mismatches]


def _carry_mismatch(request_id: str, year: int, *, open_at_end: bool) -> str:
    """The year close's carry-over disagreeing with the request's own state at year end."""
    if open_at_end:
        text = _(
            "request {id}: open at the end of {year}, but the year close did not carry it over"
        )
    else:
        text = _(
            "request {id}: closed at the end of {year}, but the year close did carry it over"
        )
    return text.format(id=request_id, year=year)
