"""The intake desk's commands on a request: each checks the Regulation, then appends.

A handler loads the request's stream, folds it, refuses what the rules forbid with a
message that says why and what to do, and appends the new events with the version it
read. When the derived due date changes, a ``DeadlineSet`` event goes in the same append.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import cast

from ledger import applicants, fees
from ledger.applicants import Applicant, NewApplicant
from ledger.calendar import WorkingCalendar
from ledger.clock import (
    Deadline,
)
from ledger.codes import OUTCOMES, applicant_code, channel_code, outcome_code, receipt_rule
from ledger.commands._context import Desk
from ledger.commands._once import exactly_once
from ledger.commands.facts import ahead_date, fact_date, fact_dates, stamped
from ledger.commands.years import check_effect, check_year_open, closed_years_reached, corrections
from ledger.errors import ConcurrencyError, InvalidInput, NotFound, RuleViolation, StreamsAdded
from ledger.events import requests as ev
from ledger.events.store import NewEvent, StoredEvent
from ledger.events.types import Event
from ledger.i18n import _
from ledger.projections.calendar import sources
from ledger.projections.requests import (
    Consultation,
    RequestState,
    apply,
    clarification_limit,
    copy_state,
    deadline,
    fee_payment_due,
    fold,
    late_clarification,
)
from ledger.texts import Resolver, ref_of

ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")


def check_id(value: str, field: str) -> None:
    """An id a clerk gives (request, case, document): safe in stream names and file names."""
    if not ID_PATTERN.match(value):
        raise InvalidInput(
            _(
                "{field}: {value!r} is not allowed; use 1–64 letters, digits, '.', '_' or '-'"
            ).format(field=field, value=value)
        )


@dataclass(frozen=True)
class Recorded:
    """What a command stored and what the request looks like now."""

    request_id: str
    state: RequestState
    deadline: Deadline
    events: tuple[StoredEvent, ...]
    note: str = ""
    warning: str = ""  # recorded, but the clerk should check something (one line)


# -- loading and appending -------------------------------------------------------------


def load(desk: Desk, request_id: str) -> RequestState:
    """The request's state, or a refusal naming the unknown id."""
    state = fold(request_id, desk.store.read_stream(ev.stream_of(request_id)))
    if state is None:
        raise NotFound(
            _("request {request_id}: no such request; `ledger list` shows the requests").format(
                request_id=request_id
            )
        )
    return state


def load_open(desk: Desk, request_id: str, on: date, what: str) -> RequestState:
    """An open request and a valid step date, or a refusal saying why not."""
    fact_date(desk, on, "--date")
    state = load(desk, request_id)
    if state.closed:
        verb = (
            _("withdrawn")
            if state.withdrawn
            else _("decided ({outcome})").format(outcome=OUTCOMES.shown(state.outcome or ""))
        )
        raise RuleViolation(
            _(
                "{what}: request {request_id} was {verb} on {decided_on}; a closed request takes "
                "no further steps"
            ).format(what=what, request_id=request_id, verb=verb, decided_on=state.decided_on)
        )
    check_step_date(desk, state, on, what)
    check_year_open(desk, state.agency, on, what, by_effect=True)
    return state


def check_step_date(desk: Desk, state: RequestState, on: date, what: str) -> None:
    """A step happens on or after the date of receipt, and not in the future."""
    if on < state.received_on:
        raise RuleViolation(
            _(
                "{what}: --date {on} is before the date of receipt {received_on} of request {id}; "
                "use a date on or after it"
            ).format(what=what, on=on, received_on=state.received_on, id=state.id)
        )
    if on > desk.today:
        raise RuleViolation(
            _("{what}: --date {on} is after today ({today}); record it then").format(
                what=what, on=on, today=desk.today
            )
        )


def _preview(state: RequestState, new: Sequence[NewEvent], desk: Desk) -> RequestState:
    """The state after the new events, to derive the deadline they lead to.

    A copy: ``state`` is the caller's, and stays as it was read.
    """
    state = copy_state(state)
    for i, item in enumerate(new, start=1):
        stored = StoredEvent(
            0, ev.stream_of(state.id), state.version + i, item.event.type,
            item.event.version, item.event.payload(), item.effective, desk.store.now(),
            desk.actor, state.agency, None, "",
        )  # fmt: skip
        apply(state, stored, timeline=False)
    return state


def deadline_event(
    state: RequestState, due: Deadline, reason: str, desk: Desk
) -> ev.DeadlineSet | None:
    """A DeadlineSet when the derived deadline differs from the one last recorded."""
    if (
        state.deadline_recorded
        and state.recorded_due == due.due
        and state.recorded_provisional == due.provisional
    ):
        return None
    last = due.due or desk.today
    return ev.DeadlineSet(
        due=due.due,
        reason=reason,
        provisional=due.provisional,
        unscheduled_years=sorted(due.unscheduled_years),
        calendar=sources(desk.calendar, state.received_on, last),
        regime=due.regime,
        days_allowed=due.days_allowed,
    )


def commit(
    desk: Desk,
    state: RequestState,
    events: Sequence[Event],
    on: date,
    reason: str,
    applicant: NewApplicant | None = None,
) -> Recorded:
    """Append the step's events (and a DeadlineSet if the date moved) at the version read.

    The request as recorded is ``state`` with the stored events applied to a copy: the
    caller's ``state`` is not changed, and the stream is not read again. A change whose
    effect reaches a closed year's table 3 needs --amend (``commands/years.py``), whatever
    the date typed; with it, the carry-over fixes go in the same append.
    """
    version = state.version
    new = [NewEvent(e, on) for e in stamped(desk, events, on)]
    after = _preview(state, new, desk)
    reached = closed_years_reached(desk, state, after)
    check_effect(desk, after, reached, on)
    if desk.amend:
        first = min([r.year for r in reached if r.year < on.year], default=None)
        since = on if first is None else date(first, 1, 1)
        fixes = corrections(desk, after, since, f"amendment: {reason}")
        new += [NewEvent(e, on) for e in fixes]
    due = deadline(after, desk.calendar)
    changed = deadline_event(after, due, reason, desk) if not after.closed else None
    if changed is not None:
        new.append(NewEvent(changed, on))
    result = desk.store.append(
        ev.stream_of(state.id),
        new,
        expected_version=version,
        command_id=desk.command_id,
        actor=desk.actor,
        agency=after.agency,
        applicant=applicant,
    )
    final = copy_state(state)
    for stored in result.events:
        apply(final, stored)
    # ``due`` is the deadline the append recorded: what it adds after the preview (the
    # DeadlineSet, an amendment's carry-over fixes) does not move the clock. A replayed
    # command id stored other events: those are what the request now holds.
    now_due = deadline(final, desk.calendar) if result.replayed else due
    return Recorded(state.id, final, now_due, result.events)


def replay(desk: Desk, command_id: str) -> Recorded | None:
    """What a request command with this id recorded, as the request stands now (None if
    no such command was stored): the answer to a retried command."""
    stored = desk.store.events_of_command(command_id)
    if not stored or not stored[0].stream_id.startswith(ev.stream_of("")):
        return None
    state = load(desk, ev.request_of(stored[0].stream_id))
    note = _("command {command_id} was already recorded; nothing new was stored").format(
        command_id=command_id
    )
    return Recorded(state.id, state, deadline(state, desk.calendar), stored, note=note)


once = exactly_once(replay)
"""A request command run once per command id, with lost races retried on fresh state."""


# -- receipt ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordReceipt:
    """Record a new request (Art. 29, 31)."""

    date: dt.date
    channel: str
    applicant: str
    request_id: str | None = None
    confirmed: dt.date | None = None
    signed: dt.date | None = None
    agency: str | None = None
    subject: str = ""
    person: Applicant | None = None
    applicant_ref: str | None = None  # an applicant already on file (an import's reference)


def date_of_receipt(cmd: RecordReceipt, cal: WorkingCalendar | None = None) -> date:
    """The legal date of receipt by channel (Art. 31).

    In person: the day submitted. Registered mail: the day signed for (``--signed``).
    Ordinary mail, internet, fax: the day receipt was confirmed with the applicant
    (``--confirmed``). Without the channel's own date, ``--date`` is taken as that day,
    except that for the confirmed channels a day the office is closed cannot be the day
    both sides confirmed: the next working day of ``cal`` is taken instead.
    """
    rule = receipt_rule(cmd.channel)
    if rule == "signed":
        return cmd.signed or cmd.date
    if rule == "confirmed":
        if cmd.confirmed is not None:
            return cmd.confirmed
        if cal is not None and not cal.is_working(cmd.date):
            return cal.nth_working_day_after(cmd.date, 1)
        return cmd.date
    return cmd.date


def closed_day_warning(cmd: RecordReceipt, received_on: date, cal: WorkingCalendar) -> str:
    """The warning for an in-person receipt on a day the office is closed, else "".

    Art. 31(1) makes the day submitted in person the date of receipt, so it is accepted
    as recorded; the warning asks the clerk to check the date, since the office was closed.
    """
    if cmd.channel != "in-person" or cal.is_working(received_on):
        return ""
    what = cal.describe(received_on).reason
    return _(
        "warning: received in person on {day}, not a working day ({why}); "
        "recorded as given (Art. 31): check the date"
    ).format(day=received_on, why=what)


def _check_receipt(desk: Desk, cmd: RecordReceipt) -> None:
    fact_dates(
        desk, [("--date", cmd.date), ("--confirmed", cmd.confirmed), ("--signed", cmd.signed)]
    )
    for name, value in (
        ("--date", cmd.date),
        ("--confirmed", cmd.confirmed),
        ("--signed", cmd.signed),
    ):
        if value is not None and value > desk.today:
            raise RuleViolation(
                _("record receive: {name} {value} is after today ({today})").format(
                    name=name, value=value, today=desk.today
                )
            )
        if value is not None and value < cmd.date:
            raise RuleViolation(
                _("record receive: {name} {value} is before the day submitted ({date})").format(
                    name=name, value=value, date=cmd.date
                )
            )
    if cmd.request_id is not None:
        check_id(cmd.request_id, "ID")
    if cmd.agency is not None:
        check_id(cmd.agency, "--agency")


def next_request_id(desk: Desk, agency: str, year: int) -> str:
    """The next free id of the form AGENCY-YEAR-NNNN (a sequence per agency and year):
    one past the largest number of the ids of that form, whatever their width (one query,
    ``Store.highest_number``; an id of another form never equals one of this form)."""
    prefix = f"{agency}-{year}-"
    return f"{prefix}{desk.store.highest_number(ev.stream_of(prefix)) + 1:04d}"


def _applicant(desk: Desk, person: Applicant | None) -> tuple[str | None, NewApplicant | None]:
    """The applicant's reference, and their data to store if they are new."""
    if person is None or person.is_empty():
        return None, None
    ref = desk.store.applicants.find_ref(person)
    if ref is not None:
        return ref, None
    new = NewApplicant(applicants.new_ref(), person)
    return new.ref, new


@once
def record_receipt(desk: Desk, cmd: RecordReceipt) -> Recorded:
    """Record a receipt; an existing id is refused, an omitted one is assigned.

    Two desks assigning the next id at the same moment both read the same free number;
    the store refuses the second append, which then simply takes the next number.
    """
    channel, applicant = channel_code(cmd.channel), applicant_code(cmd.applicant)
    if (channel, applicant) != (cmd.channel, cmd.applicant):
        cmd = replace(cmd, channel=channel, applicant=applicant)
    _check_receipt(desk, cmd)
    agency = cmd.agency or desk.agency
    received_on = date_of_receipt(cmd, desk.calendar)
    if received_on > desk.today:
        raise RuleViolation(
            _(
                "record receive: the date of receipt {received_on} (the next working day after "
                "--date {date}, Art. 31) is after today ({today}); record it then, or give "
                "--confirmed"
            ).format(received_on=received_on, date=cmd.date, today=desk.today)
        )
    check_year_open(desk, agency, received_on, "record receive", by_effect=True)
    for attempt in range(ID_ATTEMPTS):
        request_id = cmd.request_id or next_request_id(desk, agency, received_on.year)
        try:
            return _receive_as(desk, cmd, request_id, agency, received_on)
        except StreamsAdded:
            raise  # a year closed meanwhile: the whole command reads afresh (exactly_once)
        except (ConcurrencyError, IdTaken):
            if cmd.request_id is not None or attempt == ID_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


ID_ATTEMPTS = 20  # each lost race means another desk recorded one: progress is certain


class IdTaken(RuleViolation):
    """The request id is already recorded."""


def _receive_as(
    desk: Desk, cmd: RecordReceipt, request_id: str, agency: str, received_on: date
) -> Recorded:
    """Record the receipt under ``request_id``, which must not exist yet.

    The stream is not read first: the append refuses a stream that is not empty (version
    0 is the store's NO_STREAM, checked under its lock), and only then is it read, to say
    why. A refusal of the receipt's other rules is also explained by a taken id first, as
    if the id had been checked before them.
    """
    ref, new_applicant = _applicant(desk, cmd.person)
    ref = ref or cmd.applicant_ref
    event = ev.RequestReceived(
        request_id=request_id,
        channel=cmd.channel,
        applicant=cmd.applicant,
        received_on=received_on,
        submitted_on=cmd.date,
        confirmed_on=cmd.confirmed,
        signed_on=cmd.signed,
        applicant_ref=ref,
        subject=cmd.subject,
    )
    state = RequestState(request_id, agency)
    try:
        recorded = commit(desk, state, [event], received_on, "received", new_applicant)
    except (ConcurrencyError, RuleViolation, InvalidInput, NotFound):
        _refuse_taken(desk, request_id)
        raise
    warning = closed_day_warning(cmd, received_on, desk.calendar)
    return replace(recorded, warning=warning) if warning else recorded


def _refuse_taken(desk: Desk, request_id: str) -> None:
    """Refuse a receipt under an id whose stream already has events (``IdTaken``)."""
    stored = desk.store.read_stream(ev.stream_of(request_id))
    existing = fold(request_id, stored)
    if existing is not None:
        raise IdTaken(
            _(
                "record receive: request {request_id} already exists (received {received_on}); "
                "record steps with its id, or choose another id"
            ).format(request_id=request_id, received_on=existing.received_on)
        ) from None
    if stored:  # events, but no receipt standing: it was retracted
        raise IdTaken(
            _(
                "record receive: ID {request_id} was used by a receipt since retracted "
                "(docs/corrections.md); choose another id"
            ).format(request_id=request_id)
        ) from None


# -- steps -----------------------------------------------------------------------------


@once
def request_clarification(desk: Desk, request_id: str, on: date, reply_by: date) -> Recorded:
    """Ask for a correction (补正): one notice per request, and the clock stops (Art. 30)."""
    ahead_date(desk, reply_by, "--reply-by")
    state = load_open(desk, request_id, on, "record clarify")
    if state.clarifications:
        first = state.clarifications[0].requested_on
        raise RuleViolation(
            _(
                "record clarify: request {request_id} already had a clarification notice on "
                "{first}; Art. 30 requires one notice listing everything to correct"
            ).format(request_id=request_id, first=first)
        )
    if reply_by <= on:
        raise InvalidInput(
            _("--reply-by: {reply_by} must be after the notice date {on}").format(
                reply_by=reply_by, on=on
            )
        )
    event = ev.ClarificationRequested(reply_by=reply_by)
    return commit(desk, state, [event], on, "clarification requested: clock stopped")


def clarification_late(state: RequestState, desk: Desk) -> str | None:
    """Why the clarification notice was late, if it went out after the 7th working day."""
    sent = late_clarification(state, desk.calendar)
    limit = clarification_limit(state, desk.calendar)
    if sent is None or limit is None:
        return None
    late = _("clarification notice sent {sent}, after the 7th working day ({limit}) (Art. 30)")
    return late.format(sent=sent, limit=limit)


@once
def record_clarified(desk: Desk, request_id: str, on: date) -> Recorded:
    """The corrected request arrived: a new answer period runs from this day (Art. 30)."""
    state = load_open(desk, request_id, on, "record clarified")
    waiting = state.open_clarification
    if waiting is None:
        raise RuleViolation(
            _(
                "record clarified: request {request_id} has no open clarification; record `ledger "
                "record clarify` first"
            ).format(request_id=request_id)
        )
    if on < waiting.requested_on:
        raise RuleViolation(
            _("record clarified: --date {on} is before the notice of {requested_on}").format(
                on=on, requested_on=waiting.requested_on
            )
        )
    return commit(desk, state, [ev.Clarified()], on, "corrected request arrived: period restarts")


@once
def grant_extension(desk: Desk, request_id: str, on: date, days: int, approver: str) -> Recorded:
    """Extend before the due date has passed, at most 20 working days in all (Art. 33)."""
    state = load_open(desk, request_id, on, "record extend")
    current = deadline(state, desk.calendar)
    if days < 1:
        raise InvalidInput(
            _("record extend: --days {days} is not allowed; at least 1").format(days=days)
        )
    total = state.extension_days + days
    if total > current.max_extension:
        article = "Art. 33" if current.regime == "2019" else "2007 Regulation, Art. 24"
        raise RuleViolation(
            _(
                "record extend: --days {days} would make {total} working days of extension; at "
                "most {max_extension} in total ({article})"
            ).format(days=days, total=total, max_extension=current.max_extension, article=article)
        )
    if current.passed(on):
        raise RuleViolation(
            _(
                "record extend: the due date {due} has passed on {on}; an extension must be "
                "granted before it (Art. 33)"
            ).format(due=current.due, on=on)
        )
    if not approver.strip():
        raise InvalidInput(_("record extend: --approver is empty; name who approved it"))
    event = ev.ExtensionGranted(days=days, approver=approver.strip())
    return commit(desk, state, [event], on, f"extension of {days} working days")


@once
def start_consultation(
    desk: Desk,
    request_id: str,
    on: date,
    party: str,
    *,
    received: date | None = None,
    kind: str = "third-party",
) -> Recorded:
    """A consultation letter went out; its time is not counted (Art. 32–34).

    ``received`` is the day the party received the letter (default ``on``, a letter
    delivered the day it is sent); the 15 working days of Art. 32 and 34 run from it.
    ``kind``: third-party (Art. 32), joint-agency (Art. 34) or agency (Art. 33 para. 2).
    """
    state = load_open(desk, request_id, on, "record consult")
    if not party.strip():
        raise InvalidInput(_("record consult: --party is empty; name who is consulted"))
    if kind not in ev.CONSULTATION_KINDS:
        raise InvalidInput(
            _("--kind: {kind!r} is not allowed; use one of {listed}").format(
                kind=kind, listed=", ".join(ev.CONSULTATION_KINDS)
            )
        )
    received_on = fact_date(desk, received, "--received") if received else on
    if received_on < on:
        raise RuleViolation(
            _(
                "record consult: --received {received_on} is before the letter was sent ({on})"
            ).format(received_on=received_on, on=on)
        )
    if received_on > desk.today:
        raise RuleViolation(
            _("record consult: --received {received_on} is after today ({today})").format(
                received_on=received_on, today=desk.today
            )
        )
    if consultation_with(desk, state, party.strip()) is not None:
        raise RuleViolation(
            _(
                "record consult: request {request_id} is already awaiting an opinion from {party}"
            ).format(request_id=request_id, party=party)
        )
    event = ev.ConsultationStarted(
        party=party.strip(), received_on=received_on, kind=cast(ev.ConsultationKind, kind)
    )
    return commit(desk, state, [event], on, f"consultation with {party.strip()}")


def consultation_with(desk: Desk, state: RequestState, party: str) -> Consultation | None:
    """The open consultation whose party is ``party``, as typed: a party recorded since
    texts are kept apart is a mark in the fold, compared by its text (``ledger.texts``)."""
    names = Resolver(desk.store.texts).prime(c.party for c in state.consultations)
    for c in reversed(state.consultations):
        if c.ended_on is None and names.fill(c.party) == party:
            return c
    return None


@once
def end_consultation(desk: Desk, request_id: str, on: date, party: str) -> Recorded:
    """The consulted party's opinion arrived; the clock runs again."""
    state = load_open(desk, request_id, on, "record consulted")
    open_one = consultation_with(desk, state, party.strip())
    if open_one is None:
        names = Resolver(desk.store.texts)
        parties = sorted({names.fill(c.party) for c in state.consultations if c.ended_on is None})
        hint = (
            _("open consultations: {parties}").format(parties=", ".join(parties))
            if parties
            else _("none is open")
        )
        raise RuleViolation(
            _(
                "record consulted: request {request_id} has no open consultation with {party!r}; "
                "{hint}"
            ).format(request_id=request_id, party=party, hint=hint)
        )
    if on < open_one.started_on:
        raise RuleViolation(
            _("record consulted: --date {on} is before the letter of {started_on}").format(
                on=on, started_on=open_one.started_on
            )
        )
    # The party as typed, and the reference of the consultation's own text (if kept apart).
    event = ev.ConsultationEnded(party=party.strip(), party_ref=ref_of(open_one.party))
    return commit(desk, state, [event], on, f"opinion of {party.strip()} arrived")


@dataclass(frozen=True)
class IssueFeeNotice:
    """Charge a processing fee: a given amount, or computed per request or per page."""

    request_id: str
    date: dt.date
    amount: str | None = None
    method: str | None = None
    pages: int | None = None
    received: dt.date | None = None  # by the applicant; default ``date``


def nth_in_month(desk: Desk, state: RequestState) -> int:
    """Which request of this applicant in its calendar month this is (per-request fees)."""
    if state.applicant_ref is None:
        raise RuleViolation(
            _(
                "record fee: request {id} has no applicant identity; --method per-request counts "
                "the applicant's requests in the month: use --amount or --method per-page"
            ).format(id=state.id)
        )
    month = (state.received_on.year, state.received_on.month)
    mine = (state.received_on, 0)
    same: list[tuple[date, int]] = []
    for stream, (received, position) in _receipts_of(desk, state.applicant_ref).items():
        if (received.year, received.month) == month:
            same.append((received, position))
            if stream == ev.stream_of(state.id):
                mine = (received, position)
    return sorted(same).index(mine) + 1


def _receipts_of(desk: Desk, ref: str) -> dict[str, tuple[date, int]]:
    """Each request of this applicant: its date of receipt as corrected, and the position
    of its receipt (a receipt retracted is not counted; docs/corrections.md)."""
    kinds = ["request.received", "request.receipt-corrected", "request.step-retracted"]
    found: dict[str, tuple[date, int]] = {}
    receipt_version: dict[str, int] = {}
    for e in desk.store.read_all(types=kinds):
        if e.type == "request.received" and e.data.get("applicant_ref") == ref:
            found[e.stream_id] = (date.fromisoformat(e.data["received_on"]), e.position)
            receipt_version[e.stream_id] = e.version
        elif e.stream_id not in found:
            continue
        elif e.type == "request.receipt-corrected" and e.data.get("received_on"):
            found[e.stream_id] = (date.fromisoformat(e.data["received_on"]), found[e.stream_id][1])
        elif e.data.get("step_version") == receipt_version[e.stream_id]:
            del found[e.stream_id]  # the receipt was retracted
    return found


def compute_fee(desk: Desk, state: RequestState, cmd: IssueFeeNotice) -> fees.FeeComputation:
    """The fee from an amount, or computed under the 2020 fee measures."""
    if (cmd.amount is None) == (cmd.method is None):
        raise InvalidInput(
            _("record fee: give either --amount YUAN or --method per-request|per-page")
        )
    if cmd.amount is not None:
        try:
            amount = Decimal(cmd.amount)
        except InvalidOperation:
            raise InvalidInput(
                _("--amount: {amount!r} is not an amount in yuan").format(amount=cmd.amount)
            ) from None
        if amount <= 0 or amount != amount.quantize(Decimal("0.01")):
            raise InvalidInput(
                _("--amount: {amount} must be positive, in yuan and fen").format(amount=cmd.amount)
            )
        return fees.given_amount(amount)
    if cmd.method == fees.PER_PAGE:
        if cmd.pages is None:
            raise InvalidInput(_("record fee: --method per-page needs --pages N"))
        return fees.fee_per_page(cmd.pages)
    if cmd.method == fees.PER_REQUEST:
        return fees.fee_per_request(nth_in_month(desk, state))
    raise InvalidInput(
        _("--method: {method!r} is not allowed; use per-request or per-page").format(
            method=cmd.method
        )
    )


def check_one_fee(state: RequestState) -> None:
    """Refuse a second fee notice on a request, paid or not.

    The fee measures (国办函〔2020〕109号) allow one charge per request; a second notice
    would also let an agency stop its own clock again and again.
    """
    if not state.fees:
        return
    first = state.fees[0]
    how = _("paid {day}").format(day=first.paid_on) if first.paid_on is not None else _("unpaid")
    raise RuleViolation(
        _(
            "record fee: request {id} already had a fee notice on {notice_on} ({how}); the fee "
            "measures (国办函〔2020〕109号) allow one fee per request"
        ).format(id=state.id, notice_on=first.notice_on, how=how)
    )


@once
def issue_fee_notice(desk: Desk, cmd: IssueFeeNotice) -> Recorded:
    """A fee notice within the answer period stops the clock until payment (Art. 42)."""
    state = load_open(desk, cmd.request_id, cmd.date, "record fee")
    if not fees.fees_apply_on(cmd.date):
        raise RuleViolation(
            _(
                "record fee: --date {date} is before {in_force}, when the fee measures "
                "(国办函〔2020〕109号) took effect"
            ).format(date=cmd.date, in_force=fees.FEES_IN_FORCE)
        )
    check_one_fee(state)
    current = deadline(state, desk.calendar)
    if current.passed(cmd.date):
        raise RuleViolation(
            _("record fee: the answer period ended {due}; the notice must go out within it").format(
                due=current.due
            )
        )
    received = fact_date(desk, cmd.received, "--received") if cmd.received else cmd.date
    if not cmd.date <= received <= desk.today:
        raise RuleViolation(
            _(
                "record fee: --received {received} is not allowed; the applicant receives the "
                "notice on or after it went out ({date}) and not after today ({today})"
            ).format(received=received, date=cmd.date, today=desk.today)
        )
    fee = compute_fee(desk, state, cmd)
    if fee.amount <= 0:
        return Recorded(
            cmd.request_id,
            state,
            current,
            (),
            note=_("{working}; no fee is due, nothing recorded").format(
                working=_("; ").join(fee.lines)
            ),
        )
    event = ev.FeeNoticeIssued(
        amount=str(fee.amount), method=fee.method,
        pages=cmd.pages, nth_in_month=None, received_on=received,
    )  # fmt: skip
    recorded = commit(desk, state, [event], cmd.date, f"fee notice of ¥{fee.amount}: clock stopped")
    return replace(recorded, note=_("; ").join(fee.lines))


@once
def record_payment(desk: Desk, request_id: str, on: date) -> Recorded:
    """The fee was paid; the clock runs again."""
    state = load_open(desk, request_id, on, "record paid")
    notice = state.unpaid_fee
    if notice is None:
        raise RuleViolation(
            _(
                "record paid: request {request_id} has no unpaid fee notice; record `ledger record "
                "fee` first"
            ).format(request_id=request_id)
        )
    if on < notice.notice_on:
        raise RuleViolation(
            _("record paid: --date {on} is before the notice of {notice_on}").format(
                on=on, notice_on=notice.notice_on
            )
        )
    return commit(desk, state, [ev.FeePaid()], on, "fee paid: clock runs again")


@once
def defer_deadline(desk: Desk, request_id: str, on: date, until: date, reason: str) -> Recorded:
    """Set a later, reasonable due date for an excessive request (Art. 35)."""
    ahead_date(desk, until, "--until")
    state = load_open(desk, request_id, on, "record defer")
    if until <= on:
        raise InvalidInput(
            _("--until: {until} must be after the day it is set ({on})").format(until=until, on=on)
        )
    current = deadline(state, desk.calendar)
    if current.statutory_due is not None and until <= current.statutory_due:
        raise RuleViolation(
            _(
                "record defer: --until {until} is not later than the statutory due date "
                "{statutory_due}; Art. 35 allows only a later date"
            ).format(until=until, statutory_due=current.statutory_due)
        )
    if not reason.strip():
        raise InvalidInput(_("record defer: --reason is empty; say why the request is excessive"))
    event = ev.DeadlineDeferred(until=until, reason=reason.strip())
    return commit(desk, state, [event], on, f"deferred (Art. 35): {reason.strip()}")


def _check_closure(desk: Desk, state: RequestState, outcome: str, on: date) -> None:
    """The closures the Regulation allows only in their circumstances."""
    if outcome == "other.no-clarification":
        waiting = state.open_clarification
        if waiting is None or on <= waiting.reply_by:
            raise RuleViolation(
                _(
                    "record decide: other.no-clarification needs an open clarification whose "
                    "reply-by date has passed (Art. 30)"
                )
            )
    if outcome == "other.fee-unpaid":
        notice = state.unpaid_fee
        if notice is None or on <= fee_payment_due(notice, desk.calendar):
            raise RuleViolation(
                _(
                    "record decide: other.fee-unpaid needs a fee notice unpaid for 20 working days "
                    "after the applicant received it"
                )
            )
    if outcome == "unavailable.still-unclear" and not any(
        c.clarified_on for c in state.clarifications
    ):
        raise RuleViolation(
            _(
                "record decide: unavailable.still-unclear needs a corrected request on record "
                "(Art. 30)"
            )
        )


@once
def issue_decision(desk: Desk, request_id: str, on: date, outcome: str) -> Recorded:
    """Answer the request with one outcome; a decision after the due date is counted late."""
    code = outcome_code(outcome)
    state = load_open(desk, request_id, on, "record decide")
    _check_closure(desk, state, code, on)
    return commit(desk, state, [ev.DecisionIssued(outcome=code)], on, f"decided: {code}")


@once
def withdraw(desk: Desk, request_id: str, on: date) -> Recorded:
    """The applicant withdrew; the request closes and counts as 其他."""
    state = load_open(desk, request_id, on, "record withdraw")
    return commit(desk, state, [ev.RequestWithdrawn()], on, "withdrawn")
