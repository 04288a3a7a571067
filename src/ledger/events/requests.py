"""The events of a disclosure request's life, in the past tense (Regulation Art. 30–39).

Each request is one stream, ``request-<ID>``. The payloads hold facts only: what a desk
did and on which day. Deadlines are derived from them; ``DeadlineSet`` records each
derived change so that "what did we tell people, and when" has an auditable answer.
Personal data is never here: ``applicant_ref`` points into the erasable applicants table,
and what a desk types (a subject, an approver, a party, a reason: each class's
``free_text``) is taken out by the store and named by ``<field>_ref`` (``ledger.texts``).
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar, Literal

from pydantic import Field

from ledger.clock import LONGEST_EXTENSION
from ledger.events.fields import Code, Name, Reason, Text, empty_list
from ledger.events.types import Event, register

# The codes of ledger.codes.CHANNELS, APPLICANTS and OUTCOMES, as types the checker
# can read (a Literal cannot be built from a tuple); tests hold them equal to the tables.
Channel = Literal["in-person", "mail", "mail-unsigned", "online", "fax"]
ConsultationKind = Literal["third-party", "joint-agency", "agency"]
# third-party: Art. 32; joint-agency: a co-producing agency, Art. 34; agency: any other
# agency, Art. 33 para. 2 (its time is not counted, and no time limit is set for it).
CONSULTATION_KINDS: tuple[str, ...] = ("third-party", "joint-agency", "agency")
Applicant = Literal["natural", "business", "research", "nonprofit", "legal", "other"]
Outcome = Literal[
    "disclosed",
    "partial",
    "withheld.state-secret",
    "withheld.law-prohibited",
    "withheld.security-stability",
    "withheld.third-party",
    "withheld.internal",
    "withheld.process",
    "withheld.enforcement-file",
    "withheld.query-matter",
    "unavailable.not-held",
    "unavailable.needs-creation",
    "unavailable.still-unclear",
    "declined.petition",
    "declined.repeat",
    "declined.publication",
    "declined.excessive",
    "declined.confirmation",
    "other.no-clarification",
    "other.fee-unpaid",
    "other",
]


def stream_of(request_id: str) -> str:
    """The stream that holds one request's events."""
    return f"request-{request_id}"


def request_of(stream_id: str) -> str:
    """The request id a request stream belongs to (the inverse of ``stream_of``)."""
    return stream_id.removeprefix("request-")


class RequestReceived(Event):
    """A request was received (Art. 29, 31); ``received_on`` is the legal date of receipt."""

    type = "request.received"
    request_id: Code
    channel: Channel
    applicant: Applicant
    received_on: date
    submitted_on: date
    confirmed_on: date | None = None
    signed_on: date | None = None
    applicant_ref: str | None = None
    subject: Text = ""
    subject_ref: str | None = None

    free_text: ClassVar[tuple[str, ...]] = ("subject",)
    empty_text: ClassVar[tuple[str, ...]] = ("subject",)


class ClarificationRequested(Event):
    """The applicant was asked to correct the request (补正, Art. 30); the clock stops."""

    type = "request.clarification-requested"
    reply_by: date


class Clarified(Event):
    """The corrected request arrived; a new period runs from this day (Art. 30)."""

    type = "request.clarified"


class ExtensionGranted(Event):
    """The answer period was extended with the approver's consent (Art. 33)."""

    type = "request.extension-granted"
    days: int = Field(ge=1, le=LONGEST_EXTENSION)
    approver: Name | None = None
    approver_ref: str | None = None

    free_text: ClassVar[tuple[str, ...]] = ("approver",)
    required_text: ClassVar[tuple[str, ...]] = ("approver",)


class ConsultationStarted(Event):
    """A third party or other agency was consulted (Art. 32–34); that time is not counted.

    ``received_on`` is the day the party received the letter (None: the day it was sent,
    which is also how payloads written before the field existed read); the 15 working
    days of Art. 32 and 34 run from it. ``kind`` says which article governs the pause.
    """

    type = "request.consultation-started"
    party: Name | None = None
    party_ref: str | None = None
    received_on: date | None = None
    kind: ConsultationKind = "third-party"

    free_text: ClassVar[tuple[str, ...]] = ("party",)
    required_text: ClassVar[tuple[str, ...]] = ("party",)


class ConsultationEnded(Event):
    """The consulted party's opinion arrived; ``party_ref`` names the same text as the
    consultation it ends (a literal ``party``: that consultation's, recorded before texts
    were kept apart)."""

    type = "request.consultation-ended"
    party: Name | None = None
    party_ref: str | None = None

    free_text: ClassVar[tuple[str, ...]] = ("party",)
    refer_only: ClassVar[tuple[str, ...]] = ("party",)
    required_text: ClassVar[tuple[str, ...]] = ("party",)


class FeeNoticeIssued(Event):
    """A processing-fee notice went out (Art. 42); the clock stops until payment.

    ``received_on`` is the day the applicant received the notice (None: the day it went
    out); the 20 working days to pay run from it.
    """

    type = "request.fee-notice-issued"
    amount: str
    method: Literal["amount", "per-request", "per-page"]
    pages: int | None = None
    nth_in_month: int | None = None
    received_on: date | None = None


class FeePaid(Event):
    """The applicant paid the fee; the clock runs again."""

    type = "request.fee-paid"


class DeadlineDeferred(Event):
    """The agency set a later, reasonable due date for an excessive request (Art. 35)."""

    type = "request.deadline-deferred"
    until: date
    reason: Reason | None = None
    reason_ref: str | None = None

    free_text: ClassVar[tuple[str, ...]] = ("reason",)
    required_text: ClassVar[tuple[str, ...]] = ("reason",)


class DeadlineSet(Event):
    """The derived due date changed; records the date, why, and the calendar it used."""

    type = "request.deadline-set"
    due: date | None
    reason: str  # derived; a text typed with it is quoted as its mark (``quoting``)
    provisional: bool = False
    unscheduled_years: list[int] = Field(default_factory=empty_list)
    calendar: dict[str, str] = Field(default_factory=dict)
    regime: str = "2019"
    days_allowed: int = 20

    quoting: ClassVar[tuple[str, ...]] = ("reason",)


class DecisionIssued(Event):
    """The request was answered with one outcome (Art. 36, 37, 39); it is closed."""

    type = "request.decision-issued"
    outcome: Outcome


class RequestWithdrawn(Event):
    """The applicant withdrew the request; it is closed and counts as 其他."""

    type = "request.withdrawn"


register(
    RequestReceived,
    ClarificationRequested,
    Clarified,
    ExtensionGranted,
    ConsultationStarted,
    ConsultationEnded,
    FeeNoticeIssued,
    FeePaid,
    DeadlineDeferred,
    DeadlineSet,
    DecisionIssued,
    RequestWithdrawn,
)


# -- corrections (docs/corrections.md): new events, never edits --------------------------


class ReceiptCorrected(Event):
    """Facts of the receipt were recorded wrongly; only the fields given change.

    The original ``request.received`` stays in the log; the fold reads these values
    instead from this event on, and the deadline is re-derived.
    """

    type = "request.receipt-corrected"
    reason: str | None = Field(default=None, min_length=1)
    reason_ref: str | None = None
    approver: str | None = None
    approver_ref: str | None = None
    received_on: date | None = None
    submitted_on: date | None = None
    confirmed_on: date | None = None
    signed_on: date | None = None
    channel: Channel | None = None
    applicant: Applicant | None = None
    agency: str | None = None
    subject: str | None = None
    subject_ref: str | None = None

    free_text: ClassVar[tuple[str, ...]] = ("subject", "reason", "approver")
    required_text: ClassVar[tuple[str, ...]] = ("reason",)


class DecisionCorrected(Event):
    """The decision's outcome or date was recorded wrongly; only the fields given change."""

    type = "request.decision-corrected"
    reason: str | None = Field(default=None, min_length=1)
    reason_ref: str | None = None
    approver: str | None = None
    approver_ref: str | None = None
    outcome: Outcome | None = None
    decided_on: date | None = None

    free_text: ClassVar[tuple[str, ...]] = ("reason", "approver")
    required_text: ClassVar[tuple[str, ...]] = ("reason",)


class StepRetracted(Event):
    """A step that should not be in this request's history (recorded on the wrong request,
    or twice) no longer counts; the request is re-folded without it."""

    type = "request.step-retracted"
    step_version: int = Field(ge=1)  # the step's version in its stream: kept by an import
    position: int = Field(ge=1)  # where it stood in this log (the #N of `ledger show`)
    step: str
    reason: str | None = Field(default=None, min_length=1)
    reason_ref: str | None = None
    approver: str | None = None
    approver_ref: str | None = None

    free_text: ClassVar[tuple[str, ...]] = ("reason", "approver")
    required_text: ClassVar[tuple[str, ...]] = ("reason",)


CORRECTION_TYPES: tuple[str, ...] = (
    ReceiptCorrected.type,
    DecisionCorrected.type,
    StepRetracted.type,
)

register(ReceiptCorrected, DecisionCorrected, StepRetracted)
