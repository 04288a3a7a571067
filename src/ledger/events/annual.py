"""Facts the annual report needs beyond requests: tables 2 and 4 and the narrative.

Table 4 (行政复议、行政诉讼): each case is a stream ``case-<ID>`` with its filing and its
conclusion. Table 2 (主动公开): normative documents are streams ``document-<ID>`` (issued,
published, repealed); the yearly figures for licensing, penalties, enforcement, fees and
procurement are recorded per agency and year on ``annual-<agency>-<YYYY>``, as is the
narrative text of sections 一, 五 and 六.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from ledger.events.fields import Code, Text
from ledger.events.types import Event, register

# The codes of ledger.codes.CASE_KINDS, CASE_OUTCOMES and DOCUMENT_KINDS, as types the
# checker can read (a Literal cannot be built from a tuple); tests hold them equal.
CaseKind = Literal["review", "litigation-direct", "litigation-after-review"]
CaseOutcome = Literal["maintained", "corrected", "other"]
DocumentKind = Literal["rules", "normative"]


CASE_PREFIX = "case-"
DOCUMENT_PREFIX = "document-"
ANNUAL_PREFIX = "annual-"


def case_stream(case_id: str) -> str:
    return f"{CASE_PREFIX}{case_id}"


def document_stream(document_id: str) -> str:
    return f"{DOCUMENT_PREFIX}{document_id}"


def annual_stream(agency: str, year: int) -> str:
    return f"{ANNUAL_PREFIX}{agency}-{year}"


class CaseFiled(Event):
    """An administrative review or lawsuit about disclosure was filed (table 4)."""

    type = "case.filed"
    case_id: Code
    kind: CaseKind
    request_id: str | None = None


class CaseConcluded(Event):
    """The case ended: the decision was upheld (维持), corrected (纠正) or other."""

    type = "case.concluded"
    outcome: CaseOutcome


class DocumentIssued(Event):
    """A rule (规章) or normative document (规范性文件) was made; published on ``published_on``."""

    type = "document.issued"
    document_id: Code
    kind: DocumentKind
    title: Text = ""
    published_on: date | None = None


class DocumentRepealed(Event):
    """The document was repealed (废止)."""

    type = "document.repealed"


class FiguresRecorded(Event):
    """A table 2 item's figures for the year (e.g. licensing decisions, fee income).

    Figures are strings of integers or decimal amounts (万元), keyed by the edition's
    figure keys; a later record for the same item replaces the earlier one.
    """

    type = "annual.figures-recorded"
    year: int
    item: str
    figures: dict[str, str]


class NarrativeRecorded(Event):
    """The text of the report's written sections for the year, and the date it is signed."""

    type = "annual.narrative-recorded"
    year: int
    overview: str = ""
    problems: str = ""
    other_matters: str = ""
    signed_on: date | None = None


def figure_value(text: str) -> int | Decimal:
    """A stored figure as a number: an int when whole, else a Decimal amount."""
    value = Decimal(text)
    if not value.is_finite():
        raise ValueError(f"figure {text!r} is not a finite number")
    return int(value) if value == value.to_integral_value() and "." not in text else value


register(
    CaseFiled, CaseConcluded, DocumentIssued, DocumentRepealed, FiguresRecorded, NarrativeRecorded
)
