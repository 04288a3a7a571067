"""`ledger agency add`: record an agency's name and its local label variants."""

from __future__ import annotations

import click

from ledger.cli._common import command_id_option, common_options
from ledger.cli._desk import desk_of
from ledger.commands.agencies import LEVELS, register_agency
from ledger.errors import InvalidInput


@click.group()
def agency() -> None:
    """Agencies: the code used on the command line and the name printed on reports."""


def _pairs(_ctx: click.Context, _param: click.Parameter, value: tuple[str, ...]) -> dict[str, str]:
    """--label OFFICIAL=LOCAL, repeated, as a mapping (the labels are checked by the use case)."""
    mapping: dict[str, str] = {}
    for pair in value:
        official, sep, local = pair.partition("=")
        if not sep:
            raise InvalidInput(
                f"--label: {pair!r} must be OFFICIAL=LOCAL with OFFICIAL an official label, "
                "exactly as the format prints it"
            )
        mapping[official] = local
    return mapping


@agency.command()
@click.argument("code")
@click.option("--name", required=True, help="The agency's full name, as printed on its report.")
@click.option(
    "--label",
    "labels",
    multiple=True,
    metavar="OFFICIAL=LOCAL",
    callback=_pairs,
    help="Print LOCAL instead of an official label (repeatable).",
)
@click.option(
    "--level",
    type=click.Choice(LEVELS),
    default="department",
    show_default=True,
    help="A department publishes its report by 31 January, a government by 31 March.",
)
@command_id_option
@common_options
@click.pass_context
def add(ctx: click.Context, code: str, name: str, labels: dict[str, str], level: str) -> None:
    """Record (or rename) an agency; a later record replaces the earlier one.

    CODE is 1–64 letters, digits, '.', '_' or '-'.

    \b
    Example, with a local wording the agency has always printed:
      ledger agency add zhjyj --name 宁波市镇海区教育局 \\
          --label 一、本年新收政府信息公开申请数量=一、本年新收到政府信息公开申请数量
    """
    done = register_agency(desk_of(ctx), code, name, labels, level)
    count = len(done.labels)
    click.echo(f"agency {done.code}: {done.name}" + (f" ({count} local labels)" if count else ""))
