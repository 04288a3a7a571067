"""`ledger alerts`, `ledger remind`, `ledger scheduler`: what is due, and telling people."""

from __future__ import annotations

from collections import Counter
from datetime import date

import click

from ledger import scheduler as nightly
from ledger.cli._common import State, app_of, common_options
from ledger.cli._desk import date_option
from ledger.errors import InvalidInput
from ledger.events import codec
from ledger.i18n import _
from ledger.projections.alerts import Alert, kind_name
from ledger.projections.queries import current_alerts
from ledger.remind import SCHEDULER_ACTOR, RunResult, remind
from ledger.textwidth import choose_columns, table, terminal_columns, width, wrap


@click.command()
@date_option("--as-of", help="Judge as of this day (default today, Asia/Shanghai).")
@click.option(
    "--within",
    type=click.IntRange(0, 60),
    help="Warn this many working days ahead (default: [scheduler] within in the "
    "configuration file, docs/configuration.md).",
)
@click.option("--agency", help="Only this agency's alerts.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text: a table for people; json: for programs (kinds and fields in English).",
)
@common_options
@click.pass_context
def alerts(
    ctx: click.Context, as_of: date | None, within: int | None, agency: str | None, fmt: str
) -> None:
    """List what needs someone's action, most urgent first.

    Overdue and soon-due requests, the 7-day limit for a clarification notice, lapsed
    reply-by dates, consultations and fees, provisional due dates, years to close and
    the annual report. Most overdue first, then fewest working days left. The kinds are
    described in docs/alerts.md.

    \b
    Examples:
      ledger alerts
      ledger alerts --within 5 --agency default
      ledger alerts --as-of 2024-05-06 --format json
    """
    found = current_alerts(app_of(ctx), as_of, within, agency)
    if fmt == "json":
        click.echo(codec.dumps([a.as_dict() for a in found.alerts]))
    elif not found.alerts:
        click.echo(_("no alerts as of {day}").format(day=found.as_of))
    else:
        click.echo(alert_table(found.alerts))


INDENT = 6
"""Where a wrapped message starts: under the kind, past the days column."""


def alert_table(found: list[Alert], columns: int | None = None) -> str:
    """Alerts for a terminal (``columns`` wide, default the terminal's): days left
    (negative: late), kind, request, agency, date and message on one line each when that
    fits; else each alert's message wrapped under its line, so that nothing is cut."""
    columns = terminal_columns() if columns is None else columns
    headers = (_("days"), _("kind"), _("request"), _("agency"), _("date"), _("message"))
    rows = [
        [
            str(a.working_days),
            kind_name(a.kind),
            a.request or "-",
            a.agency,
            a.date.isoformat(),
            a.message,
        ]
        for a in found
    ]
    right = frozenset({0})
    one_line = table(headers, rows, right)
    if max(width(line) for line in one_line.splitlines()) <= columns:
        return one_line
    widths = [max(width(r[i]) for r in [list(headers), *rows]) for i in range(5)]
    kept = choose_columns(widths, columns, (0, 1, 2, 4, 3))
    lines = table([headers[i] for i in kept], [[r[i] for i in kept] for r in rows], right)
    head, *facts = lines.splitlines()
    out = [head]
    for fact, row in zip(facts, rows, strict=True):
        out.append(fact)
        out += [" " * INDENT + part for part in wrap(row[5], columns - INDENT)]
    return "\n".join(out)


@click.command("remind")
@date_option("--as-of", help="Run as of this day (default today, Asia/Shanghai).")
@click.option("--dry-run", is_flag=True, help="Show what would be sent and closed; record nothing.")
@click.option("--agency", help="Only this agency's alerts (default: [scheduler] agency, or all).")
@common_options
@click.pass_context
def remind_(ctx: click.Context, as_of: date | None, dry_run: bool, agency: str | None) -> None:
    """Deliver each alert once through every notifier, and record what was sent.

    A reminder already recorded as sent through a notifier for the same request, kind
    and date is not sent again, so running twice or after days of downtime repeats
    nothing; a moved due date makes a new reminder due. Failed deliveries are recorded
    and retried on the next run; the exit status is then 1. One run delivers at a
    time: a second one sends nothing and exits 1. A run killed mid-delivery makes the
    next run re-send at most that one message, marked as a possible repeat. With
    [scheduler] close_lapsed / close_year = true it first records the closures the
    Regulation allows (actor "scheduler" unless --actor is given). Notifiers and
    the once-only guarantee: docs/notifiers.md, docs/reliability.md.

    \b
    Examples:
      ledger remind --dry-run
      ledger remind
      ledger --config /etc/ledger.toml remind --as-of 2024-05-06
    """
    app = app_of(ctx)
    actor = ctx.ensure_object(State).actor or SCHEDULER_ACTOR
    result = remind(app, as_of, dry_run=dry_run, agency=agency, actor=actor)
    click.echo(_run_text(result))
    if result.failed:
        ctx.exit(1)


def _run_text(result: RunResult) -> str:
    """One line for the run, one per notifier, one per closure and failure reason."""
    closed = _("  would record: {closure}") if result.dry_run else _("  recorded: {closure}")
    sent_text = (
        _("  would send {count} via {notifier}")
        if result.dry_run
        else _("  sent {count} via {notifier}")
    )
    lines = [_("as of {day}: {count} alerts").format(day=result.as_of, count=len(result.alerts))]
    lines += [closed.format(closure=c) for c in result.closed]
    sent = Counter(d.notifier for d in result.sent)
    lines += [sent_text.format(count=count, notifier=name) for name, count in sent.items()]
    reasons = {d.notifier: d.error for d in result.failed}
    failed = Counter(d.notifier for d in result.failed)
    lines += [
        _("  failed {count} via {notifier} (retried next run): {reason}").format(
            count=count, notifier=name, reason=reasons[name]
        )
        for name, count in failed.items()
    ]
    if not result.deliveries:
        lines.append(_("  nothing new to send"))
    return "\n".join(lines)


@click.command("scheduler")
@click.option(
    "--interval",
    type=click.IntRange(min=1),
    metavar="SECONDS",
    help="For testing and training: run every SECONDS from the start instead of nightly.",
)
@click.option("--once", is_flag=True, help="Run the nightly work once now and exit (for cron).")
@click.option("--agency", help="Only this agency's alerts (default: [scheduler] agency, or all).")
@common_options
@click.pass_context
def scheduler(ctx: click.Context, interval: int | None, once: bool, agency: str | None) -> None:
    """Run the nightly work (`ledger remind`) every day at [scheduler] time, Asia/Shanghai.

    Runs at 02:00 unless the config file says otherwise, catches up once on start if
    the last scheduled run was missed, and stops cleanly on SIGTERM or Ctrl-C. Several
    schedulers may share one PostgreSQL database: an advisory lock lets one do the work.
    See docs/alerts.md.

    \b
    Examples:
      ledger scheduler
      ledger scheduler --once
      ledger scheduler --interval 5      # testing and training only
    \b
    Config file:
      [scheduler]
      time = "02:00"
      close_lapsed = false
      close_year = false
    """
    if once and interval is not None:
        raise InvalidInput(_("scheduler: --once and --interval exclude each other; choose one"))
    app = app_of(ctx)
    actor = ctx.ensure_object(State).actor or SCHEDULER_ACTOR
    if once:
        result = nightly.run_once(app, agency, actor)
        if result is not None and result.failed:
            ctx.exit(1)
        return
    ctx.exit(nightly.serve(app, interval=interval, agency=agency, actor=actor))
