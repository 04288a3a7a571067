"""年度报告: a year's report as HTML, its check, the docx and xlsx files, the year close.

The same use cases as ``ledger report`` (``projections/reports.py``) and ``ledger
close-year`` (``commands/years.py``). A user reports the agencies they serve; the
combined report of every agency (``all``) is for users who serve them all.
"""

from __future__ import annotations

from starlette.responses import RedirectResponse, Response

from ledger import accounts
from ledger.commands.years import close_year
from ledger.errors import IntegrityFailure, InvalidInput, LedgerError, NotFound
from ledger.i18n import _
from ledger.projections.reports import ALL_AGENCIES, ReportQuery, check_report, render_report
from ledger.web.pages import agency_names, my_agencies
from ledger.web.site import Visit, page

DOWNLOADS = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
"""The files a report page offers, by format."""


def _year(visit: Visit, text: str) -> int:
    """The year asked for (default: last year, the one being reported in January)."""
    if not text:
        return visit.web.ledger.today().year - 1
    if not text.isdigit() or not 1990 <= int(text) <= 2100:
        raise InvalidInput(_("year: {value!r} is not a year; use YYYY").format(value=text))
    return int(text)


def _agency(visit: Visit, text: str) -> str:
    """The agency to report (or ``all``), one the user serves."""
    mine = my_agencies(visit)
    chosen = text or (mine[0] if len(mine) == 1 or not visit.user.every_agency else "")
    if not chosen:
        chosen = ALL_AGENCIES if visit.user.every_agency else ""
    if chosen == ALL_AGENCIES and visit.user.every_agency:
        return chosen
    if chosen and visit.user.serves(chosen):
        return chosen
    raise NotFound(_("no such page"))


def _query(visit: Visit, year: int, agency: str) -> ReportQuery:
    return ReportQuery(year, (agency,))


@page()
def report_page(visit: Visit) -> Response:
    """The report of a year as HTML, whether it reconciles, the downloads, the close."""
    year = _year(visit, visit.param("year"))
    agency = _agency(visit, visit.param("agency"))
    query = _query(visit, year, agency)
    try:
        checked, ok = check_report(visit.ledger, query), True
    except IntegrityFailure as failed:
        checked, ok = failed.message, False
    rendered = render_report(visit.ledger, query, "html")
    html = rendered.content if isinstance(rendered.content, str) else rendered.content.decode()
    return visit.render(
        "report.html", year=year, agency=agency, checked=checked, ok=ok,
        warnings=rendered.warnings, report_html=_body(html), agencies=my_agencies(visit),
        names=agency_names(visit), combined=visit.user.every_agency,
        may_close=visit.user.may(accounts.APPROVE) and agency != ALL_AGENCIES,
        years=range(visit.web.ledger.today().year, 2007, -1),
    )  # fmt: skip


def _body(html: str) -> str:
    """The report's own HTML document, cut to what goes inside the page (its body)."""
    start = html.find("<body")
    end = html.rfind("</body>")
    if start < 0 or end < 0:
        return html
    return html[html.index(">", start) + 1 : end]


@page()
def report_file(visit: Visit) -> Response:
    """The report as a docx or xlsx file, for the agency asked (one the user serves)."""
    fmt = visit.request.path_params["fmt"]
    if fmt not in DOWNLOADS:
        raise NotFound(_("no such page"))
    year = _year(visit, visit.request.path_params["year"])
    agency = _agency(visit, visit.param("agency"))
    rendered = render_report(visit.ledger, _query(visit, year, agency), fmt)
    content = rendered.content if isinstance(rendered.content, bytes) else rendered.content.encode()
    name = f"report-{year}-{agency}.{fmt}"
    return Response(content, media_type=DOWNLOADS[fmt],
                    headers={"content-disposition": f'attachment; filename="{name}"'})  # fmt: skip


@page(accounts.APPROVE)
def close(visit: Visit) -> Response:
    """Close a year for an agency, once the confirmation box is ticked."""
    year = _year(visit, visit.request.path_params["year"])
    agency = _agency(visit, visit.form.get("agency", ""))
    back = f"/reports?year={year}&agency={agency}"
    if visit.form.get("confirm") != "yes":
        visit.flash(_("tick the box to confirm closing {year}").format(year=year))
        return RedirectResponse(back, 303)
    desk = visit.ledger.desk(agency, actor=visit.user.username,
                             command_id=visit.form.get("command_id") or None)  # fmt: skip
    try:
        result = close_year(desk, year, desk.agency)
    except LedgerError as refused:
        visit.flash(refused.message)
        return RedirectResponse(back, 303)
    if result.already_closed:
        line = _("{year} ({agency}) was already closed; nothing added")
    else:
        line = _("closed {year} ({agency}): {count} requests carried over")
    visit.flash(line.format(year=year, agency=result.agency, count=len(result.carried_over)))
    return RedirectResponse(back, 303)
