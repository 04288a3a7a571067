"""`ledger notice`: write the statutory letter of one step of a request, and record it."""

from __future__ import annotations

from pathlib import Path

import click

from ledger.cli._common import app_of, common_options
from ledger.cli._desk import id_argument
from ledger.codes import NOTICE_KINDS
from ledger.errors import LedgerError
from ledger.i18n import _
from ledger.notices import FORMATS, NoticeOrder, issue_notice, record_notice


@click.command()
@id_argument()
@click.argument("kind", metavar="KIND")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="docx",
    show_default=True,
    help="text, a Word letter (docx), or PDF (converted by LibreOffice).",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The file to write (default: ID-KIND.docx or .pdf; text: standard output).",
)
@click.option(
    "--items",
    "items",
    multiple=True,
    help="补正告知书: one thing to correct (repeat the option for each); default: "
    "those recorded with the last one issued.",
)
@click.option("--text", "text_items", help="补正告知书: the things to correct, one per line.")
@click.option("--party", help="征求意见函: the consulted party (default: the latest consulted).")
@click.option("--agency", help="Agency code (default: from the configuration).")
@click.option("--draft", is_flag=True, help="Write the letter without recording it as issued.")
@common_options
@click.pass_context
def notice(
    ctx: click.Context,
    request_id: str,
    kind: str,
    fmt: str,
    output: Path | None,
    items: tuple[str, ...],
    text_items: str | None,
    party: str | None,
    agency: str | None,
    draft: bool,
) -> None:
    """Write the notice of one step of a request to the applicant, and record it.

    KIND is one of: receipt (登记回执), clarification (补正告知书), extension (延期答复告知书),
    consultation (征求意见函), fee (收费通知书), answer (政府信息公开申请答复书); the
    Chinese names are accepted. The facts come from the request's events; a step that did
    not happen is refused. The issued notice is recorded (`ledger show` lists it).

    \b
    Examples:
      ledger notice zhjyj-2021-0101 receipt --format text
      ledger notice zhjyj-2021-0102 补正告知书 --items 请写明所需信息的名称 -o 补正.docx
      ledger notice zhjyj-2021-0101 answer --format pdf
    """
    code = NOTICE_KINDS.parse(kind)
    wanted = [*items, *(text_items.splitlines() if text_items else [])]
    order = NoticeOrder(request_id, code, fmt, tuple(wanted), party, agency, record=False)
    target = output or (None if fmt == "text" else Path(f"{request_id}-{code}.{fmt}"))
    app = app_of(ctx)
    issued = issue_notice(app, order)
    if target is None:
        click.echo(issued.text)
    else:
        _write(target, issued.content)  # the file first: a recorded notice was written
    if draft:
        return
    event = record_notice(app, issued.notice, issued.text, fmt, agency)
    written = (
        _(
            "notice {code} ({title}) of {request_id} dated {dated} written to {target}; recorded "
            "#{position}"
        )
        if target
        else _(
            "notice {code} ({title}) of {request_id} dated {dated} written; recorded #{position}"
        )
    )
    click.echo(
        written.format(
            code=code,
            title=issued.notice.title,
            request_id=request_id,
            dated=issued.notice.dated,
            target=target,
            position=event.position,
        ),
        err=target is None,
    )


def _write(target: Path, content: bytes) -> None:
    """Write the file, an unwritable place refused in one line."""
    try:
        target.write_bytes(content)
    except OSError as error:
        raise LedgerError(
            _("--output: cannot write {target}: {why}").format(
                target=target, why=error.strerror or error
            )
        ) from None
