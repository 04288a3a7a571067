"""`ledger record case|case-end|document|repeal|figures|narrative`: what tables 2 and 4 need."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from ledger.cli._common import command_id_option, common_options
from ledger.cli._desk import (
    agency_option,
    date_option,
    desk_of,
    id_argument,
    on_option,
    step_options,
)
from ledger.cli._types import TEXT, YEAR
from ledger.codes import CASE_KINDS, CASE_OUTCOMES, DOCUMENT_KINDS
from ledger.commands import annual
from ledger.helptext import help_values
from ledger.i18n import _


@click.command()
@id_argument("case_id")
@on_option("Day the case was filed.")
@click.option(
    "--kind",
    required=True,
    help="Code or Chinese name: {kinds}.",
)
@click.option("--request", "request_id", help="The request whose decision is contested.")
@agency_option
@step_options
@click.pass_context
def case(
    ctx: click.Context,
    case_id: str,
    on: date,
    kind: str,
    request_id: str | None,
    agency: str | None,
) -> None:
    """Record an administrative review or lawsuit about a disclosure decision (table 4).

    Example: ledger record case FY-2021-01 --date 2021-04-02 --kind 行政复议 --request jyj-2021-0007
    """
    annual.file_case(desk_of(ctx, agency), case_id, on, kind, request_id)
    click.echo(_("case {case_id}: filed {on}").format(case_id=case_id, on=on))


@click.command("case-end")
@id_argument("case_id")
@on_option("Day the case concluded.")
@click.option("--outcome", required=True, help="Code or Chinese name: {outcomes}.")
@step_options
@click.pass_context
def case_end(ctx: click.Context, case_id: str, on: date, outcome: str) -> None:
    """Record how a review or lawsuit ended.

    Example: ledger record case-end FY-2021-01 --date 2021-06-10 --outcome 维持
    """
    annual.conclude_case(desk_of(ctx), case_id, on, outcome)
    click.echo(_("case {case_id}: concluded {on}").format(case_id=case_id, on=on))


@click.command()
@id_argument("document_id")
@on_option("Day the document was made.")
@click.option("--kind", required=True, help="Code or Chinese name: {kinds}.")
@click.option("--title", type=TEXT, default="", help="The document's title.")
@date_option("--published", help="Day it was published (table 2019: 本年新公开数量).")
@agency_option
@step_options
@click.pass_context
def document(
    ctx: click.Context, document_id: str, on: date, kind: str, title: str,
    published: date | None, agency: str | None,
) -> None:  # fmt: skip
    """Record a rule or normative document made by the agency (table 2).

    \b
    Example:
      ledger record document ZJ-2020-1 --date 2020-06-01 --kind 规范性文件 \\
          --published 2020-06-03
    """
    annual.issue_document(desk_of(ctx, agency), document_id, on, kind, title, published)
    click.echo(_("document {document_id}: made {on}").format(document_id=document_id, on=on))


@click.command()
@id_argument("document_id")
@on_option("Day the document was repealed.")
@step_options
@click.pass_context
def repeal(ctx: click.Context, document_id: str, on: date) -> None:
    """Record that a rule or normative document was repealed (废止).

    Example: ledger record repeal ZJ-2018-3 --date 2021-02-01
    """
    annual.repeal_document(desk_of(ctx), document_id, on)
    click.echo(_("document {document_id}: repealed {on}").format(document_id=document_id, on=on))


@click.command()
@click.argument("year", type=YEAR)
@click.argument("item")
@click.argument("figures", nargs=-1, metavar="KEY=VALUE...")
@agency_option
@command_id_option
@common_options
@click.pass_context
def figures(
    ctx: click.Context, year: int, item: str, figures: tuple[str, ...], agency: str | None
) -> None:
    """Record a table 2 item's figures for a year (keys or the official column labels).

    \b
    Examples (2019 format, report years 2019–2020):
      ledger record figures 2020 行政许可 上一年项目数量=22 本年增/减=0 处理决定数量=200
      ledger record figures 2020 procurement count=0 amount=0
    Example (2021 format):
      ledger record figures 2021 fees fee-amount=1.25
    """
    annual.record_figures(desk_of(ctx, agency), year, item, list(figures))
    click.echo(f"{year} {item}: {' '.join(figures)}")


@click.command()
@click.argument("year", type=YEAR)
@click.option(
    "--file",
    "path",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Markdown file with '# 总体情况', '# 存在的主要问题及改进情况', '# 其他需要报告的事项'.",
)
@date_option("--signed", help="The date printed under the agency's name.")
@agency_option
@command_id_option
@common_options
@click.pass_context
def narrative(
    ctx: click.Context, year: int, path: Path, signed: date | None, agency: str | None
) -> None:
    """Record the written sections of a year's report from a Markdown file.

    Example: ledger record narrative 2020 --file 2020.md --signed 2021-01-14
    """
    annual.record_narrative(desk_of(ctx, agency), year, path, signed)
    click.echo(_("{year}: narrative recorded from {path}").format(year=year, path=path))


RECORD_COMMANDS = [case, case_end, document, repeal, figures, narrative]

help_values(case, kinds=CASE_KINDS.help_text())
help_values(case_end, outcomes=CASE_OUTCOMES.help_text())
help_values(document, kinds=DOCUMENT_KINDS.help_text())
