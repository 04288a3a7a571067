"""`ledger show` and `ledger list`: what the desk and the office head look at."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import click

from ledger.cli._common import app_of, common_options
from ledger.cli._desk import date_option, id_argument
from ledger.cli._types import YEAR, Count
from ledger.events import codec
from ledger.projections.queries import RequestFilter, list_requests, show_request
from ledger.projections.views import summary
from ledger.textwidth import table


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
        click.echo("\nHow the due date was computed:")
        click.echo("\n".join(shown.explain))


def _text(data: dict[str, Any]) -> str:
    """A request for a person: the facts, then the timeline."""
    due = data["due_date"] or "clock stopped"
    if data["provisional"]:
        due = f"{due} (provisional: a year without an official schedule)"
    lines = [
        f"request   {data['id']}  ({data['agency']})",
        f"status    {data['status']}",
        f"received  {data['received_on']}  via {data['channel']}, applicant {data['applicant']}",
        f"due       {due}  ({data['regime']} Regulation, {data['days_allowed']} working days)",
    ]
    if data["outcome"]:
        late = "  LATE" if data["late"] else ""
        lines.append(f"decided   {data['decided_on']}: {data['outcome']}{late}")
    else:
        stopped = " when the clock stopped" if data["status"] == "paused" else ""
        lines.append(f"left      {data['working_days_left']} working days{stopped}")
    lines += [f"flag      {flag}" for flag in data["flags"]]
    lines.append("timeline:")
    for e in data["events"]:
        entry = f"  {e['date']}  #{e['position']:<6} {e['actor']:<10} "
        lines.append(entry + summary(e["type"], e["data"]) + _late(e))
    return "\n".join(lines)


def _late(entry: dict[str, Any]) -> str:
    """The mark of a fact recorded well after its date (Asia/Shanghai days), and why."""
    if not entry.get("days_late"):
        return ""
    why = entry["data"].get("backdated")
    return f"  [recorded {entry['days_late']} days after its date" + (f": {why}]" if why else "]")


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
) -> None:
    """List requests, most urgent first, with filters.

    \b
    Examples:
      ledger list --open
      ledger list --overdue --format csv
      ledger list --due-within 5 --agency default
    """
    wanted = RequestFilter(only_open, overdue, due_within, received_in, agency)
    rows = list_requests(app_of(ctx), wanted, as_of)
    click.echo(_render_list([r.as_dict() for r in rows], fmt))


COLUMNS = ("id", "agency", "status", "channel", "applicant", "received_on", "due_date",
           "provisional", "working_days_left", "outcome", "decided_on", "late",
           "recorded_late")  # fmt: skip


def _render_list(rows: list[dict[str, object]], fmt: str) -> str:
    if fmt == "json":
        return codec.dumps(rows)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, COLUMNS, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return out.getvalue().rstrip("\n")
    if not rows:
        return "no requests match"
    body = [["" if r[c] is None else str(r[c]) for c in COLUMNS] for r in rows]
    return table(COLUMNS, body, right=frozenset({8}))
