"""Commands on the log itself: create the schema, check the chain, show and import events."""

from __future__ import annotations

from pathlib import Path

import click

from ledger.bootstrap import init_database
from ledger.cli._common import State, amend_option, app_of, backdated_option, common_options
from ledger.cli._types import Count
from ledger.commands.chain import start_keyed_chain
from ledger.errors import ChainUnchecked, IntegrityFailure, InvalidInput
from ledger.events import codec
from ledger.events.names import event_label
from ledger.events.store import Store, StoredEvent
from ledger.i18n import _
from ledger.projections.anchors import anchors_from, append_anchor, head
from ledger.projections.log import log_records, read_log, verify_log


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
    if change.changed and change.before is None:
        click.echo(
            _("{database}: schema created (revision {after})").format(
                database=change.database, after=change.after
            )
        )
    elif change.changed:
        click.echo(
            _("{database}: schema {before} -> revision {after}").format(
                database=change.database, before=change.before, after=change.after
            )
        )
    else:
        click.echo(
            _("{database}: schema is up to date (revision {after})").format(
                database=change.database, after=change.after
            )
        )
    if change.signed:
        click.echo(
            _("{database}: {count} request subjects signed for find").format(
                database=change.database, count=change.signed
            )
        )
    if change.id_grams is False:
        click.echo(
            _(
                "{database}: the pg_trgm extension could not be made, so find reads every "
                "request id to match a part of one (same answers, slower in large books); see "
                "docs/deployment.md, revision 0015"
            ).format(database=change.database),
            err=True,
        )


@click.command()
@click.option(
    "--anchor",
    "show_anchor",
    is_flag=True,
    help="Then print the head (position, hash, time) as one line to keep outside the database.",
)
@click.option(
    "--anchor-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Then append that line to this file.",
)
@click.option(
    "--against",
    "against",
    multiple=True,
    metavar="POSITION:HASH",
    help="An anchor kept earlier: prove the history up to it unchanged (repeatable).",
)
@click.option(
    "--against-file",
    "against_files",
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="A file of anchor lines (as --anchor-file writes them) to prove, each of them.",
)
@click.option(
    "--start-keyed-chain", "start_keyed", is_flag=True,
    help="Then key the chain: every hash from now on is an HMAC under $LEDGER_CHAIN_KEY.",
)
@common_options
@click.pass_context
def verify(
    ctx: click.Context,
    show_anchor: bool,
    anchor_file: Path | None,
    against: tuple[str, ...],
    against_files: tuple[Path, ...],
    start_keyed: bool,
) -> None:
    """Walk the whole hash chain and check every event against the one before it.

    Prints the number of events verified, or the first position that does not match and
    the kind of change found there (exit status 4). With --against or --against-file,
    also proves that the event at each anchor's position still has the anchor's hash, so
    a cut-off tail or a recomputed chain is caught. Then re-derives every recorded due
    date from the events before it and the calendar as then recorded, and fails if any
    disagrees. See docs/reliability.md, "Tamper evidence".

    A chain keyed from some position on (--start-keyed-chain, with $LEDGER_CHAIN_KEY set)
    is checked there only with the same key in $LEDGER_CHAIN_KEY; without it, the
    command says from which position it could not check and exits with status 5.

    \b
    Examples:
      ledger verify
      ledger verify --anchor --anchor-file /mnt/usb/ledger-anchors.txt
      ledger verify --against-file /mnt/usb/ledger-anchors.txt
      LEDGER_CHAIN_KEY=$(cat /etc/ledger/chain.key) ledger verify --start-keyed-chain
    """
    anchors = anchors_from(against, against_files)
    app = app_of(ctx)
    store = app.store
    checked = verify_log(store, anchors, expect_keyed=not start_keyed)
    problem = checked.deadline_problem()
    if checked.unchecked_from is not None:
        if problem is not None:
            raise IntegrityFailure(problem)
        raise ChainUnchecked(
            _(
                "{verified} events verified; the chain is keyed from position {position} on "
                "and LEDGER_CHAIN_KEY is not set: the events from there were not checked"
            ).format(verified=checked.verified, position=checked.unchecked_from)
        )
    click.echo(
        _("{verified} events verified; the hash chain is intact").format(verified=checked.verified)
    )
    if anchors:
        held = _("{count} anchors hold; the history up to each is unchanged")
        click.echo(held.format(count=len(anchors)))
    if problem is not None:
        raise IntegrityFailure(problem)
    click.echo(
        _("{checked} recorded deadlines re-derived; all agree").format(
            checked=checked.audit.checked
        )
    )
    if start_keyed:
        marker = start_keyed_chain(app)
        click.echo(
            _("the hash chain is keyed from position {position} on").format(
                position=marker.position
            )
        )
    if show_anchor or anchor_file is not None:
        _print_anchor(store, show_anchor, anchor_file)


def _print_anchor(store: Store, show: bool, path: Path | None) -> None:
    """Print and/or keep the head; an empty log has none to keep."""
    found = head(store)
    if found is None:
        raise InvalidInput(_("--anchor: the log is empty; there is no head to anchor"))
    if path is not None:
        append_anchor(path, found)
    if show:
        click.echo(found.line())


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
    store = app_of(ctx).store
    if fmt == "json":
        for record in log_records(store, stream, since):
            click.echo(codec.dumps(record))
        return
    for stored in read_log(store, stream, since):
        click.echo(_text_line(stored))


def _text_line(e: StoredEvent) -> str:
    """One event on one line for a person: the type and its name (``event_label``), the
    data as the log holds it (field names are the log's), who recorded it."""
    line = _(
        "{position}  {recorded}Z  {effective}  {stream} v{version}  {type}  {data}  by {actor}"
    )
    return line.format(
        position=f"{e.position:>7}",
        recorded=e.recorded_at.isoformat(timespec="seconds"),
        effective=e.effective_date,
        stream=e.stream_id,
        version=e.version,
        type=event_label(e.type),
        data=codec.dumps(e.data),
        actor=e.actor,
    )


@click.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path), required=False)
@click.option("--agency", help="Agency of lines or rows that name none (default: from config).")
@click.option("--dry-run", is_flag=True, help="Check everything and say what would be added.")
@click.option(
    "--skip-bad",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Register: import the good rows; write the bad ones, with a reason, to this file.",
)
@click.option(
    "--template",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write an empty register workbook (headers, a sample row, drop-down lists).",
)
@amend_option
@backdated_option
@common_options
@click.pass_context
def import_(
    ctx: click.Context,
    file: Path | None,
    agency: str | None,
    dry_run: bool,
    skip_bad: Path | None,
    template: Path | None,
) -> None:
    """Bring history in: an office's register (.xlsx, .csv) or JSON lines of events.

    \b
    A register (依申请公开登记台账, columns in docs/register.md) is checked row by row
    by the desk's own rules, every bad row reported; nothing is written unless all rows
    are good (or --skip-bad sets the bad ones aside). Rows already imported are not
    imported again, so a longer register, or an interrupted import, can be re-run.

    \b
    JSON lines (.jsonl): an events export (`ledger export events`) goes back whole into
    an EMPTY database, same positions and hashes; otherwise each line is
    {"stream": S, "type": T, "data": {...}, "effective_date": "YYYY-MM-DD"}
    (`ledger log --format json` output too; docs/import.md), checked as the desk command
    that records it: if any is refused, each bad line is listed (FILE:LINE: rule) and
    nothing is written. History more than 30 days old needs --backdated REASON, once.

    \b
    Examples:
      ledger import --template register.xlsx
      ledger import register.xlsx --dry-run
      ledger import register.xlsx --skip-bad bad-rows.xlsx
      ledger import history.jsonl --dry-run --backdated "2019 paper register"
    """
    from ledger.cli.register import import_any

    import_any(ctx, file, agency, dry_run=dry_run, skip_bad=skip_bad, template=template)
