"""Personal data taken out of ledger: who exported or erased applicants' data, and when.

The applicants table is erasable, and an export copies it outside ledger's reach; the log
records each such export (the actor is who ran it), so that an office can answer who
holds copies of applicants' personal data, and each erasure with its legal basis. The
data itself is never in the event.
"""

from __future__ import annotations

from ledger.events.types import Event, register


def exports_stream(agency: str) -> str:
    """The stream of an agency's exports of personal data."""
    return f"exports-{agency}"


class PersonalDataExported(Event):
    """The register of ``year`` was exported with applicants' personal data."""

    type = "register.personal-data-exported"
    year: int
    rows: int
    file: str
    format: str


register(PersonalDataExported)


class PersonalDataViewed(Event):
    """A person saw the personal data of the applicant of ``request_id`` (on a web page,
    ``where``): recorded with the exports, so one stream answers who saw or took it."""

    type = "applicant.personal-data-viewed"
    request_id: str
    where: str


register(PersonalDataViewed)


def erasures_stream(agency: str) -> str:
    """The stream of an agency's erasures of applicants' personal data."""
    return f"applicants-{agency}"


class ApplicantErased(Event):
    """The personal data of applicant ``applicant_ref`` was erased, on legal ``basis``."""

    type = "applicant.erased"
    applicant_ref: str
    basis: str


register(ApplicantErased)


class TextsErased(Event):
    """The free text of request ``request_id`` kept outside the log (its subject,
    approvers, parties, reasons: ``ledger.texts``) was erased, on legal ``basis``."""

    type = "texts.erased"
    request_id: str
    basis: str


register(TextsErased)
