"""The annual-report use cases: check a year's tables, or render the report in a format.

``ledger report`` parses its options into a :class:`ReportQuery`, calls one of these and
writes what they return; a web server or a script calls the same functions. The
formats are the renderer registry's (``ledger.report.render.FORMATS``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from ledger.dates import shanghai_date
from ledger.errors import IntegrityFailure, InvalidInput
from ledger.projections.agencies import agency_named
from ledger.projections.annual import Facts, ReportRequest, build_report, check, collect
from ledger.report import checks
from ledger.report.model import AnnualReport

if TYPE_CHECKING:
    from ledger.bootstrap import App
    from ledger.config import Config


@dataclass(frozen=True)
class ReportQuery:
    """Which report: the year, the agencies combined (none: every agency in the log), the
    edition (None: the year's own), the log as of a moment (None: now), with statistics."""

    year: int
    agencies: tuple[str, ...] = ()
    edition: str | None = None
    as_of: datetime | None = None
    with_stats: bool = True


def reference_day(app: App, query: ReportQuery) -> date:
    """The day the report speaks as of: ``--as-of`` (its Shanghai date), else today."""
    return shanghai_date(query.as_of) if query.as_of else app.today()


def report_facts(app: App, query: ReportQuery) -> Facts:
    """The log's facts as of the query's moment; refuses a year that has not begun and an
    agency with nothing in the log."""
    checks.check_year(query.year, reference_day(app, query))
    facts = collect(app.store, query.as_of)
    unknown = sorted(set(query.agencies) - facts.agencies())
    if unknown:
        known = ", ".join(sorted(facts.agencies())) or "none yet"
        raise InvalidInput(f"--agency: {unknown[0]!r} has nothing in the log; agencies: {known}")
    return facts


def check_report(app: App, query: ReportQuery) -> str:
    """Check that the tables reconcile and agree with the recorded carry-overs; the line to
    print, or IntegrityFailure saying where they do not."""
    facts = report_facts(app, query)
    problems = check(facts, query.year, frozenset(query.agencies) or None)
    if problems:
        raise IntegrityFailure(f"report {query.year}: " + "; ".join(problems))
    return f"report {query.year}: tables reconcile and agree with the recorded carry-overs"


def annual_report(app: App, query: ReportQuery) -> AnnualReport:
    """The report as data (tables 2, 3, 4, the narrative and the statistics)."""
    facts = report_facts(app, query)
    name, labels = agency_title(app.config, facts, query.agencies)
    request = ReportRequest(
        query.year,
        frozenset(query.agencies) or None,
        query.edition,
        name,
        labels,
        query.as_of,
        query.with_stats,
    )
    return build_report(facts, request)


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


def agency_title(
    config: Config, facts: Facts, agencies: tuple[str, ...]
) -> tuple[str, dict[str, str]]:
    """The name and local labels on the report: configured, else recorded, else the code.

    With several agencies (or none named), the configured default agency is the issuer:
    the government office that collects its departments' figures.
    """
    if len(agencies) == 1:
        code = agencies[0]
    elif not agencies and len(facts.agencies()) == 1:
        code = next(iter(facts.agencies()))
    else:
        code = config.agency
    return agency_named(code, config.agencies, facts.agency_names)
