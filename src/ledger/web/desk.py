"""The desk's forms: a receipt and every step of a request, on the CLI's use cases.

Each form field names the command-line option it stands for (``--date``, ``--reply-by``
…) and is read by the same converter the CLI uses (``parse_date``, the click types of
``cli/_types.py``), then the same use case runs (``commands/requests.py``,
``commands/corrections.py``) through a desk whose actor is the signed-in user. A
refusal is one sentence, the same as the CLI's, shown next to the field whose option
it names, and nothing is written. Each form carries a command id made when it was
opened, so a form sent twice (a double click, a retry after a lost answer) records once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import click
from starlette.responses import RedirectResponse, Response

from ledger import accounts
from ledger.accounts import User
from ledger.applicants import Applicant
from ledger.cli._types import NAME, PERSONAL, PERSONAL_NAME, REASON, TEXT, Count
from ledger.codes import APPLICANTS, CHANNELS, OUTCOMES
from ledger.commands import corrections
from ledger.commands import requests as cmd
from ledger.commands._context import Desk
from ledger.commands._once import check_command_id, new_command_id
from ledger.dates import parse_date
from ledger.errors import InvalidInput, LedgerError, NotFound
from ledger.events.requests import CONSULTATION_KINDS
from ledger.i18n import N_, _
from ledger.projections.views import RequestRow, due_text, summary
from ledger.web.pages import agency_names, my_request
from ledger.web.site import Visit, page

Values = dict[str, Any]


@dataclass(frozen=True)
class Field:
    """One input: its form name, the CLI option it stands for, how it is read."""

    name: str
    option: str
    label: str
    kind: str = "text"  # text, date, int, choice, check, textarea
    required: bool = False
    convert: click.ParamType[Any] | None = None
    choices: Mapping[str, str] = field(default_factory=dict)  # value → label
    hint: str = ""
    section: str = ""  # a heading shown above this field (the applicant's personal data)

    def read(self, raw: str) -> Any:
        """The value as the use case takes it; a refusal naming the option otherwise."""
        text = raw.strip()
        if self.kind == "check":
            return bool(text)
        if not text:
            if self.required:
                raise InvalidInput(_("{field}: required").format(field=self.option))
            return None
        if self.kind == "date":
            return parse_date(text, self.option)
        if self.convert is None:
            return text
        param = click.Option([self.option]) if self.option.startswith("--") else None
        try:
            return self.convert.convert(text, param, None)
        except click.BadParameter as refused:
            refused.param_hint = f"'{self.option}'"
            raise InvalidInput(refused.format_message()) from None


def _date(name: str, option: str, label: str, required: bool = False) -> Field:
    return Field(name, option, label, "date", required)


ON = _date("on", "--date", N_("Date"), required=True)
COMMON = (
    Field("backdated", "--backdated", N_("Recorded late because"), convert=REASON,
          hint=N_("only for a fact dated more than 30 days ago")),
    Field("amend", "--amend", N_("Amendment to a closed year"), "check"),
)  # fmt: skip
"""What every step takes besides its own fields."""


@dataclass(frozen=True)
class Step:
    """A form of the desk: its title, fields, the right it needs, and the use case."""

    code: str
    title: str
    fields: tuple[Field, ...]
    run: Callable[[Desk, str, Values], Any]
    right: str = accounts.RECORD
    on_closed: bool = False  # shown for a closed request too (corrections)


def _fee(desk: Desk, rid: str, v: Values) -> cmd.Recorded:
    order = cmd.IssueFeeNotice(rid, v["on"], v["amount"], v["method"], v["pages"], v["received"])
    return cmd.issue_fee_notice(desk, order)


def _correct(desk: Desk, rid: str, v: Values) -> corrections.Corrected:
    return corrections.correct(desk, corrections.Correction(
        rid, v["reason"] or "", v["approver"], v["submitted"], v["confirmed"], v["signed"],
        v["channel"], v["applicant"], v["new_agency"], v["subject"], v["outcome"], v["decided"],
    ))  # fmt: skip


def _codes(table: Any) -> dict[str, str]:
    return {code: f"{label} ({code})" for code, label in table.labels().items()}


STEPS: dict[str, Step] = {s.code: s for s in (
    Step("clarify", N_("Ask for clarification (Art. 30)"),
         (ON, _date("reply_by", "--reply-by", N_("Reply by"), required=True)),
         lambda d, r, v: cmd.request_clarification(d, r, v["on"], v["reply_by"])),
    Step("clarified", N_("Corrected request arrived"), (ON,),
         lambda d, r, v: cmd.record_clarified(d, r, v["on"])),
    Step("extend", N_("Extend (Art. 33)"),
         (ON, Field("days", "--days", N_("Working days added"), "int", True, Count(1, 366)),
          Field("approver", "--approver", N_("Approved by"), required=True, convert=NAME)),
         lambda d, r, v: cmd.grant_extension(d, r, v["on"], v["days"], v["approver"]),
         accounts.APPROVE),
    Step("consult", N_("Consult a third party or agency"),
         (ON, Field("party", "--party", N_("Party consulted"), required=True, convert=NAME),
          _date("received", "--received", N_("Letter received by the party")),
          Field("kind", "--kind", N_("Kind"), "choice", convert=click.Choice(CONSULTATION_KINDS),
                choices={k: k for k in CONSULTATION_KINDS})),
         lambda d, r, v: cmd.start_consultation(d, r, v["on"], v["party"], received=v["received"],
                                                kind=v["kind"] or "third-party")),
    Step("consulted", N_("Opinion arrived"),
         (ON, Field("party", "--party", N_("Party"), required=True, convert=NAME)),
         lambda d, r, v: cmd.end_consultation(d, r, v["on"], v["party"])),
    Step("fee", N_("Fee notice (Art. 42)"),
         (ON, Field("amount", "--amount", N_("Amount (yuan)")),
          Field("method", "--method", N_("Computed"), "choice",
                convert=click.Choice(["per-request", "per-page"]),
                choices={"per-request": "per-request", "per-page": "per-page"}),
          Field("pages", "--pages", N_("Pages"), "int", convert=Count(1, 1_000_000)),
          _date("received", "--received", N_("Notice received by the applicant"))),
         _fee),
    Step("paid", N_("Fee paid"), (ON,), lambda d, r, v: cmd.record_payment(d, r, v["on"])),
    Step("defer", N_("Later due date (Art. 35)"),
         (ON, _date("until", "--until", N_("New due date"), required=True),
          Field("reason", "--reason", N_("Why the request is excessive"), required=True,
                convert=REASON)),
         lambda d, r, v: cmd.defer_deadline(d, r, v["on"], v["until"], v["reason"])),
    Step("decide", N_("Decide"),
         (ON, Field("outcome", "--outcome", N_("Outcome"), "choice", True,
                    choices=_codes(OUTCOMES))),
         lambda d, r, v: cmd.issue_decision(d, r, v["on"], v["outcome"])),
    Step("withdraw", N_("Withdrawn by the applicant"), (ON,),
         lambda d, r, v: cmd.withdraw(d, r, v["on"])),
    Step("correct", N_("Correct the receipt or the decision"),
         (_date("submitted", "--date", N_("Corrected day submitted")),
          _date("confirmed", "--confirmed", N_("Corrected day confirmed")),
          _date("signed", "--signed", N_("Corrected day signed for")),
          Field("channel", "--channel", N_("Corrected channel"), "choice",
                choices=_codes(CHANNELS)),
          Field("applicant", "--applicant", N_("Corrected applicant category"), "choice",
                choices=_codes(APPLICANTS)),
          Field("new_agency", "--agency", N_("Corrected agency code")),
          Field("subject", "--subject", N_("Corrected subject")),
          Field("outcome", "--outcome", N_("Corrected outcome"), "choice",
                choices=_codes(OUTCOMES)),
          _date("decided", "--decided", N_("Corrected day decided")),
          Field("reason", "--reason", N_("Why the record was wrong"), required=True),
          Field("approver", "--approver", N_("Approved by"))),
         _correct, accounts.CORRECT_OWN, on_closed=True),
    Step("retract", N_("Retract a step"),
         (Field("position", "--step", N_("Step (#N in the timeline)"), "choice", True,
                click.INT),
          Field("reason", "--reason", N_("Why the step should not be there"), required=True),
          Field("approver", "--approver", N_("Approved by"))),
         lambda d, r, v: corrections.retract(d, r, v["position"], v["reason"], v["approver"]),
         accounts.CORRECT_OWN, on_closed=True),
)}  # fmt: skip
"""Every step a desk records on a request, in the order the request page offers them."""


RECEIPT = Step(
    "receive", N_("Record a receipt"),
    (Field("request_id", "ID", N_("Request id (empty: the next number)")),
     ON,
     Field("channel", "--channel", N_("Channel"), "choice", True, choices=_codes(CHANNELS)),
     Field("applicant", "--applicant", N_("Applicant category"), "choice", True,
           choices=_codes(APPLICANTS)),
     _date("confirmed", "--confirmed", N_("Receipt confirmed (mail, online, fax)")),
     _date("signed", "--signed", N_("Registered mail signed for")),
     Field("agency", "--agency", N_("Agency"), "choice"),
     Field("subject", "--subject", N_("Information asked for (no personal data)"), "textarea",
           convert=TEXT),
     Field("name", "--name", N_("Applicant's name"), convert=PERSONAL_NAME,
           section=N_("The applicant (personal data, kept outside the log)")),
     Field("id_number", "--id-number", N_("Identity or organisation code"), convert=PERSONAL),
     Field("phone", "--phone", N_("Phone"), convert=PERSONAL),
     Field("email", "--email", N_("E-mail"), convert=PERSONAL),
     Field("address", "--address", N_("Address"), convert=PERSONAL)),
    lambda d, _r, v: cmd.record_receipt(d, cmd.RecordReceipt(
        v["on"], v["channel"] or "", v["applicant"] or "", v["request_id"], v["confirmed"],
        v["signed"], v["agency"], v["subject"] or "",
        Applicant(v["name"], v["id_number"], v["phone"], v["email"], v["address"]))),
)  # fmt: skip
"""The receipt form: ``ledger record receive``."""


def _may_touch(user: User, code: str, actors: corrections.StepActors | None) -> bool:
    """Whether this user may correct (``correct``) or retract (``retract``) anything of
    the request, by who recorded it (``User.may_correct``); other steps, and a user not
    held to their own steps (``actors`` None): True."""
    if actors is None:
        return True
    if code == "correct":
        return any(a is not None and user.may_correct(a) for a in (actors.receipt,
                                                                   actors.decision))  # fmt: skip
    if code == "retract":
        return any(user.may_correct(a) for a in actors.steps.values())
    return True


def steps_for(user: User, row: RequestRow, actors: corrections.StepActors | None) -> list[Step]:
    """The steps this user may record on this request now (a correction or retraction
    only where there is a step they may touch)."""
    return [s for s in STEPS.values()
            if user.may(s.right) and (s.on_closed or not row.closed)
            and _may_touch(user, s.code, actors)]  # fmt: skip


def actors_of(visit: Visit, request_id: str) -> corrections.StepActors:
    """Who recorded the request's receipt, decision and steps (what a clerk may correct)."""
    return corrections.step_actors(cmd.load(visit.web.ledger.office(), request_id))


def _retractable(visit: Visit, request_id: str) -> dict[str, str]:
    """The steps this user may retract, as the choices of the retraction form."""
    actors = actors_of(visit, request_id)
    shown = {e["position"]: e for e in my_request(visit, request_id).events}
    return {
        str(n): f"#{n} {summary(shown[n]['type'], {})} · {shown[n]['date']} · {actor}"
        for n, actor in sorted(actors.steps.items())
        if n in shown and visit.user.may_correct(actor)
    }


def where_refused(message: str, fields: tuple[Field, ...]) -> str:
    """The field whose option the refusal names first ('' for the form as a whole)."""
    best, at = "", len(message) + 1
    for f in fields:
        hit = re.search(rf"(?<![\w-]){re.escape(f.option)}(?![\w-])", message)
        if hit and hit.start() < at:
            best, at = f.name, hit.start()
    return best


def _read(step: Step, form: Mapping[str, str]) -> Values:
    """Every field of the form, read as the CLI reads its options."""
    return {f.name: f.read(form.get(f.name, "")) for f in (*step.fields, *COMMON)}


def command_id_of(form: Mapping[str, str]) -> str:
    """The form's command id (made when it was opened), else a new one: a form posted
    twice (a double click, a reload after a lost answer) records once."""
    given = form.get("command_id", "").strip()
    if not given:
        return new_command_id()
    check_command_id(given)
    return given


def _form_page(visit: Visit, step: Step, row: RequestRow | None, *, error: str = "",
               where: str = "", status: int = 200) -> Response:  # fmt: skip
    values = dict(visit.form)
    values.setdefault("command_id", new_command_id())
    if step.code == "extend":
        values.setdefault("approver", visit.user.username)
    if not visit.form:
        values.setdefault("on", visit.web.ledger.today().isoformat())
    choices = {"agency": {c: f"{n} ({c})" for c, n in agency_names(visit).items()
                          if visit.user.serves(c)}}  # fmt: skip
    if step.code == "retract" and row is not None:
        choices["position"] = _retractable(visit, row.id)
    return visit.render(
        "step.html", status, step=step, fields=(*step.fields, *COMMON), row=row,
        values=values, error=error, where=where, choices=choices,
    )  # fmt: skip


def _desk(visit: Visit, agency: str | None, values: Values, command_id: str,
          check: bool) -> Desk:  # fmt: skip
    return visit.web.ledger.desk(
        agency, amend=bool(values.get("amend")), actor=visit.user.username,
        backdated=values.get("backdated"), command_id=command_id, check_agency=check,
        own_steps_only=visit.user.corrects_only_own,
    )  # fmt: skip


def _done(visit: Visit, step: Step, result: Any) -> Response:
    """After a step: the request's page, with the one line saying what was recorded."""
    state, deadline = result.state, result.deadline
    line = _("{request}: {what}").format(request=result.request_id, what=_(step.title))
    if state is not None and deadline is not None:
        line = _("{request}: {what}; {due}").format(
            request=result.request_id, what=_(step.title), due=due_text(state, deadline)
        )
    warning = getattr(result, "warning", "")
    visit.flash(f"{line}\n{warning}" if warning else line)
    target = f"/requests/{result.request_id}" if state is not None else "/requests"
    return RedirectResponse(target, 303)


@page(accounts.RECORD)
def receipt(visit: Visit) -> Response:
    """登记: a new request, through ``record_receipt``."""
    if visit.request.method != "POST":
        return _form_page(visit, RECEIPT, None)
    try:
        values = _read(RECEIPT, visit.form)
        agency = values["agency"] or _only_agency(visit)
        if agency is not None and not visit.user.serves(agency):
            raise InvalidInput(_("--agency: {value!r} is not one of your agencies").format(
                value=agency))  # fmt: skip
        desk = _desk(visit, agency, values, command_id_of(visit.form), True)
        if not visit.user.serves(desk.agency):
            raise InvalidInput(_("--agency: choose one of your agencies"))
        values["agency"] = values["agency"] or desk.agency
        result = RECEIPT.run(desk, "", values)
    except LedgerError as refused:
        where = where_refused(refused.message, (*RECEIPT.fields, *COMMON))
        return _form_page(visit, RECEIPT, None, error=refused.message, where=where, status=400)
    return _done(visit, RECEIPT, result)


def _only_agency(visit: Visit) -> str | None:
    """The user's one agency, when they serve exactly one (else the desk's default)."""
    mine = [a for a in visit.user.agencies if a != accounts.ALL_AGENCIES]
    return mine[0] if len(mine) == 1 and not visit.user.every_agency else None


@page(accounts.RECORD)
def step_form(visit: Visit) -> Response:
    """A step on a request: the form, or the step recorded through its use case."""
    request_id = visit.request.path_params["request_id"]
    step = STEPS.get(visit.request.path_params["step"])
    if step is None:
        raise NotFound(_("no such page"))
    row = my_request(visit, request_id).row
    if not visit.user.may(step.right):
        return visit.render("error.html", 403, message=_("your role may not do this"))
    if visit.request.method != "POST":
        return _form_page(visit, step, row)
    try:
        values = _read(step, visit.form)
        desk = _desk(visit, row.agency, values, command_id_of(visit.form), False)
        result = step.run(desk, request_id, values)
    except LedgerError as refused:
        where = where_refused(refused.message, (*step.fields, *COMMON))
        return _form_page(visit, step, row, error=refused.message, where=where, status=400)
    return _done(visit, step, result)
