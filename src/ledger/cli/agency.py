"""`ledger agency add`: record an agency's name and its local label variants."""

from __future__ import annotations

import click

from ledger.cli._common import app_of, common_options
from ledger.dates import today
from ledger.errors import InvalidInput
from ledger.events.agencies import AgencyRegistered, agency_stream
from ledger.events.store import ANY, NewEvent
from ledger.report import editions


@click.group()
def agency() -> None:
    """Agencies: the code used on the command line and the name printed on reports."""


@agency.command()
@click.argument("code")
@click.option("--name", required=True, help="The agency's full name, as printed on its report.")
@click.option(
    "--label",
    "labels",
    multiple=True,
    metavar="OFFICIAL=LOCAL",
    help="Print LOCAL instead of an official label (repeatable).",
)
@click.option(
    "--level",
    type=click.Choice(["department", "government"]),
    default="department",
    show_default=True,
    help="A department publishes its report by 31 January, a government by 31 March.",
)
@common_options
@click.pass_context
def add(ctx: click.Context, code: str, name: str, labels: tuple[str, ...], level: str) -> None:
    """Record (or rename) an agency; a later record replaces the earlier one.

    \b
    Example, with a local wording the agency has always printed:
      ledger agency add zhjyj --name 宁波市镇海区教育局 \\
          --label 一、本年新收政府信息公开申请数量=一、本年新收到政府信息公开申请数量
    """
    known = editions.edition("2019").labels() | editions.edition("2021").labels()
    mapping: dict[str, str] = {}
    for pair in labels:
        official, sep, local = pair.partition("=")
        if not sep or official not in known:
            raise InvalidInput(
                f"--label: {pair!r} must be OFFICIAL=LOCAL with OFFICIAL an official label, "
                "exactly as the format prints it"
            )
        mapping[official] = local
    app = app_of(ctx)
    event = AgencyRegistered(code=code, name=name, labels=mapping, level=level)
    app.store.append(
        agency_stream(code),
        [NewEvent(event, today())],
        expected_version=ANY,
        actor=app.actor,
        agency=code,
    )
    click.echo(f"agency {code}: {name}" + (f" ({len(mapping)} local labels)" if mapping else ""))
