"""`ledger record …`: one command per step of a request, one line of confirmation."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Final

import click

from ledger.applicants import Applicant
from ledger.cli._desk import (
    agency_option,
    date_option,
    desk_of,
    id_argument,
    on_option,
    step_options,
)
from ledger.cli._types import NAME, PERSONAL, PERSONAL_NAME, REASON, TEXT, Count
from ledger.codes import APPLICANTS, CHANNELS, OUTCOMES
from ledger.commands import requests as cmd
from ledger.events.requests import CONSULTATION_KINDS
from ledger.helptext import help_values, localize
from ledger.i18n import _
from ledger.projections.views import due_text

if TYPE_CHECKING:
    from ledger.commands import corrections


def _confirm(recorded: cmd.Recorded, what: str) -> None:
    """Print the one line a clerk reads after each step (and the fee working, if any)."""
    if recorded.note:
        click.echo(recorded.note)
    if recorded.warning:
        click.echo(recorded.warning, err=True)
    due = due_text(recorded.state, recorded.deadline)
    click.echo(
        _("{request}: {what}; {due}").format(request=recorded.request_id, what=what, due=due)
    )


ANNUAL_COMMANDS: Final = ("case", "case-end", "document", "repeal", "figures", "narrative")
"""The records tables 2 and 4 need (``ledger.cli.annual``), under the same group."""


class RecordGroup(click.Group):
    """``ledger record``: the annual records' module is imported only when one of them
    runs or a listing needs them, so that recording a step does not build their events."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *ANNUAL_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in ANNUAL_COMMANDS and cmd_name not in self.commands:
            _attach_annual(self)
        return super().get_command(ctx, cmd_name)


def _attach_annual(group: click.Group) -> None:
    """Add the annual records' commands, in the language of the moment."""
    from ledger.cli.annual import RECORD_COMMANDS

    for command in RECORD_COMMANDS:
        group.add_command(localize(command))


@click.group(cls=RecordGroup)
def record() -> None:
    """Record a step of a request as it happens (one event, checked against the Regulation).

    \b
    Example, a request received in person and answered:
      ledger record receive --date 2020-03-02 --channel in-person --applicant natural
      ledger record decide default-2020-0001 --date 2020-03-20 --outcome disclosed
    """


@record.command()
@click.argument("request_id", metavar="[ID]", required=False)
@on_option("Day the request was submitted.")
@click.option(
    "--channel",
    required=True,
    help="How it arrived, code or Chinese name: {channels}.",
)
@click.option(
    "--applicant",
    required=True,
    help="Applicant category, code or Chinese name: {applicants}.",
)
@date_option("--confirmed", help="Day receipt was confirmed (ordinary mail, online, fax).")
@date_option("--signed", help="Day registered mail was signed for.")
@agency_option
@click.option("--subject", type=TEXT, default="", help="What is asked for (no personal data).")
@click.option(
    "--name", type=PERSONAL_NAME, help="Applicant's name (personal data, kept outside the log)."
)
@click.option(
    "--id-number", type=PERSONAL, help="Applicant's identity or organisation code (personal data)."
)
@click.option("--phone", type=PERSONAL, help="Applicant's phone (personal data).")
@click.option("--email", type=PERSONAL, help="Applicant's e-mail (personal data).")
@click.option("--address", type=PERSONAL, help="Applicant's address (personal data).")
@step_options
@click.pass_context
def receive(
    ctx: click.Context,
    request_id: str | None,
    on: date,
    channel: str,
    applicant: str,
    confirmed: date | None,
    signed: date | None,
    agency: str | None,
    subject: str,
    name: str | None,
    id_number: str | None,
    phone: str | None,
    email: str | None,
    address: str | None,
) -> None:
    """Record a new request; the date of receipt follows Art. 31 by channel.

    In person the day submitted counts; registered mail the day signed for (--signed);
    ordinary mail, online and fax the day receipt was confirmed (--confirmed); without
    --confirmed, a request submitted on a day the office is closed is received on the
    next working day. An in-person receipt on a closed day is recorded with a warning.
    Without ID, the next AGENCY-YEAR-NNNN is assigned and printed.

    \b
    Example:
      ledger record receive --date 2020-03-02 --channel in-person --applicant 自然人 \\
          --name 张三 --phone 13800000000 --subject "2019年学区划分文件"
    """
    person = Applicant(name, id_number, phone, email, address)
    command = cmd.RecordReceipt(
        on, channel, applicant, request_id, confirmed, signed, agency, subject, person
    )
    recorded = cmd.record_receipt(desk_of(ctx, agency), command)
    state = recorded.state
    what = _("received {day} ({channel}, {applicant})").format(
        day=state.received_on,
        channel=CHANNELS.shown(state.channel),
        applicant=APPLICANTS.shown(state.applicant),
    )
    _confirm(recorded, what)


@record.command()
@id_argument()
@on_option("Day the notice went out.")
@date_option("--reply-by", required=True, help="Day the correction is due back.")
@step_options
@click.pass_context
def clarify(ctx: click.Context, request_id: str, on: date, reply_by: date) -> None:
    """Ask the applicant to correct the request (补正, Art. 30); the clock stops.

    The notice is due within 7 working days of receipt; a later one is recorded and
    flagged in `ledger show`.

    Example: ledger record clarify default-2020-0001 --date 2020-03-05 --reply-by 2020-03-20
    """
    recorded = cmd.request_clarification(desk_of(ctx), request_id, on, reply_by)
    _confirm(recorded, _("clarification requested, reply by {day}").format(day=reply_by))


@record.command()
@id_argument()
@on_option("Day the corrected request arrived.")
@step_options
@click.pass_context
def clarified(ctx: click.Context, request_id: str, on: date) -> None:
    """The corrected request arrived: a new answer period runs from this day (Art. 30).

    Example: ledger record clarified default-2020-0001 --date 2020-03-12
    """
    recorded = cmd.record_clarified(desk_of(ctx), request_id, on)
    _confirm(recorded, _("corrected request arrived"))


@record.command()
@id_argument()
@on_option("Day the extension was granted.")
@click.option(
    "--days",
    type=Count(1, 366),
    required=True,
    help="Working days added (at most 20 in total).",
)
@click.option("--approver", type=NAME, required=True, help="Who approved the extension.")
@step_options
@click.pass_context
def extend(ctx: click.Context, request_id: str, on: date, days: int, approver: str) -> None:
    """Extend the answer period before it ends, at most 20 working days in total (Art. 33).

    Example: ledger record extend default-2020-0001 --date 2020-03-25 --days 10 --approver 王主任
    """
    recorded = cmd.grant_extension(desk_of(ctx), request_id, on, days, approver)
    what = _("extended by {days} working days (approved by {approver})")
    _confirm(recorded, what.format(days=days, approver=approver))


@record.command()
@id_argument()
@on_option("Day the letter was sent.")
@click.option("--party", type=NAME, required=True, help="The third party or agency consulted.")
@date_option("--received", help="Day the party received the letter (default: --date).")
@click.option(
    "--kind",
    type=click.Choice(CONSULTATION_KINDS),
    default="third-party",
    show_default=True,
    help="third-party (Art. 32), joint-agency: a co-producing agency (Art. 34), "
    "agency: any other agency (Art. 33, no time limit).",
)
@step_options
@click.pass_context
def consult(
    ctx: click.Context,
    request_id: str,
    on: date,
    party: str,
    received: date | None,
    kind: str,
) -> None:
    """Consult a third party or another agency; that time is not counted (Art. 32–34).

    A third party or a co-producing agency has 15 working days from receiving the letter
    (--received); without an opinion the pause ends on that 15th working day (for a
    co-producing agency, silence is consent). Another agency's consultation has no time
    limit: the clock stops until its opinion arrives, and an alert says when it has taken
    more than 15 working days.

    Example: ledger record consult default-2020-0001 --date 2020-03-06 --party 某建设公司
    """
    recorded = cmd.start_consultation(
        desk_of(ctx), request_id, on, party, received=received, kind=kind
    )
    _confirm(recorded, _("consulting {party}").format(party=party))


@record.command()
@id_argument()
@on_option("Day the opinion arrived.")
@click.option("--party", type=NAME, required=True, help="The party whose opinion arrived.")
@step_options
@click.pass_context
def consulted(ctx: click.Context, request_id: str, on: date, party: str) -> None:
    """The consulted party's opinion arrived; the clock runs again.

    Example: ledger record consulted default-2020-0001 --date 2020-03-13 --party 某建设公司
    """
    recorded = cmd.end_consultation(desk_of(ctx), request_id, on, party)
    _confirm(recorded, _("opinion of {party} arrived").format(party=party))


@record.command()
@id_argument()
@on_option("Day the fee notice went out.")
@click.option("--amount", help="The fee in yuan, e.g. 300 or 120.50.")
@click.option(
    "--method",
    type=click.Choice(["per-request", "per-page"]),
    help="Compute under the 2020 fee measures (按件 or 按量).",
)
@click.option("--pages", type=Count(1, 1_000_000), help="Pages provided (with --method per-page).")
@date_option("--received", help="Day the applicant received the notice (default: --date).")
@step_options
@click.pass_context
def fee(
    ctx: click.Context,
    request_id: str,
    on: date,
    amount: str | None,
    method: str | None,
    pages: int | None,
    received: date | None,
) -> None:
    """Issue a processing-fee notice (Art. 42); the clock stops until payment.

    Per request (按件): the applicant's 11th–30th request in a calendar month ¥100 each,
    then ¥100 more per block of 10. Per page (按量): pages 31–100 ¥10, 101–200 ¥20,
    over 200 ¥40 each. Fees apply from 2021-01-01, once per request. The applicant has
    20 working days from receiving the notice (--received) to pay.

    Example: ledger record fee default-2021-0003 --date 2021-03-04 --method per-page --pages 150
    """
    command = cmd.IssueFeeNotice(request_id, on, amount, method, pages, received)
    recorded = cmd.issue_fee_notice(desk_of(ctx), command)
    _confirm(recorded, _("fee notice issued") if recorded.events else _("no fee due"))


@record.command()
@id_argument()
@on_option("Day the fee was paid.")
@step_options
@click.pass_context
def paid(ctx: click.Context, request_id: str, on: date) -> None:
    """The fee was paid; the clock runs again.

    Example: ledger record paid default-2021-0003 --date 2021-03-10
    """
    _confirm(cmd.record_payment(desk_of(ctx), request_id, on), _("fee paid"))


@record.command()
@id_argument()
@on_option("Day the later due date was set.")
@date_option("--until", required=True, help="The new due date.")
@click.option("--reason", type=REASON, required=True, help="Why the request is excessive.")
@step_options
@click.pass_context
def defer(ctx: click.Context, request_id: str, on: date, until: date, reason: str) -> None:
    """Set a later, reasonable due date for an excessive request (Art. 35).

    Example: ledger record defer default-2020-0007 --date 2020-04-01 --until 2020-06-30 \\
        --reason "200 files requested in one month"
    """
    recorded = cmd.defer_deadline(desk_of(ctx), request_id, on, until, reason)
    _confirm(recorded, _("due date deferred to {day}").format(day=until))


OUTCOMES_EPILOG = "\b\nOutcomes (code, Chinese name):\n" + "\n".join(
    f"  {code:28} {label}" for code, label in OUTCOMES.labels().items()
)
"""The outcome list under ``record decide --help``, from the one table of codes."""


@record.command(epilog=OUTCOMES_EPILOG)
@id_argument()
@on_option("Day the decision was issued.")
@click.option(
    "--outcome",
    required=True,
    help="Outcome code, row label or short name (予以公开, 不予公开-国家秘密, 本机关不掌握 …); "
    "see docs/rules.md.",
)
@step_options
@click.pass_context
def decide(ctx: click.Context, request_id: str, on: date, outcome: str) -> None:
    """Answer the request with one outcome; it is then closed.

    A name shared by several outcomes (不予公开 alone) is refused with the candidates.

    Example: ledger record decide default-2020-0001 --date 2020-03-20 --outcome 予以公开
    """
    recorded = cmd.issue_decision(desk_of(ctx), request_id, on, outcome)
    outcome = OUTCOMES.shown(recorded.state.outcome or "")
    _confirm(recorded, _("decided: {outcome}").format(outcome=outcome))


@record.command()
@id_argument()
@on_option("Day the applicant withdrew.")
@step_options
@click.pass_context
def withdraw(ctx: click.Context, request_id: str, on: date) -> None:
    """The applicant withdrew the request; it closes and counts as 其他.

    Example: ledger record withdraw default-2020-0002 --date 2020-03-09
    """
    _confirm(cmd.withdraw(desk_of(ctx), request_id, on), _("withdrawn"))


def _corrected(result: corrections.Corrected, what: str) -> None:
    """The one line after a correction: what changed and the request as it reads now."""
    if result.state is None or result.deadline is None:
        gone = _("{request}: {what}; the request is no longer in the books")
        click.echo(gone.format(request=result.request_id, what=what))
        return
    due = due_text(result.state, result.deadline)
    click.echo(_("{request}: {what}; {due}").format(request=result.request_id, what=what, due=due))


@record.command()
@id_argument()
@date_option("--date", "submitted", help="Corrected day the request was submitted.")
@date_option("--confirmed", help="Corrected day receipt was confirmed.")
@date_option("--signed", help="Corrected day registered mail was signed for.")
@click.option("--channel", help="Corrected channel: {channels}.")
@click.option("--applicant", help="Corrected applicant category: {applicants}.")
@click.option("--agency", "new_agency", help="Corrected agency code.")
@click.option("--subject", help="Corrected subject.")
@click.option("--outcome", help="Corrected outcome of the decision (code or Chinese name).")
@date_option("--decided", help="Corrected day the decision was issued.")
@click.option("--reason", required=True, help="Why the record was wrong (500 characters at most).")
@click.option("--approver", help="Who approved the correction, where the office requires one.")
@step_options
@click.pass_context
def correct(
    ctx: click.Context,
    request_id: str,
    submitted: date | None,
    confirmed: date | None,
    signed: date | None,
    channel: str | None,
    applicant: str | None,
    new_agency: str | None,
    subject: str | None,
    outcome: str | None,
    decided: date | None,
    reason: str,
    approver: str | None,
) -> None:
    """Correct the facts of a receipt or a decision recorded wrongly (a new event).

    The original entry stays in the log and in `ledger show`, marked as corrected; the
    deadline is re-derived. A correction reaching a closed year needs --amend.
    See docs/corrections.md.

    Example: ledger record correct default-2020-0001 --outcome 部分公开 --reason "typo"
    """
    from ledger.commands import corrections  # loaded by the two correcting commands only

    command = corrections.Correction(
        request_id, reason, approver, submitted, confirmed, signed,
        channel, applicant, new_agency, subject, outcome, decided,
    )  # fmt: skip
    result = corrections.correct(desk_of(ctx), command)
    _corrected(result, _("corrected"))


@record.command()
@id_argument()
@click.option("--step", "position", type=int, required=True, help="Position (#N in `show`).")
@click.option("--reason", required=True, help="Why the step should not be there.")
@click.option("--approver", help="Who approved it (needed to retract an extension, Art. 33).")
@step_options
@click.pass_context
def retract(
    ctx: click.Context, request_id: str, position: int, reason: str, approver: str | None
) -> None:
    """Retract a step that should not be there (on the wrong request, or recorded twice).

    Retracting a decision reopens the request; a receipt can be retracted once it has no
    other steps. The step stays in the log and in `ledger show`, marked as retracted.

    Example: ledger record retract default-2020-0001 --step 5 --reason "recorded twice"
    """
    from ledger.commands import corrections

    result = corrections.retract(desk_of(ctx), request_id, position, reason, approver)
    _corrected(result, _("step #{position} retracted").format(position=position))


for _command in (receive, correct):
    help_values(_command, channels=CHANNELS.help_text(), applicants=APPLICANTS.help_text())
