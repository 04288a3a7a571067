"""The read use cases of the desk and the office head: typed arguments in, data out.

``ledger list``, ``ledger show``, ``ledger find`` and ``ledger alerts`` print what these return; the
demonstration, the tests and a web server call the same functions. Each takes the
application (its store, calendar and clock); "today" is the app's clock unless
``as_of`` says otherwise.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING, Any

from ledger.calendar import WorkingCalendar
from ledger.clock import explain_deadline
from ledger.commands.requests import clarification_late, load
from ledger.errors import InvalidInput
from ledger.i18n import _
from ledger.projections.alerts import Alert, compute_alerts
from ledger.projections.calendar import load_calendar
from ledger.projections.requests import clock_input
from ledger.projections.tables import (
    SCAN_BATCH,
    SqlViewTable,
    ViewRow,
    ViewTable,
    current_rows,
    current_table,
    view_row,
)
from ledger.projections.views import RequestRow, all_requests, request_row, timeline
from ledger.texts import Resolver, opened_texts

if TYPE_CHECKING:
    from ledger.bootstrap import App


@dataclass(frozen=True)
class RequestFilter:
    """Which requests ``list_requests`` returns; every filter given must hold.

    ``due_within`` keeps open requests due within that many working days (overdue
    ones included); ``overdue`` and ``due_within`` imply ``only_open``.
    """

    only_open: bool = False
    overdue: bool = False
    due_within: int | None = None
    received_in: int | None = None
    agency: str | None = None

    def condition(self) -> tuple[str, list[Any]]:
        """The indexed part of the filters as a condition on ``request_view``."""
        where: list[str] = []
        params: list[Any] = []
        if self.agency is not None:
            where.append("agency = ?")
            params.append(self.agency)
        if self.received_in is not None:
            where.append("received_year = ?")
            params.append(self.received_in)
        if self.only_open or self.overdue or self.due_within is not None:
            where.append("closed = ?")
            params.append(False)
        return " AND ".join(where), params

    def admits(self, row: RequestRow) -> bool:
        """Whether the row passes every filter given."""
        if self.agency is not None and row.agency != self.agency:
            return False
        if self.received_in is not None and row.received_on.year != self.received_in:
            return False
        if (self.only_open or self.overdue or self.due_within is not None) and row.closed:
            return False
        if self.overdue and not row.overdue:
            return False
        left = row.working_days_left
        within = self.due_within
        return within is None or (row.due_date is not None and left is not None and left <= within)


def list_requests(
    app: App, filters: RequestFilter | None = None, as_of: date | None = None
) -> list[RequestRow]:
    """The requests passing ``filters`` as of a day (default today): open ones first,
    then by due date (none last), then by id."""
    wanted = filters or RequestFilter()
    cal = load_calendar(app.store)
    day = as_of or app.today()
    rows = [r for r in _rows(app, cal, day, *wanted.condition()) if wanted.admits(r)]
    rows.sort(key=lambda r: (r.closed, r.due_date or date.max, r.id))
    return shown_rows(app, rows)


def shown_rows(app: App, rows: list[RequestRow]) -> list[RequestRow]:
    """The rows with their subjects as a person reads them: each kept apart
    (``ledger.texts``) opened, in one batch, or shown as erased."""
    names = Resolver(app.store.texts).prime(r.subject for r in rows)
    return [replace(r, subject=names.fill(r.subject)) for r in rows]


def _rows(
    app: App, cal: WorkingCalendar, day: date, where: str, params: list[Any]
) -> list[RequestRow]:
    """The requests' rows on ``day``: from the request projection (only those ``where``
    admits), else by replaying the log (a store that keeps no projection)."""
    kept = current_rows(app.store, where, params)
    if kept is not None:
        return [v.request_row(cal, day) for v in kept]
    return [request_row(s, cal, day) for s in all_requests(app.store)]


@dataclass(frozen=True)
class FoundRequest:
    """A request ``find_requests`` found, and what matched: ``id``, ``subject``, ``applicant``."""

    row: RequestRow
    matched: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape of ``ledger find --format json``: the request's row and what matched."""
        return {**self.row.as_dict(), "matched": list(self.matched)}


def find_requests(
    app: App, text: str, *, personal: bool, as_of: date | None = None
) -> list[FoundRequest]:
    """The requests whose id or subject contains ``text`` (Latin letters in any case) and,
    when the user may see personal data (``personal``), whose applicant's name, phone or
    identity-number suffix matches it in the applicants table (``ApplicantSearch``).

    The log is never searched for personal data: it holds none, and an erased applicant
    is found by nothing personal. Subjects kept apart (``ledger.texts``) are opened in one
    batch and matched here, so an erased subject matches nothing. Ordered as
    ``list_requests`` orders.
    """
    wanted = text.strip().lower()
    if not wanted:
        raise InvalidInput(
            _(
                "find: TEXT is empty; give part of a request id or subject (with --personal also "
                "an applicant's name, phone or last 4-6 of the id number)"
            )
        )
    refs = app.store.applicants.search(text) if personal else set()
    cal = load_calendar(app.store)
    day = as_of or app.today()
    table = current_table(app.store)
    if table is None:  # a store that keeps no projection: the replay
        replayed = [(request_row(s, cal, day), s.applicant_ref) for s in all_requests(app.store)]
        by_subject = _subjects_containing(app, wanted, [[(r.id, r.subject) for r, _ in replayed]])
        candidates = replayed
    else:
        by_subject = _subjects_containing(app, wanted, table.subjects(wanted=wanted))
        views = {v.request_id: v for v in table.found(wanted, refs)}
        views.update((v.request_id, v) for v in _rows_of(table, by_subject - views.keys()))
        candidates = [(v.request_row(cal, day), v.applicant_ref) for v in views.values()]
    found = []
    rows = shown_rows(app, [row for row, _ref in candidates])
    for row, (_row, ref) in zip(rows, candidates, strict=True):
        matched = tuple(
            what
            for what, hit in (
                ("id", wanted in row.id.lower()),
                ("subject", row.id in by_subject),
                ("applicant", ref is not None and ref in refs),
            )
            if hit
        )
        if matched:
            found.append(FoundRequest(row, matched))
    found.sort(key=lambda f: (f.row.closed, f.row.due_date or date.max, f.row.id))
    return found


def _subjects_containing(
    app: App, wanted: str, pages: Iterable[list[tuple[str, str]]]
) -> set[str]:
    """The ids of the requests whose subject contains ``wanted`` (Latin letters in any case).

    Subjects are sealed, each with its request's key (``ledger.texts``), so no index can
    hold them in clear: they come two columns at a time, a page at a time, each page's
    opened in one batch. The request table sends only the rows whose keyed signature may
    hold ``wanted`` (``ledger.search``); each is still opened and checked here, so a false
    match of a signature is dropped. An erased subject matches nothing. Memory follows a
    page and the matches, not the books.
    """
    hits: set[str] = set()
    for page in pages:
        texts = opened_texts(app.store.texts, [subject for _id, subject in page])
        for (request_id, _subject), text in zip(page, texts, strict=True):
            if text is not None and wanted in text.lower():
                hits.add(request_id)
    return hits


def _rows_of(table: ViewTable, ids: Collection[str]) -> list[ViewRow]:
    """The rows of these requests, read by primary key a batch at a time."""
    chosen = sorted(ids)
    rows: list[ViewRow] = []
    for start in range(0, len(chosen), SCAN_BATCH):
        batch = chosen[start : start + SCAN_BATCH]
        rows += table.rows(f"request_id IN ({', '.join('?' for _ in batch)})", batch)
    return [r for r in rows if r.request_id in ids]  # the memory table returns every row


@dataclass(frozen=True)
class RequestShown:
    """One request for ``ledger show``: its row, timeline, flags and (if asked) how the
    due date was counted, day by day."""

    row: RequestRow
    events: list[dict[str, Any]]
    flags: list[str]
    explain: list[str] = field(default_factory=list)

    def as_dict(self, with_explain: bool = False) -> dict[str, Any]:
        """The JSON shape of ``ledger show --format json``."""
        data = {**self.row.as_dict(), "events": self.events, "flags": self.flags}
        if with_explain:
            data["explain"] = self.explain
        return data


def show_request(
    app: App, request_id: str, as_of: date | None = None, explain: bool = False
) -> RequestShown:
    """A request as of a day (default today); NotFound if there is no such request.

    Reading needs no agency of its own: the office's desk, which never refuses one.
    """
    desk = app.office()
    state = load(desk, request_id)
    cal = desk.calendar
    row = request_row(state, cal, as_of or desk.today)
    late_notice = clarification_late(state, desk)
    steps = [str(s) for s in explain_deadline(clock_input(state, cal), cal)] if explain else []
    events = timeline(state)
    names = Resolver(app.store.texts).prime([row.subject, *steps, *(e["data"] for e in events)])
    for entry in events:
        entry["data"] = names.data(entry["data"])
    return RequestShown(
        replace(row, subject=names.fill(row.subject)),
        events,
        [late_notice] if late_notice else [],
        [names.fill(step) for step in steps],
    )


@dataclass(frozen=True)
class AlertsFound:
    """The alerts as of a day, most urgent first."""

    as_of: date
    alerts: list[Alert]


def current_alerts(
    app: App, as_of: date | None = None, within: int | None = None, agency: str | None = None
) -> AlertsFound:
    """What needs someone's action as of a day (default today), ``within`` working days
    ahead (default: what the reminders use), for one agency or all."""
    day = as_of or app.today()
    ahead = app.config.scheduler.within if within is None else within
    levels = app.config.agency_levels()
    found = compute_alerts(app.store, load_calendar(app.store), day, ahead, agency, levels)
    return AlertsFound(day, found)


@dataclass(frozen=True)
class OpenCounts:
    """Today's figures of one agency: open requests, overdue, due within each of the
    working-day horizons asked, clarifications and consultations running."""

    open: int = 0
    overdue: int = 0
    soon: tuple[int, ...] = ()
    clarifications: int = 0
    consultations: int = 0


def open_counts(
    app: App, agencies: Collection[str] | None, soon: Sequence[int], as_of: date | None = None
) -> dict[str, OpenCounts]:
    """Per agency (of ``agencies``, None: every one), what the dashboard counts, in code
    order, as of a day (default today).

    Counted by the database over the open rows of ``request_view`` (its ``closed,
    due_date`` index), never by building a row per request: the open rows are a small
    part of a large book. Clarifications and consultations running are the rows'
    ``clarifying`` and ``consulting`` (a consultation with a third party pauses the clock
    for a known time, so it runs on requests that are not paused too). "Due within N working
    days" is a due date before the (N+1)th working day after today. A store without the
    table replays the log.
    """
    day = as_of or app.today()
    cal = load_calendar(app.store)
    bounds = [cal.nth_working_day_after(day, n + 1) for n in soon]
    table = current_table(app.store)
    if isinstance(table, SqlViewTable):
        return _counted_by_sql(table, agencies, day, bounds)
    rows = table.open_rows(None) if table is not None else [
        view_row(s, cal) for s in all_requests(app.store) if not s.closed]  # fmt: skip
    mine = [r for r in rows if agencies is None or r.agency in agencies]
    return _counted(mine, day, bounds)


def _counted(rows: list[ViewRow], day: date, bounds: list[date]) -> dict[str, OpenCounts]:
    """``open_counts`` over rows already read (a store keeping no SQL table)."""
    found: dict[str, OpenCounts] = {}
    for agency in sorted({r.agency for r in rows}):
        mine = [r for r in rows if r.agency == agency and not r.closed]
        due = [r.due_date for r in mine if r.due_date is not None]
        found[agency] = OpenCounts(
            len(mine), sum(d < day for d in due),
            tuple(sum(day <= d < b for d in due) for b in bounds),
            sum(r.clarifying for r in mine), sum(r.consulting for r in mine),
        )  # fmt: skip
    return found


def _counted_by_sql(
    table: SqlViewTable, agencies: Collection[str] | None, day: date, bounds: list[date]
) -> dict[str, OpenCounts]:
    db = table.db
    sqlite = db.dialect == "sqlite"

    def shown(d: date) -> Any:
        """A date as the column compares it (SQLite keeps ISO text)."""
        return d.isoformat() if sqlite else d

    mine, chosen = "", list(agencies or ())
    if agencies is not None:
        mine = f" AND agency IN ({', '.join('?' for _ in chosen)})" if chosen else " AND 1 = 0"
    horizons = "".join(
        ", sum(CASE WHEN due_date >= ? AND due_date < ? THEN 1 ELSE 0 END)" for _ in bounds
    )
    running = ", sum(CASE WHEN clarifying THEN 1 ELSE 0 END), " \
        "sum(CASE WHEN consulting THEN 1 ELSE 0 END)"  # fmt: skip
    query = (f"SELECT agency, count(*){running}, sum(CASE WHEN due_date < ? THEN 1 ELSE 0 END)"
             f"{horizons} FROM request_view WHERE closed = ?{mine} GROUP BY agency")  # fmt: skip
    params = [shown(day), *(v for b in bounds for v in (shown(day), shown(b))), False, *chosen]
    found: dict[str, OpenCounts] = {}
    rows = sorted(db.fetch(query, params), key=lambda r: r[0])
    for agency, count, asked, consulting, overdue, *within in rows:
        found[agency] = OpenCounts(int(count), int(overdue or 0),
                                   tuple(int(w or 0) for w in within),
                                   int(asked or 0), int(consulting or 0))  # fmt: skip
    return found


def received_counts(app: App, year: int, agencies: Collection[str]) -> dict[str, int]:
    """Requests received in ``year``, per agency: one count of the ``agency,
    received_year`` index per agency (a store without the table replays the log)."""
    table = current_table(app.store)
    if isinstance(table, SqlViewTable):
        query = "SELECT count(*) FROM request_view WHERE agency = ? AND received_year = ?"
        return {a: int(table.db.scalar(query, (a, year)) or 0) for a in sorted(agencies)}
    rows = list_requests(app, RequestFilter(received_in=year))
    return {a: sum(r.agency == a for r in rows) for a in sorted(agencies)}
