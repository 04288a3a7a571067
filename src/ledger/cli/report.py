"""`ledger report` and `ledger close-year`: the annual report and the year-end carry-over."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import click

from ledger.cli._common import app_of, command_id_option, common_options
from ledger.cli._desk import agency_option, desk_of
from ledger.cli._types import YEAR
from ledger.commands.years import close_year
from ledger.dates import parse_moment
from ledger.errors import InvalidInput
from ledger.i18n import _
from ledger.projections.reports import ReportQuery, check_report, render_report
from ledger.report import checks
from ledger.report.render import FILE_FORMATS, FORMATS

EXCEL_BOM = "\ufeff".encode()
"""Spreadsheet programs read a CSV file as UTF-8 (the Chinese labels) only with this mark."""


@click.command()
@click.argument("year", type=YEAR)
@click.option(
    "--agency",
    "agencies",
    multiple=True,
    help="Agency code; repeat to combine agencies, or 'all' for every agency in the log "
    "(default: the default agency, see `ledger agency list`).",
)
@click.option(
    "--edition",
    type=click.Choice(["2019", "2021"]),
    help="Report format (default: the year's own: 2019 for 2019–2020, 2021 after).",
)
@click.option(
    "--as-of",
    help="The report as the log stood then (YYYY-MM-DD or YYYY-MM-DDTHH:MM, Asia/Shanghai).",
)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file (needed for docx and xlsx); a csv file starts with a UTF-8 "
    "byte-order mark so that spreadsheets show the Chinese labels.",
)
@click.option(
    "--check",
    "check_only",
    is_flag=True,
    help="Only check: exit non-zero, saying where, if a reconciliation fails.",
)
@click.option("--no-stats", is_flag=True, help="Leave out the processing-statistics appendix.")
@common_options
@click.pass_context
def report(
    ctx: click.Context,
    year: int,
    agencies: tuple[str, ...],
    edition: str | None,
    as_of: str | None,
    fmt: str,
    output: Path | None,
    check_only: bool,
    no_stats: bool,
) -> None:
    """Render a year's annual report (tables 2, 3, 4 and the narrative) from the log.

    The default is the report as the log stands now, with every amendment; --as-of gives
    it as it was known at a moment, e.g. the version that was published. A year that has
    not begun is refused; a year not yet ended, or empty sections 一、五、六, are rendered
    with a warning line on standard error. Files are created with the permissions of
    your umask, to be shared.

    \b
    Examples:
      ledger report 2020
      ledger report 2020 --as-of 2021-01-14 --format docx --output 2020.docx
      ledger report 2021 --agency jyj --agency wsj --format xlsx --output 2021.xlsx
      ledger report 2020 --check
    """
    moment = parse_moment(as_of, "--as-of") if as_of else None
    query = ReportQuery(year, agencies, edition, moment, not no_stats)
    if check_only:
        click.echo(check_report(app_of(ctx), query))
        return
    if output is None and fmt in FILE_FORMATS:
        raise InvalidInput(_("--format {fmt} is a binary file; give --output FILE").format(fmt=fmt))
    rendered = render_report(app_of(ctx), query, fmt)
    for line in rendered.warnings:
        click.echo(line, err=True)
    _write(rendered.content, output, fmt)


def _write(rendered: bytes | str, output: Path | None, fmt: str) -> None:
    """Write the whole file or nothing: a temporary file renamed into place."""
    data = rendered.encode() if isinstance(rendered, str) else rendered
    if output is None:
        click.echo(data.decode(), nl=not data.endswith(b"\n"))
        return
    if fmt == "csv":
        data = EXCEL_BOM + data
    folder = output.resolve().parent
    if not folder.is_dir():
        raise InvalidInput(_("--output: folder {folder} does not exist").format(folder=folder))
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{output.name}.")
    except OSError as exc:
        raise InvalidInput(
            _("--output: cannot write in {folder}: {strerror}").format(
                folder=folder, strerror=exc.strerror
            )
        ) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        checks.share_file(Path(tmp))
        Path(tmp).replace(output)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise InvalidInput(
            _("--output: cannot write {output}: {strerror}").format(
                output=output, strerror=exc.strerror
            )
        ) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    click.echo(_("wrote {output} ({size} bytes)").format(output=output, size=len(data)), err=True)


@click.command("close-year")
@click.argument("year", type=YEAR)
@agency_option
@command_id_option
@common_options
@click.pass_context
def close_year_(ctx: click.Context, year: int, agency: str | None) -> None:
    """Close a year: carry over every request still open at its end (idempotent).

    After this, a fact dated in the year is refused unless recorded with --amend.

    Example: ledger close-year 2020
    """
    desk = desk_of(ctx, agency)
    result = close_year(desk, year, desk.agency)
    if result.already_closed:
        click.echo(
            _("{year} ({agency}) was already closed; nothing added").format(
                year=year, agency=result.agency
            )
        )
        return
    click.echo(
        _("closed {year} ({agency}): {count} requests carried over").format(
            year=year, agency=result.agency, count=len(result.carried_over)
        )
    )
    for request_id in result.carried_over:
        click.echo(f"  {request_id}")
