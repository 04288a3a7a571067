"""The annual-report use cases: check a year's tables, or render the report in a format.

``ledger report`` parses its options into a :class:`ReportQuery`, calls one of these and
writes what they return; a web server or a script calls the same functions. The
formats are the renderer registry's (``ledger.report.render.FORMATS``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import TYPE_CHECKING

from ledger.commands.agencies import office_agency, registered, resolve_agency
from ledger.dates import shanghai_date
from ledger.errors import IntegrityFailure, InvalidInput
from ledger.i18n import _
from ledger.projections.agencies import agency_named
from ledger.projections.anchors import head
from ledger.projections.annual import Facts, ReportRequest, build_report, check, collect
from ledger.projections.yearly import year_facts
from ledger.report import checks
from ledger.report.model import AnnualReport

if TYPE_CHECKING:
    from ledger.bootstrap import App


ALL_AGENCIES = "all"
"""``--agency all``: a combined report of every agency in the log."""


@dataclass(frozen=True)
class ReportQuery:
    """Which report: the year, the agencies (none: the default agency; ``("all",)``:
    every agency in the log, combined), the edition (None: the year's own), the log as
    of a moment (None: now), with statistics."""

    year: int
    agencies: tuple[str, ...] = ()
    edition: str | None = None
    as_of: datetime | None = None
    with_stats: bool = True


def reference_day(app: App, query: ReportQuery) -> date:
    """The day the report speaks as of: ``--as-of`` (its Shanghai date), else today."""
    return shanghai_date(query.as_of) if query.as_of else app.today()


def report_agencies(app: App, requested: tuple[str, ...]) -> tuple[str, ...]:
    """The agencies a report covers (``()``: every agency in the log, combined).

    Without ``--agency`` the default agency (docs/agencies.md); books with no registered
    agency hold only the one they always had, and are reported whole. A combined report
    is asked for with ``all``.
    """
    if ALL_AGENCIES in requested:
        if len(requested) > 1:
            raise InvalidInput(_("--agency: 'all' combines every agency; give it alone"))
        return ()
    if requested or not registered(app.store):
        return requested
    try:
        return (resolve_agency(app.store, None, app.config.agency),)
    except InvalidInput as refused:
        raise InvalidInput(
            _("{why}; --agency all combines them").format(why=refused.message)
        ) from None


def report_facts(app: App, query: ReportQuery, first: int | None = None) -> Facts:
    """The log's facts as of the query's moment, for the years ``first`` (default the
    query's) to the query's; refuses a year that has not begun and an agency with nothing
    in the log.

    As the books stand now, the requests are read from the request table, only those that
    touch those years (``projections/yearly.py``); as of an earlier moment, the log is
    replayed up to it (and so when this role cannot bring the table up to date)."""
    checks.check_year(query.year, reference_day(app, query))
    facts = None
    if query.as_of is None:
        scope = frozenset(query.agencies) or None
        facts = year_facts(app.store, query.year if first is None else first, query.year, scope)
    if facts is None:
        facts = collect(app.store, query.as_of)
    unknown = sorted(set(query.agencies) - facts.agencies())
    if unknown:
        known = ", ".join(sorted(facts.agencies())) or "none yet"
        raise InvalidInput(
            _("--agency: {unknown!r} has nothing in the log; agencies: {known}").format(
                unknown=unknown[0], known=known
            )
        )
    return facts


def check_report(app: App, query: ReportQuery) -> str:
    """Check that the tables reconcile and agree with the recorded carry-overs; the line to
    print, or IntegrityFailure saying where they do not."""
    query = replace(query, agencies=report_agencies(app, query.agencies))
    facts = report_facts(app, query, first=query.year - 1)
    problems = check(facts, query.year, frozenset(query.agencies) or None)
    included = sorted(query.agencies or facts.agencies())
    title = (
        _("report {year} ({agencies})").format(year=query.year, agencies=", ".join(included))
        if len(included) > 1
        else _("report {year}").format(year=query.year)
    )
    if problems:
        raise IntegrityFailure(
            _("{title}: {problems}").format(title=title, problems="; ".join(problems))
        )
    return _("{title}: tables reconcile and agree with the recorded carry-overs").format(
        title=title
    )


def annual_report(app: App, query: ReportQuery) -> AnnualReport:
    """The report as data (tables 2, 3, 4, the narrative and the statistics)."""
    query = replace(query, agencies=report_agencies(app, query.agencies))
    facts = report_facts(app, query)
    name, labels = agency_title(app, facts, query.agencies)
    request = ReportRequest(
        query.year,
        frozenset(query.agencies) or None,
        query.edition,
        name,
        labels,
        query.as_of,
        query.with_stats,
    )
    report = build_report(facts, request)
    if query.as_of is None:
        return report
    found = head(app.store, query.as_of)
    return replace(report, log_head=found.line() if found is not None else None)


@dataclass(frozen=True)
class RenderedReport:
    """A rendered report and the warnings to show before anyone publishes it."""

    content: bytes | str
    warnings: tuple[str, ...]


def render_report(app: App, query: ReportQuery, fmt: str) -> RenderedReport:
    """The report in a registered format (str for text, md, csv, html; bytes for the
    others), with warnings for a year not yet ended or empty narrative sections."""
    from ledger.report.render import render

    report = annual_report(app, query)
    said = tuple(checks.warnings(report, reference_day(app, query)))
    return RenderedReport(render(report, fmt), said)


def agency_title(app: App, facts: Facts, agencies: tuple[str, ...]) -> tuple[str, dict[str, str]]:
    """The name and local labels on the report: configured, else recorded, else the code.

    With several agencies (or none named), the office's agency is the issuer: the
    government that collects its departments' figures (``office_agency``).
    """
    if len(agencies) == 1:
        code = agencies[0]
    elif not agencies and len(facts.agencies()) == 1:
        code = next(iter(facts.agencies()))
    else:
        code = office_agency(app.store, app.config.agency)
    return agency_named(code, app.config.agencies, facts.agency_names)
