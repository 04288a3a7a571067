"""Correcting what was recorded wrongly: new events, never edits (docs/corrections.md).

Three events cover every mistake a desk can make: ``request.receipt-corrected`` (the
facts of the receipt), ``request.decision-corrected`` (the outcome or date of the
decision) and ``request.step-retracted`` (a step that should not be there at all). The
original entry stays in the log; the fold reads the corrected facts from the correction
on, the deadline is re-derived, and a change reaching a closed year needs --amend, as
every change does (``commit`` checks it). A desk held to its own steps (a clerk on the
web pages, ``Desk.own_steps_only``) may touch only the steps its actor recorded.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from datetime import date
from typing import Any

from ledger.clock import Deadline
from ledger.codes import applicant_code, channel_code, outcome_code
from ledger.commands._context import Desk
from ledger.commands._once import exactly_once
from ledger.commands.requests import (
    RecordReceipt,
    _check_closure,
    check_id,
    commit,
    date_of_receipt,
    load,
)
from ledger.commands.years import check_effect, closed_years_reached
from ledger.errors import InvalidInput, RuleViolation
from ledger.events import requests as ev
from ledger.events.names import event_name
from ledger.events.store import NewEvent, StoredEvent
from ledger.events.types import Event
from ledger.events.years import AmendmentRecorded, CarryOverRevoked
from ledger.i18n import _
from ledger.limits import NAME_MAX, check_fact_date, clean_text
from ledger.projections.requests import RequestState, apply, copy_state, deadline, fold
from ledger.texts import Resolver, value_of

STEPS: tuple[str, ...] = (
    "request.received",
    "request.clarification-requested",
    "request.clarified",
    "request.extension-granted",
    "request.consultation-started",
    "request.consultation-ended",
    "request.fee-notice-issued",
    "request.fee-paid",
    "request.deadline-deferred",
    "request.decision-issued",
    "request.withdrawn",
)
"""What ``retract`` takes back: the desk's steps (not derived deadlines, carry-overs or
corrections, which the log keeps as they are)."""

NEEDS_APPROVER: tuple[str, ...] = ("request.extension-granted",)
"""Steps the Regulation let only an approver take (Art. 33: an extension needs the consent
of the head of the disclosure office); taking one back needs one too."""

DEPENDENT: dict[str, str] = {
    "request.clarification-requested": "request.clarified",
    "request.consultation-started": "request.consultation-ended",
    "request.fee-notice-issued": "request.fee-paid",
}
"""A step whose later partner only means something after it: retract the partner first."""


@dataclass(frozen=True)
class Corrected:
    """What a correction stored, and the request as it reads now (None once its only
    receipt is retracted: the request is no longer in the books)."""

    request_id: str
    state: RequestState | None
    deadline: Deadline | None
    events: tuple[StoredEvent, ...]


@dataclass(frozen=True)
class Correction:
    """``ledger record correct``: the fields given are the corrected facts."""

    request_id: str
    reason: str
    approver: str | None = None
    date: dt.date | None = None  # the day submitted
    confirmed: dt.date | None = None
    signed: dt.date | None = None
    channel: str | None = None
    applicant: str | None = None
    agency: str | None = None
    subject: str | None = None
    outcome: str | None = None
    decided: dt.date | None = None


@dataclass(frozen=True)
class StepActors:
    """Who recorded what a correction or retraction may touch, as the request reads now:
    the receipt, the decision (None when not decided) and each step still counting."""

    receipt: str | None
    decision: str | None
    steps: dict[int, str]  # position → actor


def step_actors(state: RequestState) -> StepActors:
    """Who recorded the receipt, the decision and each live step of this request."""
    receipt = _last_step(state, ("request.received",))
    decided = state.closed and not state.withdrawn
    decision = _last_step(state, ("request.decision-issued",)) if decided else None
    live = {e.position: e.actor for e in state.applied
            if e.type in STEPS and e.version not in state.retracted}  # fmt: skip
    return StepActors(receipt and receipt.actor, decision and decision.actor, live)


def _check_own(desk: Desk, state: RequestState, step: StoredEvent | None) -> None:
    """On a desk held to its own steps, refuse to touch a step someone else recorded."""
    if not desk.own_steps_only or step is None or step.actor == desk.actor:
        return
    raise RuleViolation(
        _(
            "request {id}: step #{position} ({step}) was recorded by {actor}; you may correct "
            "and retract only the steps you recorded (the head corrects the others)"
        ).format(id=state.id, position=step.position, step=event_name(step.type), actor=step.actor)
    )


def _why(reason: str, approver: str | None) -> tuple[str, str | None]:
    """The reason (required) and approver (optional), as clean one-line text."""
    why = clean_text(reason, "--reason", required=True)
    who = clean_text(approver, "--approver", NAME_MAX) if approver is not None else None
    return why, who or None


def receipt_facts(state: RequestState) -> dict[str, Any]:
    """The receipt's recorded facts as they read now: the receipt, then its corrections."""
    facts: dict[str, Any] = {}
    for e in state.applied:
        if e.version in state.retracted:
            continue
        if e.type == "request.received":
            facts = dict(e.data)
        elif e.type == "request.receipt-corrected":
            facts.update({k: v for k, v in e.data.items() if v is not None})
    return facts


def _day(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _last_step(state: RequestState, types: tuple[str, ...]) -> StoredEvent | None:
    """The latest step of these types still counting (None if none)."""
    found = [e for e in state.applied if e.type in types and e.version not in state.retracted]
    return max(found, key=lambda e: e.effective_date, default=None)


def _receipt_event(desk: Desk, state: RequestState, c: Correction, why: str, who: str | None
                   ) -> ev.ReceiptCorrected | None:  # fmt: skip
    """The receipt correction the command asks for (None when it asks for none)."""
    was = receipt_facts(state)
    for name, value in (("--date", c.date), ("--confirmed", c.confirmed), ("--signed", c.signed)):
        if value is not None:
            check_fact_date(value, name, desk.today)
    if c.agency is not None:
        check_id(c.agency, "--agency")
    asked = RecordReceipt(
        date=c.date or _day(was.get("submitted_on")) or state.received_on,
        channel=channel_code(c.channel) if c.channel is not None else state.channel,
        applicant=applicant_code(c.applicant) if c.applicant is not None else state.applicant,
        confirmed=c.confirmed or _day(was.get("confirmed_on")),
        signed=c.signed or _day(was.get("signed_on")),
    )
    for name, value in (("--confirmed", asked.confirmed), ("--signed", asked.signed)):
        if value is not None and value < asked.date:
            raise InvalidInput(
                _("{name}: {value} is before the day submitted ({date})").format(
                    name=name, value=value, date=asked.date
                )
            )
    new: dict[str, Any] = {
        "received_on": date_of_receipt(asked, desk.calendar),
        "submitted_on": asked.date,
        "confirmed_on": asked.confirmed,
        "signed_on": asked.signed,
        "channel": asked.channel,
        "applicant": asked.applicant,
        "agency": c.agency,
        "subject": clean_text(c.subject, "--subject") if c.subject is not None else None,
    }
    dates = {k: _day(v) for k, v in was.items() if k.endswith("_on")}
    old = {
        **dates,
        "received_on": state.received_on,
        "channel": state.channel,
        "applicant": state.applicant,
        "agency": state.agency,
        "subject": Resolver(desk.store.texts).fill(state.subject),
    }
    changed = {k: v for k, v in new.items() if v is not None and v != old.get(k)}
    if not changed:
        return None
    _check_receipt_before_steps(state, changed.get("received_on", state.received_on))
    return ev.ReceiptCorrected(reason=why, approver=who, **changed)


def _check_receipt_before_steps(state: RequestState, received_on: date) -> None:
    """A corrected date of receipt may not fall after a step of the request."""
    later = [s for s in STEPS if s != "request.received"]
    first = [e for e in state.applied if e.type in later and e.version not in state.retracted]
    early = min(first, key=lambda e: e.effective_date, default=None)
    if early is not None and received_on > early.effective_date:
        raise RuleViolation(
            _(
                "record correct: the date of receipt {received_on} would be after step #{position} "
                "({step}) of {effective_date}; retract or correct that step first"
            ).format(
                received_on=received_on,
                position=early.position,
                step=event_name(early.type),
                effective_date=early.effective_date,
            )
        )


def _decision_event(desk: Desk, state: RequestState, c: Correction, why: str, who: str | None
                    ) -> ev.DecisionCorrected | None:  # fmt: skip
    """The decision correction the command asks for (None when it asks for none)."""
    if c.outcome is None and c.decided is None:
        return None
    if state.withdrawn:
        raise RuleViolation(
            _(
                "record correct: request {id} was withdrawn, not decided; retract the withdrawal "
                "(record retract --step) and record the decision"
            ).format(id=state.id)
        )
    if not state.closed or state.decided_on is None:
        raise RuleViolation(
            _(
                "record correct: request {id} has no decision; --outcome and --decided correct a "
                "decision, `ledger record decide` records one"
            ).format(id=state.id)
        )
    outcome = outcome_code(c.outcome) if c.outcome is not None else state.outcome
    on = c.decided or state.decided_on
    if c.decided is not None:
        check_fact_date(c.decided, "--decided", desk.today)
        last = _last_step(state, tuple(s for s in STEPS if s != "request.decision-issued"))
        if last is not None and c.decided < last.effective_date:
            raise RuleViolation(
                _(
                    "--decided: {decided} is before step #{position} ({step}) of {effective_date}"
                ).format(
                    decided=c.decided,
                    position=last.position,
                    step=event_name(last.type),
                    effective_date=last.effective_date,
                )
            )
    changed: dict[str, Any] = {}
    if outcome != state.outcome:
        reopened = copy_state(state)
        reopened.outcome = None
        _check_closure(desk, reopened, str(outcome), on)
        changed["outcome"] = outcome
    if on != state.decided_on:
        changed["decided_on"] = on
    return ev.DecisionCorrected(reason=why, approver=who, **changed) if changed else None


def _replay(desk: Desk, command_id: str) -> Corrected | None:
    """What a correction with this command id stored, as the request reads now."""
    stored = desk.store.events_of_command(command_id)
    if not stored or not stored[0].stream_id.startswith(ev.stream_of("")):
        return None
    request_id = ev.request_of(stored[0].stream_id)
    state = fold(request_id, desk.store.read_stream(stored[0].stream_id))
    due = deadline(state, desk.calendar) if state is not None else None
    return Corrected(request_id, state, due, stored)


once = exactly_once(_replay)
"""A correction or retraction stored once per command id; lost races retried."""


@once
def correct(desk: Desk, c: Correction) -> Corrected:
    """Correct the facts of a receipt and/or a decision; refuse a correction that changes
    nothing, and a date before 2008-05-01 or after today (naming the option)."""
    why, who = _why(c.reason, c.approver)
    state = load(desk, c.request_id)
    events: list[Event] = []
    receipt = _receipt_event(desk, state, c, why, who)
    if receipt is not None:
        _check_own(desk, state, _last_step(state, ("request.received",)))
        events.append(receipt)
    decision = _decision_event(desk, state, c, why, who)
    if decision is not None:
        _check_own(desk, state, _last_step(state, ("request.decision-issued",)))
        events.append(decision)
    if not events:
        raise InvalidInput(
            _(
                "record correct: the facts given are those already recorded for {request_id}; "
                "nothing changes (give the corrected values: --date, --channel, --applicant, "
                "--agency, --subject, --outcome, --decided …)"
            ).format(request_id=c.request_id)
        )
    recorded = commit(desk, state, events, desk.today, f"correction: {why}")
    return Corrected(recorded.request_id, recorded.state, recorded.deadline, recorded.events)


def _target(state: RequestState, position: int) -> StoredEvent:
    """The step at ``position`` of this request, or a refusal naming --step."""
    steps = [e for e in state.applied if e.type in STEPS]
    found = next((e for e in steps if e.position == position), None)
    if found is None:
        listed = ", ".join(f"#{e.position}" for e in steps if e.version not in state.retracted)
        raise InvalidInput(
            _("--step: #{position} is not a step of request {id}; its steps are {listed}").format(
                position=position, id=state.id, listed=listed
            )
        )
    if found.version in state.retracted:
        raise RuleViolation(
            _("--step: #{position} of request {id} is already retracted").format(
                position=position, id=state.id
            )
        )
    return found


def _check_retractable(state: RequestState, step: StoredEvent) -> None:
    """A receipt goes last; a step's later partner (clarified, paid, opinion) goes first."""
    live = [e for e in state.applied if e.type in STEPS and e.version not in state.retracted]
    if step.type == "request.received":
        others = [f"#{e.position}" for e in live if e.position != step.position]
        if others:
            raise RuleViolation(
                _(
                    "--step: #{position} is the receipt of {id}, and its steps {listed} remain; "
                    "retract them first"
                ).format(position=step.position, id=state.id, listed=", ".join(others))
            )
    partner = DEPENDENT.get(step.type)
    after = [
        e
        for e in live
        if e.type == partner
        and e.position > step.position
        and value_of(e.data, "party") == value_of(step.data, "party")
    ]
    if after:
        raise RuleViolation(
            _("--step: #{position} is followed by #{later} ({kind}); retract that first").format(
                position=step.position,
                later=after[0].position,
                kind=partner and event_name(partner),
            )
        )


@once
def retract(
    desk: Desk, request_id: str, position: int, reason: str, approver: str | None = None
) -> Corrected:
    """Take back a step that should not be there; retracting a decision reopens the request."""
    why, who = _why(reason, approver)
    state = load(desk, request_id)
    step = _target(state, position)
    _check_own(desk, state, step)
    _check_retractable(state, step)
    if step.type in NEEDS_APPROVER and who is None:
        raise InvalidInput(
            _(
                "--approver: retracting #{position} ({step}) needs the approver who consented to "
                "the change (Art. 33)"
            ).format(position=position, step=event_name(step.type))
        )
    event = ev.StepRetracted(
        step_version=step.version,
        position=position,
        step=step.type.removeprefix("request."),
        reason=why,
        approver=who,
    )
    if step.type != "request.received":
        recorded = commit(desk, state, [event], desk.today, f"retracted #{position}: {why}")
        return Corrected(recorded.request_id, recorded.state, recorded.deadline, recorded.events)
    return _retract_receipt(desk, state, event)


def _retract_receipt(desk: Desk, state: RequestState, event: ev.StepRetracted) -> Corrected:
    """A receipt with no steps left: the request leaves the books (its id stays used)."""
    after = copy_state(state)
    stored = StoredEvent(
        0, ev.stream_of(state.id), state.version + 1, event.type, event.version,
        event.payload(), desk.today, desk.store.now(), desk.actor, state.agency, None, "",
    )  # fmt: skip
    apply(after, stored, timeline=False)
    reached = closed_years_reached(desk, state, after)
    check_effect(desk, after, reached, desk.today)
    new = [NewEvent(event, desk.today)]
    if desk.amend:
        why = f"amendment: {event.reason}"
        fixes: list[Event] = [AmendmentRecorded(year=min(r.year for r in reached), reason=why)]
        fixes += [CarryOverRevoked(year=y, reason=why) for y in sorted(state.carried_out_of)]
        new += [NewEvent(e, desk.today) for e in fixes]
    result = desk.store.append(
        ev.stream_of(state.id),
        new,
        expected_version=state.version,
        actor=desk.actor,
        agency=state.agency,
    )
    return Corrected(state.id, None, None, result.events)
