"""`ledger agency add|list|use`: the agencies the books keep, and the default one."""

from __future__ import annotations

import click

from ledger.bootstrap import App
from ledger.cli._common import app_of, command_id_option, common_options
from ledger.cli._desk import office_of
from ledger.cli._types import NAME
from ledger.commands.agencies import (
    LEVELS,
    list_agencies,
    register_agency,
    use_agency,
)
from ledger.errors import InvalidInput
from ledger.i18n import _
from ledger.textwidth import table


@click.group()
def agency() -> None:
    """Agencies: the code used on the command line and the name printed on reports.

    \b
    Example:
      ledger agency add zhjyj --name 宁波市镇海区教育局 --level department
    """


def _pairs(_ctx: click.Context, _param: click.Parameter, value: tuple[str, ...]) -> dict[str, str]:
    """--label OFFICIAL=LOCAL, repeated, as a mapping (the labels are checked by the use case)."""
    mapping: dict[str, str] = {}
    for pair in value:
        official, sep, local = pair.partition("=")
        if not sep:
            raise InvalidInput(
                _(
                    "--label: {pair!r} must be OFFICIAL=LOCAL with OFFICIAL an official label, "
                    "exactly as the format prints it"
                ).format(pair=pair)
            )
        mapping[official] = local
    return mapping


@agency.command()
@click.argument("code")
@click.option(
    "--name", type=NAME, required=True, help="The agency's full name, as printed on its report."
)
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
    done = register_agency(office_of(ctx), code, name, labels, level)
    count = len(done.labels)
    added = (
        _("agency {code}: {name} ({count} local labels)") if count else _("agency {code}: {name}")
    )
    click.echo(added.format(code=done.code, name=done.name, count=count))


@agency.command("list")
@common_options
@click.pass_context
def list_(ctx: click.Context) -> None:
    """List the registered agencies: code, name, level, requests; * marks the default.

    The default is the agency a desk records for, and `ledger report` reports, without
    --agency: the configuration's `agency`, else the one chosen with `ledger agency
    use`, else the only registered agency.

    Example: ledger agency list
    """
    app = app_of(ctx)
    rows = list_agencies(app.store, _default_or_none(app))
    if not rows:
        click.echo(_("no agency registered; `ledger agency add CODE --name NAME` registers one"))
        return
    body = [["*" if r.default else "", r.code, r.name, r.level, str(r.requests)] for r in rows]
    click.echo(table(("", "code", "name", "level", "requests"), body, right=frozenset({4})))


def _default_or_none(app: App) -> str | None:
    """The default agency, or None when several are registered and none is chosen."""
    try:
        return app.desk().agency
    except InvalidInput:
        return None


@agency.command()
@click.argument("code")
@common_options
@click.pass_context
def use(ctx: click.Context, code: str) -> None:
    """Make CODE the default agency of every command given no --agency.

    The configuration file's `agency` key, when set, wins over this choice.

    Example: ledger agency use zhjyj
    """
    app = app_of(ctx)
    use_agency(app.office(), code)
    click.echo(_("default agency: {code}").format(code=code))
    configured = app.config.agency
    if configured is not None and configured != code:
        click.echo(
            _("warning: the configuration's agency ({configured}) still wins").format(
                configured=configured
            ),
            err=True,
        )
