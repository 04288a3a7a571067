"""`ledger notice`: write the statutory letter of one step of a request, and record it."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import click

from ledger.cli._common import app_of, command_id_option, common_options
from ledger.cli._desk import desk_of, id_argument
from ledger.codes import NOTICE_KINDS
from ledger.commands._context import Desk
from ledger.errors import LedgerError
from ledger.i18n import _
from ledger.notices import FORMATS, IssuedNotice, NoticeOrder, issue_notice


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
@command_id_option
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
    not happen is refused. The issued notice is recorded (`ledger show` lists it), once:
    given the same --command-id again, it records nothing new and writes the same letter.
    A step another desk records meanwhile makes the letter be written again from the new
    facts; the file takes its name only once the notice is recorded.

    \b
    Examples:
      ledger notice zhjyj-2021-0101 receipt --format text
      ledger notice zhjyj-2021-0102 补正告知书 --items 请写明所需信息的名称 -o 补正.docx
      ledger notice zhjyj-2021-0101 answer --format pdf
    """
    code = NOTICE_KINDS.parse(kind)
    wanted = [*items, *(text_items.splitlines() if text_items else [])]
    order = NoticeOrder(request_id, code, fmt, tuple(wanted), party, agency, record=not draft)
    target = output or (None if fmt == "text" else Path(f"{request_id}-{code}.{fmt}"))
    app = app_of(ctx)
    desk = None if draft else desk_of(ctx, agency)
    staged = _stage(target) if target else None  # unwritable: refused before recording
    try:
        issued = issue_notice(app, order, desk)
    except BaseException:
        _discard(staged)
        raise
    if target is None:
        click.echo(issued.text)
    elif staged is not None:
        _place(staged, target, issued, desk)
    if issued.event is None:
        return
    if issued.note:
        click.echo(issued.note, err=True)
    _confirm(issued, code, request_id, target)


def _confirm(issued: IssuedNotice, code: str, request_id: str, target: Path | None) -> None:
    """The one line saying what was written and recorded (stderr when the letter went to
    standard output)."""
    assert issued.event is not None
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
            position=issued.event.position,
        ),
        err=target is None,
    )


def _stage(target: Path) -> Path:
    """An empty file beside the target, which the letter goes to before it takes the
    target's name: a folder that cannot be written is refused before anything is
    recorded, and a notice refused (a race lost) leaves no letter behind."""
    staged = target.with_name(f".{target.name}.{uuid.uuid4().hex[:12]}.part")
    try:
        staged.open("xb").close()
    except OSError as error:
        raise LedgerError(
            _("--output: cannot write {target}: {why}").format(
                target=target, why=error.strerror or error
            )
        ) from None
    return staged


def _discard(staged: Path | None) -> None:
    """Remove the staged file of a notice that was not issued."""
    if staged is not None:
        staged.unlink(missing_ok=True)


def _place(staged: Path, target: Path, issued: IssuedNotice, desk: Desk | None) -> None:
    """Write the letter and give it the target's name; a failure after the notice was
    recorded says so, with the command id that writes the same letter again."""
    try:
        staged.write_bytes(issued.content)
        os.replace(staged, target)
    except OSError as error:
        _discard(staged)
        why = error.strerror or error
        if issued.event is None or desk is None:
            raise LedgerError(
                _("--output: cannot write {target}: {why}").format(target=target, why=why)
            ) from None
        raise LedgerError(
            _(
                "notice recorded #{position}, but {target} cannot be written: {why}; give "
                "--command-id {command_id} to write the same letter again"
            ).format(
                position=issued.event.position,
                target=target,
                why=why,
                command_id=desk.command_id,
            )
        ) from None
