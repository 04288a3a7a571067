"""`ledger applicant show|erase|erase-text`: the personal data kept outside the log."""

from __future__ import annotations

import click

from ledger.cli._common import common_options
from ledger.cli._desk import desk_of, id_argument
from ledger.cli._types import REASON
from ledger.commands.applicants import FIELDS, erase_applicant, erase_texts, show_applicant
from ledger.i18n import N_, _, ngettext
from ledger.textwidth import width


@click.group()
def applicant() -> None:
    """An applicant's personal data: kept outside the immutable log, so it can be erased.

    \b
    Examples:
      ledger applicant show zhjyj-2021-0004
      ledger applicant erase zhjyj-2021-0004 --basis "申请人撤回同意"
      ledger applicant erase-text zhjyj-2021-0004 --basis "第三人申请删除"
    """


FIELD_LABELS = {
    "ref": N_("ref"),
    "name": N_("name"),
    "id_number": N_("id_number"),
    "phone": N_("phone"),
    "email": N_("email"),
    "address": N_("address"),
    "erased_at": N_("erased_at"),
}
"""Each field of ``applicant show`` as a person reads it (in English the field itself)."""


@applicant.command()
@id_argument()
@common_options
@click.pass_context
def show(ctx: click.Context, request_id: str) -> None:
    """Show the personal data of the applicant of request ID.

    Example: ledger applicant show zhjyj-2021-0004
    """
    data = show_applicant(desk_of(ctx), request_id)
    for key in FIELDS:
        label = _(FIELD_LABELS[key])
        click.echo(label + " " * max(1, 11 - width(label)) + str(getattr(data, key) or ""))


@applicant.command()
@id_argument()
@click.option(
    "--basis", type=REASON, required=True,
    help="The legal basis of the erasure, recorded in the log (never the data).",
)  # fmt: skip
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@common_options
@click.pass_context
def erase(ctx: click.Context, request_id: str, basis: str, yes: bool) -> None:
    """Erase the personal data of the applicant of request ID (all their requests).

    The log keeps only the reference, so history is unchanged and every report still
    counts the requests; the name, identity number and contacts are gone for good, and
    so is the free text of each of their requests (subject, approvers, parties, reasons).
    The log records who erased, when and on which basis (applicant.erased, texts.erased).

    Example: ledger applicant erase zhjyj-2021-0004 --basis "申请人撤回同意" --yes
    """
    if not yes:
        question = _("erase the personal data of the applicant of request {request_id}?")
        question = question.format(request_id=request_id)
        click.confirm(question, abort=True)
    desk = desk_of(ctx)
    erased = erase_applicant(desk, request_id, basis)
    state = _("already erased") if erased.already else _("personal data erased")
    click.echo(_("applicant {ref}: {state}").format(ref=erased.ref, state=state))
    if not erased.purged and desk.store.dialect == "postgresql":
        click.echo(_(
            "applicant {ref}: the deleted key stays in the files of table applicant_keys "
            "until it is vacuumed (this role may not, or a transaction still sees it); run "
            "this command again later, or have the table's owner run VACUUM FULL applicant_keys"
        ).format(ref=erased.ref), err=True)  # fmt: skip
    elif not erased.purged:
        click.echo(_(
            "applicant {ref}: old copies remain in the database's -wal file while another "
            "program keeps a read open; run this command again once it has finished"
        ).format(ref=erased.ref), err=True)  # fmt: skip


@applicant.command("erase-text")
@id_argument()
@click.option(
    "--basis", type=REASON, required=True,
    help="The legal basis of the erasure, recorded in the log (never the text).",
)  # fmt: skip
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@common_options
@click.pass_context
def erase_text(ctx: click.Context, request_id: str, basis: str, yes: bool) -> None:
    """Erase the free text of request ID: its subject, approvers, parties and reasons.

    For a subject or reason that names someone other than the applicant, or a request
    recorded without applicant data. Dates, codes and outcomes stay, so the deadline,
    reports and alerts are unchanged; the texts show as erased. Texts recorded before
    ledger kept them outside the log are part of the log and cannot be erased. The log
    records who erased, when and on which basis (texts.erased).

    Example: ledger applicant erase-text zhjyj-2021-0004 --basis "第三人申请删除" --yes
    """
    if not yes:
        question = _("erase the subject, approvers, parties and reasons of request {request_id}?")
        click.confirm(question.format(request_id=request_id), abort=True)
    gone = erase_texts(desk_of(ctx), request_id, basis)
    click.echo(
        ngettext(
            "request {request_id}: {n} text erased",
            "request {request_id}: {n} texts erased",
            gone.erased,
        ).format(request_id=request_id, n=gone.erased)
    )
    if not gone.purged:
        click.echo(_(
            "request {request_id}: old copies remain in the database's -wal file while another "
            "program keeps a read open; run this command again once it has finished"
        ).format(request_id=request_id), err=True)  # fmt: skip
