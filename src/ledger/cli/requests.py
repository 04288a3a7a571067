"""`ledger show`, `ledger list` and `ledger find`: what the desk and the office head look at."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import click

from ledger.cli._common import F, app_of, common_options
from ledger.cli._desk import date_option, id_argument
from ledger.cli._types import YEAR, Count
from ledger.codes import APPLICANTS, CHANNELS, OUTCOMES
from ledger.events import codec
from ledger.i18n import N_, _
from ledger.projections.queries import (
    RequestFilter,
    find_requests,
    list_requests,
    show_request,
)
from ledger.projections.views import status_name, summary
from ledger.textwidth import fit_table, terminal_columns, width


def wide_option(func: F) -> F:
    """Add --wide: every column of the text table, nothing cut (the terminal may wrap)."""
    return click.option(
        "--wide", is_flag=True, help="Show every column, whatever the terminal's width."
    )(func)


@click.command()
@id_argument()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.option("--explain", is_flag=True, help="Show how the due date was computed, day by day.")
@date_option("--as-of", help="Count working days left as of this day (default today).")
@common_options
@click.pass_context
def show(ctx: click.Context, request_id: str, fmt: str, explain: bool, as_of: date | None) -> None:
    """Show one request: status, due date, working days left and its timeline.

    \b
    Examples:
      ledger show default-2020-0001
      ledger show default-2020-0001 --explain
      ledger show default-2020-0001 --format json
    """
    shown = show_request(app_of(ctx), request_id, as_of, explain)
    if fmt == "json":
        click.echo(codec.dumps(shown.as_dict(with_explain=explain)))
        return
    click.echo(_text(shown.as_dict()))
    if explain:
        click.echo("\n" + _("How the due date was computed:"))
        click.echo("\n".join(shown.explain))


def _line(label: str, value: str) -> str:
    """One fact of ``ledger show``: its label padded to 10 columns (a Chinese character is 2)."""
    return label + " " * max(1, 10 - width(label)) + value


def _text(data: dict[str, Any]) -> str:
    """A request for a person: the facts, then the timeline."""
    due = data["due_date"] or _("clock stopped")
    if data["provisional"]:
        due = _("{due} (provisional: a year without an official schedule)").format(due=due)
    received = _("{day}  via {channel}, applicant {applicant}").format(
        day=data["received_on"],
        channel=CHANNELS.shown(data["channel"]),
        applicant=APPLICANTS.shown(data["applicant"]),
    )
    regime = _("{due}  ({regime} Regulation, {days} working days)").format(
        due=due, regime=data["regime"], days=data["days_allowed"]
    )
    lines = [
        _line(_("request"), f"{data['id']}  ({data['agency']})"),
        _line(_("status"), status_name(data["status"])),
        _line(_("received"), received),
        _line(_("subject"), data["subject"] or "-"),
        _line(_("due"), regime),
    ]
    if data["outcome"]:
        outcome = OUTCOMES.shown(data["outcome"])
        late = "  " + _("LATE") if data["late"] else ""
        lines.append(_line(_("decided"), f"{data['decided_on']}: {outcome}{late}"))
    else:
        left = (
            _("{n} working days when the clock stopped")
            if data["status"] == "paused"
            else _("{n} working days")
        )
        lines.append(_line(_("left"), left.format(n=data["working_days_left"])))
    lines += [_line(_("flag"), flag) for flag in data["flags"]]
    lines.append(_("timeline:"))
    for e in data["events"]:
        entry = f"  {e['date']}  #{e['position']:<6} {e['actor']:<10} "
        note = f"  [{e['note']}]" if e.get("note") else ""
        lines.append(entry + summary(e["type"], e["data"]) + note + _late(e))
    return "\n".join(lines)


def _late(entry: dict[str, Any]) -> str:
    """The mark of a fact recorded well after its date (Asia/Shanghai days), and why."""
    if not entry.get("days_late"):
        return ""
    why = entry["data"].get("backdated")
    if why:
        return "  " + _("[recorded {days} days after its date: {why}]").format(
            days=entry["days_late"], why=why
        )
    return "  " + _("[recorded {days} days after its date]").format(days=entry["days_late"])


@click.command("list")
@click.option("--open", "only_open", is_flag=True, help="Only requests not yet closed.")
@click.option("--overdue", is_flag=True, help="Only requests past their due date, undecided.")
@click.option(
    "--due-within",
    type=Count(0, 1000),
    help="Only open requests due within N working days (overdue ones included).",
)
@click.option("--received-in", type=YEAR, help="Only requests received in this year.")
@click.option("--agency", help="Only this agency's requests.")
@date_option("--as-of", help="Judge overdue and days left as of this day.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "csv"]), default="text")
@wide_option
@common_options
@click.pass_context
def list_(
    ctx: click.Context,
    only_open: bool,
    overdue: bool,
    due_within: int | None,
    received_in: int | None,
    agency: str | None,
    as_of: date | None,
    fmt: str,
    wide: bool,
) -> None:
    """List requests, most urgent first, with filters.

    The text table shows the columns that fit the terminal (the subject cut to fit);
    --wide shows them all, and CSV and JSON always carry every column.

    \b
    Examples:
      ledger list --open
      ledger list --overdue --format csv
      ledger list --due-within 5 --agency default
      ledger list --wide
    """
    wanted = RequestFilter(only_open, overdue, due_within, received_in, agency)
    rows = list_requests(app_of(ctx), wanted, as_of)
    click.echo(_render_list([r.as_dict() for r in rows], fmt, None if wide else terminal_columns()))


@click.command(short_help="Find requests by id, subject or, with --personal, the applicant.")
@click.argument("text")
@click.option(
    "--personal",
    is_flag=True,
    help="Also match applicants' names, phone numbers and the last 4-6 characters of their "
    "identity numbers (for users allowed to see personal data).",
)
@date_option("--as-of", help="Judge status and days left as of this day.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "csv"]), default="text")
@wide_option
@common_options
@click.pass_context
def find(
    ctx: click.Context, text: str, personal: bool, as_of: date | None, fmt: str, wide: bool
) -> None:
    """Find requests by id, subject or, with --personal, the applicant.

    A request is found when its id or subject contains TEXT (Latin letters in any case)
    or, with --personal, when its applicant's name contains TEXT, their phone number
    contains its digits (spaces and dashes ignored) or their identity number ends with
    it (4-6 characters). Personal data is searched in the applicants table only, so an
    erased applicant is found by nothing personal. Give --personal only to users allowed
    to see applicants' data.

    \b
    Examples:
      ledger find 2021-0005
      ledger find 学区
      ledger find 张三 --personal
      ledger find "138 0000 1234" --personal
    """
    found = find_requests(app_of(ctx), text, personal=personal, as_of=as_of)
    rows = [f.as_dict() for f in found]
    if fmt == "text" and not rows:
        click.echo(_("no request matches {text!r}").format(text=text))
        return
    click.echo(
        _render_list(rows, fmt, None if wide else terminal_columns(), FIND_COLUMNS, FIND_PRIORITY)
    )


COLUMNS = ("id", "agency", "status", "channel", "applicant", "received_on", "due_date",
           "provisional", "working_days_left", "outcome", "decided_on", "late",
           "subject", "recorded_late")  # fmt: skip
"""Every column of a request row, in the order CSV and a --wide table give them."""
HEADERS = (N_("id"), N_("agency"), N_("status"), N_("channel"), N_("applicant"),
           N_("received"), N_("due"), N_("provisional"), N_("left"), N_("outcome"),
           N_("decided"), N_("late"), N_("subject"), N_("recorded_late"))  # fmt: skip
"""The text table's headers for ``COLUMNS`` (translated when printed)."""
PRIORITY = ("id", "status", "due_date", "subject", "working_days_left", "received_on", "agency",
            "outcome", "decided_on", "applicant", "channel", "late", "provisional",
            "recorded_late")  # fmt: skip
"""Which columns a narrow terminal keeps first (the subject is then cut to fit)."""
FIND_PRIORITY = ("id", "agency", "status", "received_on", "due_date", "subject",
                 "working_days_left", "outcome", "decided_on", "applicant", "channel", "late",
                 "provisional", "recorded_late")  # fmt: skip
"""``ledger find`` keeps first what the person asking needs to hear about their request."""
FIND_COLUMNS = (*COLUMNS, "matched")
"""``ledger find`` adds what matched: id, subject or applicant."""


def _render_list(
    rows: list[dict[str, object]],
    fmt: str,
    columns: int | None,
    keys: tuple[str, ...] = COLUMNS,
    first: tuple[str, ...] = PRIORITY,
) -> str:
    """Rows as JSON, CSV (every column) or a table fitted to ``columns`` (None: all)."""
    if fmt == "json":
        return codec.dumps(rows)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, keys, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        flat = ({k: " ".join(v) if isinstance(v, list) else v for k, v in r.items()} for r in rows)
        writer.writerows(flat)
        return out.getvalue().rstrip("\n")
    if not rows:
        return _("no requests match")
    body = [[_cell(r, c) for c in COLUMNS] for r in rows]
    priority = [COLUMNS.index(c) for c in first]
    left, subject = COLUMNS.index("working_days_left"), COLUMNS.index("subject")
    headers = [_(h) for h in HEADERS]
    return fit_table(headers, body, columns, priority, subject, right=frozenset({left}))


def _cell(row: dict[str, object], column: str) -> str:
    """A value as the text table shows it: the status in the reader's language (CSV and
    JSON keep the code)."""
    value = row[column]
    if value is None:
        return ""
    return status_name(str(value)) if column == "status" else str(value)
