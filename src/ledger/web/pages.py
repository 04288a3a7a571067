"""The pages that read: today's work, the list, a request, an applicant, the government.

Each calls the read use cases the CLI calls (``projections/queries.py``) and keeps only
what the user's agencies hold: a request of another agency is answered as not found.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.responses import Response

from ledger import accounts
from ledger.codes import APPLICANTS, OUTCOMES
from ledger.commands._once import new_command_id
from ledger.commands.agencies import registered
from ledger.commands.personal import view_applicant
from ledger.errors import InvalidInput
from ledger.i18n import _
from ledger.notices.model import STEPS as NOTICE_STEPS
from ledger.projections.agencies import agency_named
from ledger.projections.alerts import Alert
from ledger.projections.queries import (
    OpenCounts,
    RequestFilter,
    find_requests,
    list_requests,
    open_counts,
    received_counts,
    show_request,
)
from ledger.projections.views import RequestRow, summary
from ledger.web.site import Visit, page

SOON = (3, 5)
"""The dashboard's "due within N working days" counts."""
ALERTS_SHOWN = 50
"""Alerts the dashboard shows, most urgent first; the rest are one link away
(``/today?alerts=all``): a head reads the top of the list, and a page of every alert of a
large office is thousands of rows to build and send at every visit."""
LIST_LIMIT = 500
"""Rows shown on one list page (the filters narrow a longer list)."""
STATUSES = ("open", "paused", "closed")


def agency_names(visit: Visit) -> dict[str, str]:
    """Code → name of the registered agencies (configured names first)."""
    app = visit.web.ledger
    books = registered(app.store)
    recorded: dict[str, tuple[str, dict[str, str]]] = {
        code: (name, {}) for code, (name, _level) in books.items()
    }
    return {code: agency_named(code, app.config.agencies, recorded)[0] for code in books}


def agency_levels(visit: Visit) -> dict[str, str]:
    """Code → level (department or government) of the registered agencies."""
    levels = {code: level for code, (_name, level) in registered(visit.web.ledger.store).items()}
    return {**levels, **visit.web.ledger.config.agency_levels()}


def my_agencies(visit: Visit) -> list[str]:
    """The registered agencies this user serves, in code order."""
    return [code for code in sorted(agency_names(visit)) if visit.user.serves(code)]


def _counts(visit: Visit) -> dict[str, OpenCounts]:
    """Per agency the user serves: open, overdue, due within each of ``SOON``,
    clarifications and consultations running (counted by the database, ``open_counts``)."""
    mine = None if visit.user.every_agency else visit.user.agencies
    return open_counts(visit.web.ledger, mine, SOON)


def _total(counts: dict[str, OpenCounts]) -> OpenCounts:
    every = list(counts.values())
    return OpenCounts(
        sum(c.open for c in every),
        sum(c.overdue for c in every),
        tuple(sum(c.soon[i] for c in every) for i in range(len(SOON))),
        sum(c.clarifications for c in every),
        sum(c.consultations for c in every),
    )


@page()
def dashboard(visit: Visit) -> Response:
    """今日待办: the alerts most urgent first (the first ``ALERTS_SHOWN``, or all with
    ``?alerts=all``) and the counts, per agency."""
    found = visit.web.alerts(max(SOON))
    alerts: list[Alert] = [a for a in found.alerts if visit.user.serves(a.agency)]
    shown = alerts if visit.param("alerts") == "all" else alerts[:ALERTS_SHOWN]
    counts = _counts(visit)
    return visit.render(
        "dashboard.html", today=found.as_of, alerts=shown, alert_count=len(alerts),
        counts=counts, total=_total(counts), soon=SOON, names=agency_names(visit),
    )  # fmt: skip


@dataclass(frozen=True)
class ListQuery:
    """The list page's filters, as typed in its form."""

    status: str = ""
    agency: str = ""
    year: str = ""
    applicant: str = ""
    outcome: str = ""
    text: str = ""

    def received_in(self) -> int | None:
        if not self.year:
            return None
        if not self.year.isdigit() or not 1990 <= int(self.year) <= 2100:
            raise InvalidInput(_("year: {value!r} is not a year; use YYYY").format(value=self.year))
        return int(self.year)

    def admits(self, row: RequestRow) -> bool:
        """The filters the read use case does not take itself."""
        return (
            (not self.status or row.status == self.status)
            and (not self.applicant or row.applicant == self.applicant)
            and (not self.outcome or row.outcome == self.outcome)
        )


@page()
def request_list(visit: Visit) -> Response:
    """申请列表: filtered by status, agency, year, applicant category and outcome; the
    search box runs ``find`` (applicants' data only for those allowed to see it)."""
    query = ListQuery(*(visit.param(k) for k in ("status", "agency", "year", "applicant",
                                                 "outcome", "q")))  # fmt: skip
    app = visit.ledger
    if query.text:
        personal = visit.user.may(accounts.PERSONAL)
        rows = [f.row for f in find_requests(app, query.text, personal=personal)]
        if query.agency:
            rows = [r for r in rows if r.agency == query.agency]
        if query.year:
            rows = [r for r in rows if r.received_on.year == query.received_in()]
    else:
        wanted = RequestFilter(received_in=query.received_in(), agency=query.agency or None,
                               only_open=query.status in ("open", "paused"))  # fmt: skip
        rows = list_requests(app, wanted)
    rows = [r for r in rows if visit.user.serves(r.agency) and query.admits(r)]
    return visit.render(
        "requests.html", rows=rows[:LIST_LIMIT], total=len(rows), limit=LIST_LIMIT,
        query=query, statuses=STATUSES, agencies=my_agencies(visit),
        applicants=APPLICANTS.labels(), outcomes=OUTCOMES.labels(),
    )  # fmt: skip


HIDDEN_FACTS = ("request_id", "calendar")
"""Facts of an event the timeline does not repeat (the page's own id, the schedules used)."""


def timeline_entries(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The timeline for the page: each step's name (as ``ledger show`` names it), its
    facts, and which later step corrected or retracted it (``note``)."""
    return [
        {
            **e,
            "step": summary(e["type"], {}),
            "facts": {
                k: v
                for k, v in e["data"].items()
                if k not in HIDDEN_FACTS and v not in (None, "", [], {})
            },
        }
        for e in events
    ]


def my_request(visit: Visit, request_id: str, explain: bool = False) -> Any:
    """The request as ``show`` gives it, refused as not found outside the user's agencies."""
    shown = show_request(visit.ledger, request_id, explain=explain)
    visit.check_agency(shown.row.agency)
    return shown


@page()
def request_detail(visit: Visit) -> Response:
    """申请详情: facts, due date and how it was counted, timeline, notices, the steps."""
    from ledger.web.desk import actors_of, steps_for

    request_id = visit.request.path_params["request_id"]
    shown = my_request(visit, request_id, explain=True)
    events = timeline_entries(shown.events)
    own = visit.user.corrects_only_own and visit.user.may(accounts.CORRECT_OWN)
    actors = actors_of(visit, request_id) if own else None
    notices = [e for e in events if e["type"] == "request.notice-issued"]
    recorded = {e["type"] for e in events if "retracted" not in e["note"]}
    return visit.render(
        "request.html", shown=shown, row=shown.row, events=events, notices=notices,
        steps=steps_for(visit.user, shown.row, actors),
        names=agency_names(visit),
        personal=visit.user.may(accounts.PERSONAL),
        notice_kinds=[k for k, (step, _cmd) in NOTICE_STEPS.items() if step in recorded],
        command_id=new_command_id(),
    )  # fmt: skip


@page(accounts.PERSONAL)
def applicant_data(visit: Visit) -> Response:
    """The applicant's personal data, recorded as seen by this user before it is shown."""
    request_id = visit.request.path_params["request_id"]
    shown = my_request(visit, request_id)
    desk = visit.ledger.desk(shown.row.agency, actor=visit.user.username, check_agency=False)
    data = view_applicant(desk, request_id, f"web /requests/{request_id}/applicant")
    return visit.render("applicant.html", row=shown.row, data=data)


@page()
def government(visit: Visit) -> Response:
    """The government's view: its departments side by side, and the combined report."""
    names = agency_names(visit)
    counts = _counts(visit)
    agencies = my_agencies(visit)
    levels = agency_levels(visit)
    year = visit.web.ledger.today().year
    received = received_counts(visit.web.ledger, year, agencies)
    return visit.render(
        "government.html", agencies=agencies, names=names, levels=levels, counts=counts,
        total=_total(counts), received=received, year=year, soon=SOON,
        combined=visit.user.every_agency,
    )  # fmt: skip


@page(accounts.VERIFY)
def verify(visit: Visit) -> Response:
    """核验: walk the hash chain and re-derive every recorded due date (``ledger verify``),
    when asked (a POST: it reads the whole log)."""
    from ledger.errors import IntegrityFailure
    from ledger.projections.log import verify_log

    lines: list[str] = []
    ok = True
    if visit.request.method == "POST":
        try:
            checked = verify_log(visit.web.ledger.store)
        except IntegrityFailure as broken:
            lines, ok = [broken.message], False
        else:
            lines.append(_("{verified} events verified; the hash chain is intact").format(
                verified=checked.verified))  # fmt: skip
            problem = checked.deadline_problem()
            if problem is None:
                lines.append(_("{checked} recorded deadlines re-derived; all agree").format(
                    checked=checked.audit.checked))  # fmt: skip
            else:
                lines, ok = [*lines, problem], False
    return visit.render("verify.html", lines=lines, ok=ok)
