"""What needs someone's action, as of a day: a pure projection of the log.

Every condition of the Regulation that a person must act on becomes an ``Alert``. The
kinds, and the order of ``KINDS`` (the tie-break of the sort), are:

- ``overdue``: the due date has passed and no decision is recorded (Art. 33);
- ``due-soon``: the due date is today or within ``within`` working days;
- ``clarification-notice``: the 7th working day after receipt, the last day for a
  clarification notice (补正, Art. 30), is today or within ``within`` working days, and
  the request is untouched since receipt (no notice, extension, consultation, fee or
  deferral). ledger cannot know whether a request is unclear, so this is a prompt to
  decide while a notice is still on time; once the day has passed a notice would be
  late whatever is done, so the alert ends (``ledger show`` flags a late notice);
- ``consultation-expired``: 15 working days since a third party or a co-producing
  agency received a consultation letter, without an opinion (Art. 32, 34): the clock
  runs again;
- ``consultation-long``: 15 working days since another agency received a consultation
  letter, without an opinion (Art. 33 para. 2 sets no limit, so the clock stays stopped);
- ``no-clarification``: the reply-by date of a clarification notice has passed and the
  corrected request has not arrived: it may be closed as ``other.no-clarification``;
- ``fee-unpaid``: a fee notice unpaid 20 working days after the applicant received it
  (fee measures; the receipt defaults to the day it went out):
  it may be closed as ``other.fee-unpaid``;
- ``provisional``: an open request's due date counts days of a year without an official
  schedule (weekends and the statutory holidays assumed) — record the schedule;
- ``year-not-closed``: a year that has ended (on or after 1 January) and is not closed;
- ``annual-report``: the previous year's annual report is due (Art. 49: by 31 January
  for a department, by 31 March for an agency registered as a government) and no
  narrative with a signed date is recorded for it.

Most urgent first: by ``working_days`` ascending (most working days overdue first, then
the fewest days left), then by kind in the order above, then date, agency, request.

Only facts effective on or before ``as_of`` count, so ``--as-of`` shows the alerts as
they stood on that day. Requests received under the 2007 Regulation (before 2019-05-15)
get no ``clarification-notice``: that Regulation set no 7-day limit. The day counts
(7, 20) are the ones the commands enforce (``ledger.commands.requests``), so an alert
saying a closure is allowed and the handler recording it never disagree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from typing import Any

from ledger.calendar import WorkingCalendar
from ledger.clock import (
    CAPPED_CONSULTATIONS,
    CLARIFICATION_NOTICE_DAYS,
    REGIME_2019,
    add_working_days,
    consultation_end,
    regime_for,
)
from ledger.configfile import DEFAULT_WITHIN
from ledger.events import reminders
from ledger.events.agencies import AGENCY_PREFIX
from ledger.events.annual import ANNUAL_PREFIX
from ledger.events.store import Store, StoredEvent
from ledger.events.years import YEAR_PREFIX
from ledger.i18n import N_, _, ngettext
from ledger.projections.requests import (
    RequestState,
    apply,
    deadline,
    fee_payment_due,
    state_of,
)
from ledger.projections.streams import year_level_events
from ledger.projections.tables import ViewTable, current_table
from ledger.projections.views import working_days_left
from ledger.texts import Resolver

__all__ = [
    "DEFAULT_WITHIN",
    "KINDS",
    "Alert",
    "alerts_from_events",
    "compute_alerts",
    "kind_name",
]

KINDS = (
    "overdue",
    "due-soon",
    "clarification-notice",
    "consultation-expired",
    "consultation-long",
    "no-clarification",
    "fee-unpaid",
    "provisional",
    "year-not-closed",
    "annual-report",
)
_PRIORITY = {kind: index for index, kind in enumerate(KINDS)}
ANNUAL_REPORT_DAY = {"department": (1, 31), "government": (3, 31)}  # Art. 49


KIND_NAMES = {
    "overdue": N_("overdue"),
    "due-soon": N_("due-soon"),
    "clarification-notice": N_("clarification-notice"),
    "consultation-expired": N_("consultation-expired"),
    "consultation-long": N_("consultation-long"),
    "no-clarification": N_("no-clarification"),
    "fee-unpaid": N_("fee-unpaid"),
    "provisional": N_("provisional"),
    "year-not-closed": N_("year-not-closed"),
    "annual-report": N_("annual-report"),
}
"""Each kind as a person reads it (in English the code itself)."""


def kind_name(kind: str) -> str:
    """The kind ``kind`` in the current language (for tables and reminders, not JSON)."""
    return _(KIND_NAMES[kind])


def _days(n: int) -> str:
    return ngettext("{n} working day", "{n} working days", n).format(n=n)


@dataclass(frozen=True)
class Alert:
    """One condition needing action; ``request`` is None for agency-wide duties.

    ``date`` is the date the alert is about (the due date, the reply-by date, the end of
    the year…); ``working_days`` the working days left until it, negative once past.
    """

    kind: str
    request: str | None
    agency: str
    date: dt.date
    working_days: int
    message: str

    def sort_key(self) -> tuple[int, int, dt.date, str, str]:
        """Most urgent first (see the module docstring)."""
        return (
            self.working_days,
            _PRIORITY[self.kind],
            self.date,
            self.agency,
            self.request or "",
        )

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape (``alerts --format json``)."""
        return {**asdict(self), "date": self.date.isoformat()}


# The growing reminder records are skipped in SQL. Excluding a few types keeps SQLite on
# the position order; an IN list of the many types read would make it walk the type
# index and sort every page (ten times slower on a log of 100,000 requests).
_SKIP = (reminders.SENT, reminders.FAILED, reminders.RUN_COMPLETED, "request.deadline-set")


@dataclass
class _Books:
    """What the alerts need from the log, folded up to ``as_of``."""

    requests: dict[str, RequestState] = field(default_factory=dict)
    closed_years: set[tuple[str, int]] = field(default_factory=set)
    signed_reports: set[tuple[str, int]] = field(default_factory=set)
    registered: dict[str, int] = field(default_factory=dict)  # agency → year registered
    levels: dict[str, str] = field(default_factory=dict)  # agency → department|government


def _fold(events: Iterable[StoredEvent], as_of: date) -> _Books:
    """Requests, closed years and signed reports from the facts effective by ``as_of``."""
    books = _Books()
    for event in events:
        if event.effective_date > as_of:
            continue
        if event.type.startswith("request."):
            apply(state_of(books.requests, event), event, timeline=False)
        elif event.type == "year.closed":
            books.closed_years.add((event.agency, int(event.data["year"])))
        elif event.type == "annual.narrative-recorded" and event.data.get("signed_on"):
            books.signed_reports.add((event.agency, int(event.data["year"])))
        elif event.type == "agency.registered":
            books.registered.setdefault(event.data["code"], event.effective_date.year)
            books.levels[event.data["code"]] = event.data.get("level", "department")
    return books


def compute_alerts(
    store: Store,
    calendar: WorkingCalendar,
    as_of: date,
    within: int = DEFAULT_WITHIN,
    agency: str | None = None,
    levels: Mapping[str, str] | None = None,
) -> list[Alert]:
    """Every alert as of ``as_of``, most urgent first (``agency``: only that agency's).

    ``levels`` (department or government, by agency code) overrides the recorded level
    of an agency, as the configuration file may (``[agencies.CODE] level``).

    When the request table is current and no request's fact is effective after
    ``as_of`` (the usual case: today), the open requests are read from it by index;
    otherwise the log is replayed up to ``as_of``.
    """
    table = current_table(store)
    latest = table.latest_effective() if table is not None else None
    if table is not None and (latest is None or latest <= as_of):
        found = _alerts_from_table(store, table, calendar, as_of, within, agency, levels)
    else:
        events = store.read_all(exclude_types=_SKIP)
        found = alerts_from_events(events, calendar, as_of, within, agency, levels)
    names = Resolver(store.texts).prime(a.message for a in found)  # a party kept apart
    return [replace(a, message=names.fill(a.message)) for a in found]


_OFFICE_STREAMS = (YEAR_PREFIX, ANNUAL_PREFIX, AGENCY_PREFIX)
"""Where the agency-wide duties are recorded (year closes, narratives, registrations)."""


def _alerts_from_table(
    store: Store,
    table: ViewTable,
    calendar: WorkingCalendar,
    as_of: date,
    within: int,
    agency: str | None,
    levels: Mapping[str, str] | None,
) -> list[Alert]:
    """The alerts from the open requests' rows and the agency-wide streams: what the
    replay gives when every fact is effective by ``as_of``, without reading the log."""
    books = _fold(year_level_events(store, _OFFICE_STREAMS, calendar=False), as_of)
    books.levels.update(levels or {})
    found: list[Alert] = []
    for row in table.open_rows(agency):
        found += _request_alerts(row.folded(), calendar, as_of, within)
    first = _registered_since(books, agency)
    for code in [agency] if agency is not None else table.agencies():
        year = table.first_year(code)
        if year is not None:
            first[code] = min(first.get(code, year), year)
    found += _office_alerts(books, first, calendar, as_of)
    return sorted(found, key=Alert.sort_key)


def alerts_from_events(
    events: Iterable[StoredEvent],
    calendar: WorkingCalendar,
    as_of: date,
    within: int = DEFAULT_WITHIN,
    agency: str | None = None,
    levels: Mapping[str, str] | None = None,
) -> list[Alert]:
    """The alerts of a log given as events in global order (see ``compute_alerts``)."""
    books = _fold(events, as_of)
    books.levels.update(levels or {})
    states = [
        s for s in books.requests.values() if s.channel and (agency is None or s.agency == agency)
    ]
    found: list[Alert] = []
    for state in states:
        if not state.closed:
            found += _request_alerts(state, calendar, as_of, within)
    first = _registered_since(books, agency)
    for s in states:
        first[s.agency] = min(first.get(s.agency, s.received_on.year), s.received_on.year)
    found += _office_alerts(books, first, calendar, as_of)
    return sorted(found, key=Alert.sort_key)


def _registered_since(books: _Books, scope: str | None) -> dict[str, int]:
    """The year each agency in scope was registered (its books begin then at the latest)."""
    return {code: year for code, year in books.registered.items() if scope is None or code == scope}


# -- one request -----------------------------------------------------------------------


def _request_alerts(
    state: RequestState, cal: WorkingCalendar, as_of: date, within: int
) -> list[Alert]:
    """The alerts of one open request."""
    return [
        *_deadline_alerts(state, cal, as_of, within),
        *_clarification_notice(state, cal, as_of, within),
        *_consultations(state, cal, as_of),
        *_no_clarification(state, cal, as_of),
        *_fee_unpaid(state, cal, as_of),
    ]


def _alert(
    kind: str, state: RequestState, on: date, cal: WorkingCalendar, as_of: date, message: str
) -> Alert:
    """An alert about ``state`` and the date ``on``, with the working days left to it."""
    return Alert(kind, state.id, state.agency, on, working_days_left(on, as_of, cal), message)


def _deadline_alerts(
    state: RequestState, cal: WorkingCalendar, as_of: date, within: int
) -> list[Alert]:
    """Overdue, due soon, and provisional: about the due date (none while stopped)."""
    due = deadline(state, cal)
    if due.due is None:
        return []
    left = working_days_left(due.due, as_of, cal)
    rid, on = state.id, due.due
    out: list[Alert] = []
    if due.passed(as_of):
        message = _(
            "request {request} was due {due} and is undecided ({days} late): "
            "issue the decision now (ledger record decide {request})"
        ).format(request=rid, due=on, days=_days(-left))
        out.append(_alert("overdue", state, on, cal, as_of, message))
    elif left <= within:
        when = _("today") if left == 0 else _("in {days}").format(days=_days(left))
        message = (
            _("request {request} is due {when} ({due}): decide or extend it (Art. 33)")
            if state.extension_days < due.max_extension
            else _("request {request} is due {when} ({due}): decide")
        ).format(request=rid, when=when, due=on)
        out.append(_alert("due-soon", state, on, cal, as_of, message))
    if due.provisional:
        years = ", ".join(str(y) for y in sorted(due.unscheduled_years))
        message = _(
            "request {request}: due date {due} is provisional, there is no official schedule "
            "for {years}; record it (ledger calendar add {year} --file FILE)"
        ).format(request=rid, due=on, years=years, year=min(due.unscheduled_years))
        out.append(_alert("provisional", state, on, cal, as_of, message))
    return out


def _untouched(state: RequestState) -> bool:
    """Nothing recorded since receipt that shows the desk has worked on the request."""
    return not (
        state.clarifications
        or state.extensions
        or state.consultations
        or state.fees
        or state.deferred_until
    )


def _clarification_notice(
    state: RequestState, cal: WorkingCalendar, as_of: date, within: int
) -> list[Alert]:
    """The last day for a clarification notice is near (Art. 30; 2019 Regulation only)."""
    if not _untouched(state) or regime_for(state.received_on) != REGIME_2019:
        return []
    limit = add_working_days(state.received_on, CLARIFICATION_NOTICE_DAYS, cal)
    left = working_days_left(limit, as_of, cal)
    if as_of > limit or left > within:
        return []
    message = _(
        "request {request}: if it is unclear, the clarification notice must go out by "
        "{limit} (Art. 30); if it is clear, nothing to do"
    ).format(request=state.id, limit=limit)
    return [_alert("clarification-notice", state, limit, cal, as_of, message)]


def _consultations(state: RequestState, cal: WorkingCalendar, as_of: date) -> list[Alert]:
    """Consultations 15 working days past the letter's receipt without an opinion.

    Capped ones (a third party, Art. 32; a co-producing agency, Art. 34) have ended and
    the clock runs again: one alert per end day. Another agency's (Art. 33 para. 2) has no
    cap and still stops the clock: one alert each, so it is chased.
    """
    by_end: dict[date, list[str]] = {}
    out: list[Alert] = []
    for c in state.consultations:
        end = consultation_end(c.received, cal)
        if c.ended_on is not None or as_of <= end:
            continue
        if c.kind in CAPPED_CONSULTATIONS:
            by_end.setdefault(end, []).append(c.party)
            continue
        message = _(
            "request {request}: no opinion from agency {party} within 15 working days of "
            "{received} ({end}); the clock stays stopped until it arrives (Art. 33): "
            "chase it, or record it (ledger record consulted)"
        ).format(request=state.id, party=c.party, received=c.received, end=end)
        out.append(_alert("consultation-long", state, end, cal, as_of, message))
    joint = {c.party for c in state.consultations if c.kind == "joint-agency"}
    for end, parties in sorted(by_end.items()):
        message = (
            _(
                "request {request}: no opinion from {parties} within 15 working days "
                "(ended {end}); the clock runs again: decide without it or record the opinion "
                "(Art. 32); silence of a co-producing agency counts as consent (Art. 34)"
            )
            if joint & set(parties)
            else _(
                "request {request}: no opinion from {parties} within 15 working days "
                "(ended {end}); the clock runs again: decide without it or record the opinion "
                "(Art. 32)"
            )
        ).format(request=state.id, parties=", ".join(parties), end=end)
        out.append(_alert("consultation-expired", state, end, cal, as_of, message))
    return out


def _no_clarification(state: RequestState, cal: WorkingCalendar, as_of: date) -> list[Alert]:
    """The reply-by date passed without the corrected request (Art. 30)."""
    waiting = state.open_clarification
    if waiting is None or as_of <= waiting.reply_by:
        return []
    message = _(
        "request {request}: the corrected request was due by {reply_by} and has not "
        "arrived: record it (ledger record clarified) or close as other.no-clarification"
    ).format(request=state.id, reply_by=waiting.reply_by)
    return [_alert("no-clarification", state, waiting.reply_by, cal, as_of, message)]


def _fee_unpaid(state: RequestState, cal: WorkingCalendar, as_of: date) -> list[Alert]:
    """A fee notice unpaid 20 working days after its receipt (the fee measures)."""
    notice = state.unpaid_fee
    if notice is None:
        return []
    limit = fee_payment_due(notice, cal)
    if as_of <= limit:
        return []
    message = _(
        "request {request}: the fee notice of {notice_on} was not paid within 20 "
        "working days of its receipt ({limit}): record the payment or close as "
        "other.fee-unpaid"
    ).format(request=state.id, notice_on=notice.notice_on, limit=limit)
    return [_alert("fee-unpaid", state, limit, cal, as_of, message)]


# -- the whole agency ------------------------------------------------------------------


def _office_alerts(
    books: _Books, first: dict[str, int], cal: WorkingCalendar, as_of: date
) -> list[Alert]:
    """Years to close and the annual report, for each agency the log knows.

    An agency's duties start with the year it was registered or received its first
    request, whichever is earlier (``first``): before that, ledger did not keep its books.
    """
    out: list[Alert] = []
    for agency, since in sorted(first.items()):
        for year in range(since, as_of.year):
            if (agency, year) not in books.closed_years:
                out.append(_year_not_closed(agency, year, cal, as_of))
        report_year = as_of.year - 1
        if since <= report_year and (agency, report_year) not in books.signed_reports:
            level = books.levels.get(agency, "department")
            out.append(_annual_report(agency, report_year, level, cal, as_of))
    return out


def _year_not_closed(agency: str, year: int, cal: WorkingCalendar, as_of: date) -> Alert:
    end = date(year, 12, 31)
    message = _(
        "year {year} of {agency} has ended and is not closed: "
        "run ledger close-year {year} --agency {agency} to carry over its open requests"
    ).format(year=year, agency=agency)
    return Alert("year-not-closed", None, agency, end, working_days_left(end, as_of, cal), message)


def _annual_report(agency: str, year: int, level: str, cal: WorkingCalendar, as_of: date) -> Alert:
    due = date(year + 1, *ANNUAL_REPORT_DAY[level])
    message = _(
        "the {year} annual report of {agency} is due by {due} (Art. 49): publish it and "
        "record it (ledger record narrative {year} --file FILE --signed DATE)"
    ).format(year=year, agency=agency, due=due)
    return Alert("annual-report", None, agency, due, working_days_left(due, as_of, cal), message)
