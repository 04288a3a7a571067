"""``ledger import`` by kind of file, and ``ledger export``: the register and the log."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from ledger.cli._common import app_of, common_options
from ledger.cli._desk import desk_of
from ledger.errors import InvalidInput
from ledger.i18n import N_, _
from ledger.register.load import Progress, Tally


def import_any(
    ctx: click.Context,
    file: Path | None,
    agency: str | None,
    *,
    dry_run: bool,
    skip_bad: Path | None,
    template: Path | None,
) -> None:
    """Dispatch ``ledger import`` on the file: a template, a register, or JSON lines."""
    from ledger.register.read import is_register

    if template is not None:
        from ledger.register.template import write_template

        write_template(template)
        click.echo(_("wrote the register template {file}").format(file=template))
        return
    if file is None:
        raise click.UsageError(_("give FILE to import, or --template FILE"))
    if is_register(file):
        _import_register(ctx, file, agency, dry_run=dry_run, skip_bad=skip_bad)
        return
    if skip_bad is not None:
        raise InvalidInput(_("--skip-bad: for a register (.xlsx or .csv) only"))
    from ledger.backup import is_events_export

    if file.suffix.lower() == ".jsonl" and is_events_export(file):
        from ledger.backup import restore

        done = restore(app_of(ctx, create=True).store, file)
        restored = _("restored {events} events exactly (chain head {head}…)")
        click.echo(restored.format(events=done.events, head=done.head[:16]))
        verified = _("{verified} events verified; the hash chain is intact")
        click.echo(verified.format(verified=done.verification.verified))
        return
    from ledger.commands.imports import import_file

    result = import_file(desk_of(ctx, agency), file, dry_run=dry_run)
    years = ", ".join(str(y) for y in sorted(result.years)) or _("none")
    summary = (
        _(
            "would add {events} events for {requests} requests (years {years}); {already} lines "
            "already recorded, {derived} derived events re-derived"
        )
        if dry_run
        else _(
            "imported {events} events for {requests} requests (years {years}); {already} lines "
            "already recorded, {derived} derived events re-derived; last position {last}"
        )
    )
    click.echo(
        summary.format(
            events=result.events,
            requests=len(result.requests),
            years=years,
            already=result.already,
            derived=result.derived_skipped,
            last=result.last_position,
        )
    )


def _import_register(
    ctx: click.Context, file: Path, agency: str | None, *, dry_run: bool, skip_bad: Path | None
) -> None:
    from ledger.register.load import import_register

    app = app_of(ctx)
    with progress_reporter() as progress:
        report = import_register(
            app, file, agency=agency, dry_run=dry_run, skip_bad=skip_bad, progress=progress
        )
    for problem in report.problems:
        click.echo(problem.line(), err=True)
    if dry_run:
        dry = _("dry run: {rows} rows read, {bad} bad; nothing was written")
        click.echo(dry.format(rows=report.rows, bad=report.bad_rows))
        _summary(
            _("would add {requests} requests, {events} events; years: {years}"), report.planned
        )
        return
    if report.skipped_to is not None:
        aside = _("{bad} bad rows set aside in {file}")
        click.echo(aside.format(bad=report.bad_rows, file=report.skipped_to))
    assert report.written is not None
    _summary(_("added {requests} requests, {events} events; years: {years}"), report.written)
    if not report.written.events:
        click.echo(_("nothing new: every row was already imported"))


def _summary(message: str, tally: Tally) -> None:
    """The tally of a register import, in ``message`` (what was or would be added)."""
    per_year = _("{year} ({n} events)")
    years = ", ".join(per_year.format(year=y, n=n) for y, n in sorted(tally.years.items())) or _(
        "none"
    )
    click.echo(message.format(requests=tally.requests, events=tally.events, years=years))
    carried = _("carried over out of {year}: {n} of the imported requests")
    for year, open_ in tally.carried().items():
        click.echo("  " + carried.format(year=year, n=open_))


PHASES = {"check": N_("checking"), "write": N_("writing")}
"""The import's phases as its progress names them."""


@contextmanager
def progress_reporter() -> Iterator[Progress]:
    """A rich progress bar at a terminal; plain lines (every 5 %, or 1000 rows) in a job."""
    if sys.stderr.isatty():
        from rich.progress import Progress as Bar

        with Bar(transient=True) as bar:
            tasks: dict[str, object] = {}

            def show(phase: str, done: int, total: int | None) -> None:
                if phase not in tasks:
                    tasks[phase] = bar.add_task(_(PHASES[phase]), total=total)
                bar.update(tasks[phase], completed=done)  # type: ignore[arg-type]

            yield show
        return
    step = {"every": 1000}

    def line(phase: str, done: int, total: int | None) -> None:
        every = max(1, min(step["every"], (total or 0) // 20 or step["every"]))
        if done % every == 0 or done == total:
            line = _("{phase}: {done}/{total} rows") if total else _("{phase}: {done} rows")
            click.echo(line.format(phase=_(PHASES[phase]), done=done, total=total), err=True)

    yield line


@click.group()
def export() -> None:
    """Take the books out: the register of a year, or the whole log.

    Example: ledger export register --year 2025 --format xlsx --output 2025台账.xlsx
    """


@export.command("register")
@click.option("--year", type=int, required=True, help="Requests received in this year.")
@click.option("--format", "fmt", type=click.Choice(["xlsx", "csv"]), default="xlsx")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option(
    "--with-personal-data",
    is_flag=True,
    help="Include applicants' names and contacts (recorded in the log, naming you).",
)
@common_options
@click.pass_context
def export_register_(
    ctx: click.Context, year: int, fmt: str, output: Path, with_personal_data: bool
) -> None:
    """Write the register of a year: one row per request, the columns `ledger import`
    reads (docs/register.md), so an exported register imports back.

    Example: ledger export register --year 2025 --format xlsx --output 2025台账.xlsx
    """
    from ledger.register.export import export_register

    done = export_register(desk_of(ctx), year, fmt, output, personal=with_personal_data)
    wrote = (
        _("wrote {rows} requests of {year} to {file}, with personal data (recorded in the log)")
        if done.personal
        else _("wrote {rows} requests of {year} to {file}, without personal data")
    )
    click.echo(wrote.format(rows=done.rows, year=year, file=output))


@export.command("events")
@click.option("--format", "fmt", type=click.Choice(["jsonl"]), default="jsonl")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@common_options
@click.pass_context
def export_events_(ctx: click.Context, fmt: str, output: Path) -> None:
    """Write the whole log as JSON lines with its chain head (`ledger import` of the file
    into an empty database gives back the same log, positions and hashes).

    Example: ledger export events --output log.jsonl
    """
    del fmt
    from ledger.backup import export_events

    done = export_events(app_of(ctx).engine, output)
    wrote = _("wrote {events} events to {file} (chain head {head})")
    click.echo(wrote.format(events=done.events, file=output, head=done.head))
