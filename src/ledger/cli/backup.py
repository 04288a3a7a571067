"""``ledger backup`` and ``ledger restore``: the books copied while desks work, and put
back into an empty database only once they verify (docs/backup.md)."""

from __future__ import annotations

from pathlib import Path

import click

from ledger.cli._common import app_of, common_options
from ledger.i18n import _


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@common_options
@click.pass_context
def backup_(ctx: click.Context, file: Path) -> None:
    """Copy the books to a new FILE, consistently, while desks keep recording.

    SQLite: a SQLite copy made with SQLite's online backup. PostgreSQL: the events
    export with the applicants (JSON lines). Both go back with `ledger restore`.

    Example: ledger backup /srv/backup/ledger-2026-11-30.db
    """
    from ledger.backup import backup

    done = backup(app_of(ctx).engine, file)
    click.echo(
        _(
            "backed up {events} events and {applicants} applicants to {file} (chain head {head})"
        ).format(events=done.events, applicants=done.applicants, file=file, head=done.head)
    )


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@common_options
@click.pass_context
def restore_(ctx: click.Context, file: Path) -> None:
    """Put a backup (or an events export) back into an EMPTY database.

    The file's hash chain is checked before anything is written; the restored log's
    chain and deadline audit after. Success is reported only when both pass.

    Example: ledger --db /srv/ledger/restored.db restore /srv/backup/ledger-2026-11-30.db
    """
    from ledger.backup import restore

    done = restore(app_of(ctx, create=True).store, file)
    click.echo(
        _("restored {events} events and {applicants} applicants from {file}").format(
            events=done.events, applicants=done.applicants, file=file
        )
    )
    click.echo(
        _("{verified} events verified; the hash chain is intact").format(
            verified=done.verification.verified
        )
    )
    click.echo(
        _("{checked} recorded deadlines re-derived; all agree").format(
            checked=done.verification.audit.checked
        )
    )
