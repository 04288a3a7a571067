"""Commands on the projections: how far each has applied the log, and rebuilding them."""

from __future__ import annotations

import click

from ledger.cli._common import app_of, common_options
from ledger.i18n import _
from ledger.projections.tables import ProjectionStatus, projection_status, rebuild_projections


@click.group()
def projections() -> None:
    """The tables the reads use, kept from the log: their status, and a rebuild.

    \b
    Examples:
      ledger projections status
      ledger projections rebuild
    """


@projections.command()
@common_options
@click.pass_context
def status(ctx: click.Context) -> None:
    """Each projection's checkpoint (the last log position applied) against the log head.

    Example: ledger projections status
    """
    for line in projection_status(app_of(ctx).store):
        click.echo(_line(line))


@projections.command()
@common_options
@click.pass_context
def rebuild(ctx: click.Context) -> None:
    """Recreate every projection from the log alone (the log is the truth).

    Safe to run at any time: desk commands wait for it, and it gives the same tables
    as the appends kept.

    Example: ledger projections rebuild
    """
    for line in rebuild_projections(app_of(ctx).store):
        click.echo(_line(line))


def _line(found: ProjectionStatus) -> str:
    """One projection on one line."""
    if found.behind == 0:
        line = _("{name}: position {checkpoint} of {head} (up to date)")
    else:
        line = _("{name}: position {checkpoint} of {head} ({behind} events behind)")
    return line.format(
        name=found.name, checkpoint=found.checkpoint, head=found.head, behind=found.behind
    )
