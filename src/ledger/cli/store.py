"""Commands on the log itself: create the schema, check the chain, show and import events."""

from __future__ import annotations

from pathlib import Path

import click

from ledger.bootstrap import init_database
from ledger.cli._common import State, amend_option, app_of, backdated_option, common_options
from ledger.cli._desk import desk_of
from ledger.cli._types import Count
from ledger.commands.imports import import_file
from ledger.errors import IntegrityFailure
from ledger.events import codec
from ledger.events.store import StoredEvent
from ledger.projections.log import event_record, read_log, verify_log


@click.command()
@common_options
@click.pass_context
def init(ctx: click.Context) -> None:
    """Create the database schema, or upgrade it to this version of ledger.

    Safe to run again: an up-to-date database is left as it is.

    \b
    Examples:
      ledger init
      ledger --db postgresql://ledger@db.example.gov.cn:5432/ledger init
    """
    change = init_database(ctx.ensure_object(State).db)
    if change.changed:
        before = change.before or "created"
        click.echo(f"{change.database}: schema {before} -> revision {change.after}")
    else:
        click.echo(f"{change.database}: schema is up to date (revision {change.after})")


@click.command()
@common_options
@click.pass_context
def verify(ctx: click.Context) -> None:
    """Walk the whole hash chain and check every event against the one before it.

    Prints the number of events verified, or the first position that does not match
    (exit status 4). Then re-derives every recorded due date from the events before it
    and the calendar as then recorded, and fails if any disagrees.

    Example: ledger verify
    """
    checked = verify_log(app_of(ctx).store)
    click.echo(f"{checked.verified} events verified; the hash chain is intact")
    problem = checked.deadline_problem()
    if problem is not None:
        raise IntegrityFailure(problem)
    click.echo(f"{checked.audit.checked} recorded deadlines re-derived; all agree")


@click.command("log")
@click.option("--stream", help="Only this stream (e.g. request-default-2020-0001).")
@click.option("--since", type=Count(0, 10**15), default=0, help="Only events after this position.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@common_options
@click.pass_context
def log_(ctx: click.Context, stream: str | None, since: int, fmt: str) -> None:
    """Show the raw events, in global order, for auditors.

    \b
    Examples:
      ledger log --since 100
      ledger log --stream request-default-2020-0001 --format json
    """
    for stored in read_log(app_of(ctx).store, stream, since):
        click.echo(codec.dumps(event_record(stored)) if fmt == "json" else _text_line(stored))


def _text_line(e: StoredEvent) -> str:
    """One event on one line for a person."""
    when = e.recorded_at.isoformat(timespec="seconds")
    return (
        f"{e.position:>7}  {when}Z  {e.effective_date}  {e.stream_id} v{e.version}  "
        f"{e.type}  {codec.dumps(e.data)}  by {e.actor}"
    )


@click.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--agency", help="Agency of lines that name none (default: from config).")
@click.option("--dry-run", is_flag=True, help="Check every line and say what would be added.")
@amend_option
@backdated_option
@common_options
@click.pass_context
def import_(ctx: click.Context, file: Path, agency: str | None, dry_run: bool) -> None:
    """Import history from JSON lines, through the same rules as `ledger record`.

    Each line: {"stream": S, "type": T, "data": {...}, "effective_date": "YYYY-MM-DD"}
    (`ledger log --format json` output is accepted; docs/import.md has the format and an
    example). Every line is checked first as the desk command that records its event;
    if any is refused, each bad line is listed (FILE:LINE: rule) and nothing is written.
    Derived events (deadline-set, carry-overs) are derived again, not taken from the file.
    Running the same file again, or again after an interrupted run, adds nothing twice.

    Example: ledger import history.jsonl --agency zhjyj --dry-run
    """
    result = import_file(desk_of(ctx, agency), file, dry_run=dry_run)
    verb = "would add" if dry_run else "imported"
    years = ", ".join(str(y) for y in sorted(result.years)) or "none"
    click.echo(
        f"{verb} {result.events} events for {len(result.requests)} requests "
        f"(years {years}); {result.already} lines already recorded, "
        f"{result.derived_skipped} derived events re-derived"
        + ("" if dry_run else f"; last position {result.last_position}")
    )
