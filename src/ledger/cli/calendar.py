"""`ledger calendar …`: the official working-day schedule and the desk's due-date calculator."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from ledger.calendar import package_coverage, package_version
from ledger.cli._common import app_of, command_id_option, common_options
from ledger.cli._desk import date_option, office_of
from ledger.cli._types import YEAR, Count
from ledger.commands.calendar import record_schedule_file
from ledger.dates import weekday_name
from ledger.helptext import help_values
from ledger.i18n import _
from ledger.projections.calendar import due_from, year_schedule


def _package_years() -> str:
    """The years the installed chinesecalendar holds, as help and ``show`` print them."""
    first, last = package_coverage()
    return f"{first}–{last}"


@click.group(
    help="The official working-day schedule (chinesecalendar for {years}, "
    "recorded years after).\n\n\b\nExamples:\n  ledger calendar show 2026\n"
    "  ledger calendar due --from 2026-09-28"
)
def calendar() -> None:
    """The group of calendar commands; its help names the years the installed package holds."""


help_values(calendar, years=_package_years())


@calendar.command()
@click.argument("year", type=YEAR)
@click.option(
    "--file",
    "file",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="TOML or CSV file with the year's holidays and make-up working days.",
)
@command_id_option
@common_options
@click.pass_context
def add(ctx: click.Context, year: int, file: Path) -> None:
    """Record a year's official schedule; provisional deadlines in it are recomputed.

    The file format is documented in docs/calendar-2027.example.toml.

    Example: ledger calendar add 2027 --file 2027.toml
    """
    result = record_schedule_file(office_of(ctx), year, file)
    click.echo(
        _(
            "recorded the {year} schedule: {holidays} holidays, {workdays} make-up working days; "
            "{count} deadlines recomputed"
        ).format(
            year=year,
            holidays=result.holidays,
            workdays=result.workdays,
            count=len(result.recomputed),
        )
    )
    for request_id, due in result.recomputed:
        click.echo("  " + _("{request_id}: due {due}").format(request_id=request_id, due=due))


@calendar.command("show")
@click.argument("year", type=YEAR)
@common_options
@click.pass_context
def show_(ctx: click.Context, year: int) -> None:
    """Print a year's holidays and make-up working days, and where the schedule comes from.

    The first line names the years the installed chinesecalendar package holds; other
    years need `ledger calendar add`.

    Example: ledger calendar show 2020
    """
    shown = year_schedule(app_of(ctx).store, year)
    click.echo(
        _("chinesecalendar {package_version} holds {package_years}").format(
            package_version=package_version(), package_years=_package_years()
        )
    )
    if shown.schedule is None:
        click.echo(
            _(
                "{year}: no official schedule; deadlines in {year} count weekends and the "
                "statutory holidays below, make-up working days unknown, and are provisional (add "
                "the schedule with `ledger calendar add`)"
            ).format(year=year)
        )
        click.echo(_("statutory holidays (provisional):"))
        for day, name in shown.provisional_holidays.items():
            click.echo(f"  {day} {weekday_name(day)}  {name}")
        return
    click.echo(
        _("{year} official schedule ({source})").format(
            year=year, source=_(shown.source) if shown.source else ""
        )
    )
    click.echo(_("holidays:"))
    for day, name in sorted(shown.schedule.holidays.items()):
        click.echo(f"  {day} {weekday_name(day)}  {name}")
    click.echo(_("make-up working days:"))
    for day in sorted(shown.schedule.workdays):
        click.echo(f"  {day} {weekday_name(day)}")


@calendar.command()
@date_option("--from", "start", help="Day of receipt (default today).")
@click.option(
    "--days",
    type=Count(1, 1000),
    help="Working days to count (default: 20, or 15 before 2019-05-15).",
)
@click.option("--explain", is_flag=True, help="List every day counted or skipped.")
@common_options
@click.pass_context
def due(ctx: click.Context, start: date | None, days: int | None, explain: bool) -> None:
    """When is it due if received on --from? The clock without a request.

    \b
    Examples:
      ledger calendar due --from 2020-01-21          # 2020-02-26
      ledger calendar due --from 2020-03-02 --days 30 --explain
    """
    app = app_of(ctx)
    answer = due_from(app.store, start or app.today(), days, explain)
    line = _("received {received}: working day {days} is {due}").format(
        received=answer.received, days=answer.days, due=answer.due
    )
    if answer.unscheduled:
        years = ", ".join(map(str, answer.unscheduled))
        note = _("provisional: no official schedule for {years}").format(years=years)
        line = _("{text} ({note})").format(text=line, note=note)
    click.echo(line)
    for step in answer.explain:
        click.echo(step)
