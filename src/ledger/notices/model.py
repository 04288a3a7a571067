"""A notice as data: what the letter for one step of a request says, read from its events.

Each kind of notice belongs to one step (Regulation Art. 30–42): the receipt, the
clarification request, an extension, a consultation, a fee notice, the answer. The facts
are those of the request as it stood right after that step (the stream folded up to the
step's event), so a letter printed later still says what was true on its date. Asking
for the letter of a step that did not happen is refused.

Personal data comes from the applicants table, never from the log; after erasure the
letter is addressed to 申请人.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from ledger.clock import CONSULTATION_WORKING_DAYS, FEE_PAYMENT_DAYS, consultation_end
from ledger.codes import (
    CHANNELS,
    NOTICE_KINDS,
    OUTCOMES,
    REGULATION,
    outcome_articles,
    outcome_group,
)
from ledger.commands._context import Desk
from ledger.commands.requests import IssueFeeNotice, compute_fee, load
from ledger.errors import InvalidInput, RuleViolation
from ledger.events.names import event_name
from ledger.events.requests import stream_of
from ledger.events.store import StoredEvent
from ledger.i18n import _
from ledger.projections.agencies import agency_named, recorded_agencies
from ledger.projections.requests import RequestState, deadline, fee_payment_due, fold
from ledger.texts import Resolver, value_of

if TYPE_CHECKING:
    from ledger.bootstrap import App

__all__ = [
    "APPLICANT",
    "CONSULTATION_ARTICLES",
    "LITIGATION_MONTHS",
    "REVIEW_DAYS",
    "STEPS",
    "Notice",
    "build_notice",
]

APPLICANT = "申请人"
"""How a letter addresses an applicant whose name is not on file (or was erased)."""

REVIEW_DAYS = 60  # 行政复议法 Art. 20: a review is applied for within 60 days
LITIGATION_MONTHS = 6  # 行政诉讼法 Art. 46: a suit is brought within 6 months

CONSULTATION_ARTICLES: dict[str, str] = {
    "third-party": "第三十二条",
    "joint-agency": "第三十四条",
    "agency": "第三十三条第三款",
}
"""The article a consultation letter cites, by the consultation's kind (Art. 32–34)."""

STEPS: dict[str, tuple[str, str]] = {
    "receipt": ("request.received", "record receive"),
    "clarification": ("request.clarification-requested", "record clarify"),
    "extension": ("request.extension-granted", "record extend"),
    "consultation": ("request.consultation-started", "record consult"),
    "fee": ("request.fee-notice-issued", "record fee"),
    "answer": ("request.decision-issued", "record decide"),
}
"""Each kind of notice → the event of its step, and the command that records that step."""

METHODS = {"amount": "定额收取", "per-request": "按件计收", "per-page": "按量计收"}
"""The fee methods as a fee notice names them (国办函〔2020〕109号)."""


@dataclass(frozen=True)
class Notice:
    """One letter: who sends it to whom, on which day, and the facts of its step.

    ``facts`` are the kind's own variables (docs/notices.md lists them); ``variables()``
    is everything a template gets.
    """

    kind: str
    title: str
    request_id: str
    agency: str
    agency_name: str
    dated: date
    number: str
    addressee: str
    applicant_name: str | None
    subject: str
    received_on: date
    facts: dict[str, Any] = field(default_factory=dict)
    party: str | None = None
    items: tuple[str, ...] = ()
    version: int = 0  # the request stream's version the facts were read at

    def variables(self) -> dict[str, Any]:
        """The names a template may use."""
        return {
            "kind": self.kind,
            "title": self.title,
            "request_id": self.request_id,
            "agency": self.agency,
            "agency_name": self.agency_name,
            "dated": self.dated,
            "number": self.number,
            "addressee": self.addressee,
            "applicant_name": self.applicant_name,
            "subject": self.subject,
            "received_on": self.received_on,
            "regulation": REGULATION,
            "items": list(self.items),
            "party": self.party,
            **self.facts,
        }


@dataclass(frozen=True)
class _Step:
    """The request before and right after the step's event, and the event itself."""

    before: RequestState | None
    after: RequestState
    event: StoredEvent
    final: RequestState


def _step(desk: Desk, request_id: str, kind: str, party: str | None, upto: int | None) -> _Step:
    """Fold the stream up to the step's event (the last one of its type), or refuse.

    The stream is read once, so the facts and the version the notice is recorded at are
    the same read's. ``upto``: only its first events (the request as it stood then).
    """
    events = desk.store.read_stream(stream_of(request_id))[:upto]
    final = fold(request_id, events) or load(desk, request_id)  # load: refused, unknown
    wanted, command = STEPS[kind]
    names = Resolver(desk.store.texts).prime(e.data for e in events if e.type == wanted)
    found = [
        i for i, e in enumerate(events)
        if e.type == wanted and (party is None or names.fill(value_of(e.data, "party")) == party)
    ]  # fmt: skip
    if kind == "answer" and final.withdrawn:
        raise RuleViolation(
            _(
                "notice answer: request {request_id} was withdrawn on {decided_on}; a withdrawn "
                "request is not answered"
            ).format(request_id=request_id, decided_on=final.decided_on)
        )
    if not found:
        missing = (
            _(
                "notice {kind}: request {request_id} has no {wanted} step with {party!r}; "
                "record `ledger {command}` first"
            )
            if party
            else _(
                "notice {kind}: request {request_id} has no {wanted} step; record `ledger "
                "{command}` first"
            )
        )
        raise RuleViolation(
            missing.format(
                kind=kind,
                request_id=request_id,
                wanted=event_name(wanted),
                party=party,
                command=command,
            )
        )
    at = found[-1]
    return _Step(fold(request_id, events[:at]), fold(request_id, events[: at + 1]) or final,
                 events[at], final)  # fmt: skip


def _applicant_name(desk: Desk, state: RequestState) -> str | None:
    """The applicant's name from the applicants table (None if unknown or erased)."""
    if state.applicant_ref is None:
        return None
    row = desk.store.applicants.read(state.applicant_ref)
    name = row.get("name") if row else None
    return str(name) if name else None


def _receipt(desk: Desk, step: _Step) -> dict[str, Any]:
    due = deadline(step.after, desk.calendar)
    return {
        "submitted_on": date.fromisoformat(step.event.data["submitted_on"]),
        "channel": step.after.channel,
        "channel_label": CHANNELS.labels()[step.after.channel],
        "due": due.due,
        "days_allowed": due.days_allowed,
        "regime": due.regime,
        "provisional": due.provisional,
    }


def _clarification(_desk: Desk, step: _Step) -> dict[str, Any]:
    asked = step.after.clarifications[-1]
    return {"requested_on": asked.requested_on, "reply_by": asked.reply_by}


def _extension(desk: Desk, step: _Step) -> dict[str, Any]:
    granted = step.after.extensions[-1]
    before = deadline(step.before, desk.calendar) if step.before else None
    return {
        "granted_on": granted.granted_on,
        "days": granted.days,
        "due_before": before.due if before else None,
        "due_after": deadline(step.after, desk.calendar).due,
    }


def _consultation(desk: Desk, step: _Step) -> dict[str, Any]:
    letter = step.after.consultations[-1]
    capped = letter.kind in ("third-party", "joint-agency")
    return {
        "consultation_kind": letter.kind,
        "article": CONSULTATION_ARTICLES[letter.kind],
        "sent_on": letter.started_on,
        "party_received_on": letter.received,
        "days": CONSULTATION_WORKING_DAYS if capped else None,
        "reply_by": consultation_end(letter.received, desk.calendar) if capped else None,
    }


def _fee(desk: Desk, step: _Step) -> dict[str, Any]:
    notice = step.after.fees[-1]
    data = step.event.data
    method = data["method"]
    order = IssueFeeNotice(
        step.after.id, notice.notice_on,
        amount=data["amount"] if method == "amount" else None,
        method=None if method == "amount" else method,
        pages=data.get("pages"),
    )  # fmt: skip
    working = compute_fee(desk, step.after, order)
    return {
        "notice_on": notice.notice_on,
        "applicant_received_on": notice.received,
        "amount": data["amount"],
        "method": method,
        "method_label": METHODS[method],
        "lines": list(working.letter_lines()),
        "payment_days": FEE_PAYMENT_DAYS,
        "pay_by": fee_payment_due(notice, desk.calendar),
    }


def _answer(desk: Desk, step: _Step) -> dict[str, Any]:
    state = step.after
    outcome = state.outcome or "other"
    asked = state.clarifications[-1] if state.clarifications else None
    fee = state.fees[-1] if state.fees else None
    return {
        "outcome": outcome,
        "outcome_label": OUTCOMES.labels()[outcome],
        "outcome_group": outcome_group(outcome),
        "articles": list(outcome_articles(outcome)),
        "decided_on": state.decided_on,
        "clarification_requested_on": asked.requested_on if asked else None,
        "reply_by": asked.reply_by if asked else None,
        "clarified_on": asked.clarified_on if asked else None,
        "fee_notice_on": fee.notice_on if fee else None,
        "pay_by": fee_payment_due(fee, desk.calendar) if fee else None,
        "review_days": REVIEW_DAYS,
        "litigation_months": LITIGATION_MONTHS,
    }


FACTS = {
    "receipt": _receipt,
    "clarification": _clarification,
    "extension": _extension,
    "consultation": _consultation,
    "fee": _fee,
    "answer": _answer,
}


def recorded_items(step_state: RequestState, kind: str) -> tuple[str, ...]:
    """The items of the last notice of ``kind`` recorded on the request, if any."""
    for entry in reversed(step_state.timeline):
        if entry.type == "request.notice-issued" and entry.data.get("kind") == kind:
            return tuple(entry.data.get("items") or ())
    return ()


def build_notice(
    app: App,
    request_id: str,
    kind: str,
    *,
    items: Sequence[str] = (),
    party: str | None = None,
    agency: str | None = None,
    desk: Desk | None = None,
    upto: int | None = None,
) -> Notice:
    """The notice of ``kind`` (a code or a Chinese name) for request ``request_id``.

    ``items``: what a 补正告知书 asks to correct (default: those recorded with the last
    one issued; Art. 30 requires them). ``party``: which consultation's letter (default:
    the latest). ``desk``: the desk reading (default: one for ``agency``). ``upto``: the
    request as it stood at that version (a retried notice's letter, as first recorded).
    """
    code = NOTICE_KINDS.parse(kind)
    desk = desk or app.desk(agency)
    step = _step(desk, request_id, code, party.strip() if party else None, upto)
    items = tuple(i.strip() for i in items if i.strip()) or recorded_items(step.final, code)
    if code == "clarification" and not items:
        raise InvalidInput(
            _(
                "notice clarification: --items is needed; Art. 30 requires the notice to list "
                "everything the applicant must correct"
            )
        )
    name = _applicant_name(desk, step.final)
    names = Resolver(desk.store.texts)
    consulted = step.after.consultations[-1].party if code == "consultation" else None
    consulted = names.fill(consulted) if consulted is not None else None
    agency_name = agency_named(step.final.agency, app.config.agencies, recorded_agencies(app.store))
    dated = step.event.effective_date
    return Notice(
        kind=code,
        title=NOTICE_KINDS.labels()[code],
        request_id=request_id,
        agency=step.final.agency,
        agency_name=agency_name[0],
        dated=dated,
        number=f"〔{dated.year}〕{request_id}号",
        addressee=consulted or name or APPLICANT,
        applicant_name=name,
        subject=names.fill(step.final.subject),
        received_on=step.final.received_on,
        facts=FACTS[code](desk, step),
        party=consulted,
        items=items if code == "clarification" else (),
        version=step.final.version,
    )
