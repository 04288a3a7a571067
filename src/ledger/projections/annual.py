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

from collections import Counter, defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ledger.calendar import WorkingCalendar, YearSchedule
from ledger.codes import CASE_KINDS, DOCUMENT_KINDS
from ledger.dates import shanghai_date
from ledger.events.annual import figure_value
from ledger.events.store import Store, StoredEvent
from ledger.i18n import _
from ledger.projections.agencies import registration
from ledger.projections.requests import (
    CarryFacts,
    RequestState,
    apply,
    collector_paused,
    open_at_end,
    state_of,
)
from ledger.projections.tally import YearTally
from ledger.report import editions
from ledger.report.model import (
    AnnualReport,
    Narrative,
    ProcessingStats,
    Table2,
    Table3,
    Table4,
    Table4Group,
)

if TYPE_CHECKING:
    from ledger.projections.tables import ViewTable


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


@dataclass(frozen=True)
class TableRead:
    """The request table's rows touching the years ``first``…``last``, of the agencies
    (None: all): where a report as the books stand counts its requests from."""

    table: ViewTable
    first: int
    last: int
    agencies: frozenset[str] | None

    def scope(self, agencies: Collection[str] | None) -> frozenset[str] | None:
        """The agencies both these rows and a report's request cover (None: all)."""
        if agencies is None:
            return self.agencies
        chosen = frozenset(agencies)
        return chosen & self.agencies if self.agencies is not None else chosen


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
    # The year's requests counted from the request table on each pass (by its columns,
    # ``projections/yearcounts.py``), instead of ``requests`` held whole: the report then
    # holds its counts, not the year.
    request_table: TableRead | None = None

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
    """The received requests of the chosen agencies (all when None) the replay folded."""
    return (s for s in facts.requests.values() if s.channel and _mine(s.agency, agencies))


def count_requests(facts: Facts, tally: YearTally, agencies: Collection[str] | None) -> None:
    """Count the requests of the agencies into ``tally``: from the request table when the
    facts read it, else each folded request of the replay."""
    read = facts.request_table
    if read is None:
        tally.fed(requests_of(facts, agencies))
    else:
        read.table.count_year(tally, read.first, read.last, read.scope(agencies))


def carry_candidates(
    facts: Facts, agencies: Collection[str] | None, years: range
) -> Iterable[CarryFacts]:
    """What the check compares with the year closes of the requests whose carry-over out
    of one of ``years`` may disagree (from the table, only those open at the end of one of
    them or carried over out of one of them, read from the rows' columns)."""
    read = facts.request_table
    if read is None:
        return map(CarryFacts.of, requests_of(facts, agencies))
    scope = read.scope(agencies)
    return (
        s
        for s in read.table.carry_candidates(read.first, read.last, scope, years)
        if s.channel and _mine(s.agency, scope)
    )


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
    count_requests(facts, tally, req.agencies)
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

    Table 3 is counted as the requests arrive; then the requests whose carry-over may
    disagree are looked at, and one is kept only as the text of a disagreement, listed
    in the order the requests entered the log."""
    tally = YearTally(year, None)
    count_requests(facts, tally, agencies)
    mismatches: list[tuple[int, str]] = []
    for s in carry_candidates(facts, agencies, range(year - 1, year + 1)):
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
