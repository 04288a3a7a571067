"""`ledger applicant show|erase`: the personal data kept outside the log."""

from __future__ import annotations

import click

from ledger import applicants
from ledger.cli._common import app_of, common_options
from ledger.commands._context import Desk
from ledger.commands.requests import load
from ledger.dates import today
from ledger.errors import NotFound


def _ref(ctx: click.Context, request_id: str) -> str:
    """The applicant reference a request's receipt recorded."""
    app = app_of(ctx)
    state = load(Desk(app.store, app.actor, app.config.agency, today()), request_id)
    if state.applicant_ref is None:
        raise NotFound(f"request {request_id}: no applicant data was recorded with it")
    return state.applicant_ref


@click.group()
def applicant() -> None:
    """An applicant's personal data: kept outside the immutable log, so it can be erased."""


@applicant.command()
@click.argument("request_id", metavar="ID")
@common_options
@click.pass_context
def show(ctx: click.Context, request_id: str) -> None:
    """Show the personal data of the applicant of request ID.

    Example: ledger applicant show zhjyj-2021-0004
    """
    ref = _ref(ctx, request_id)
    data = applicants.read(app_of(ctx).engine, ref) or {}
    for key in ("ref", "name", "id_number", "phone", "email", "address", "erased_at"):
        click.echo(f"{key:<10} {data.get(key) or ''}")


@applicant.command()
@click.argument("request_id", metavar="ID")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@common_options
@click.pass_context
def erase(ctx: click.Context, request_id: str, yes: bool) -> None:
    """Erase the personal data of the applicant of request ID (all their requests).

    The log keeps only the reference, so history is unchanged and every report still
    counts the requests; the name, identity number and contacts are gone for good.

    Example: ledger applicant erase zhjyj-2021-0004 --yes
    """
    ref = _ref(ctx, request_id)
    if not yes:
        click.confirm(f"erase the personal data of applicant {ref}?", abort=True)
    if applicants.erase(app_of(ctx).engine, ref):
        click.echo(f"applicant {ref}: personal data erased")
    else:
        click.echo(f"applicant {ref}: already erased")
