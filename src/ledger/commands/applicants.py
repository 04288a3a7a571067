"""An applicant's personal data, found through a request: shown, or erased for good.

The log keeps only ``applicant_ref``; the data lives in the ``applicants`` table
(``ledger.applicants``), so erasing it leaves history and every report unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ledger.commands._context import Desk
from ledger.commands.requests import load
from ledger.errors import InvalidInput, NotFound
from ledger.events.exports import (
    ApplicantErased,
    PersonalDataViewed,
    erasures_stream,
    exports_stream,
)
from ledger.events.store import ANY, NewEvent

FIELDS = ("ref", "name", "id_number", "phone", "email", "address", "erased_at")
"""What is kept about an applicant, in the order ``ledger applicant show`` prints it."""


@dataclass(frozen=True)
class ApplicantData:
    """An applicant's stored data; after erasure only ``ref`` and ``erased_at`` remain."""

    ref: str
    name: str | None = None
    id_number: str | None = None
    phone: str | None = None
    email: str | None = None
    address: str | None = None
    erased_at: datetime | None = None


@dataclass(frozen=True)
class Erased:
    """The applicant whose data was erased; ``already`` when it had been erased before.

    ``purged`` is False when old copies could not yet be removed from the database's
    files (a SQLite reader held the WAL); running the erasure again finishes it.
    """

    ref: str
    already: bool
    purged: bool = True


def applicant_ref(desk: Desk, request_id: str) -> str:
    """The applicant reference a request's receipt recorded, or NotFound."""
    state = load(desk, request_id)
    if state.applicant_ref is None:
        raise NotFound(f"request {request_id}: no applicant data was recorded with it")
    return state.applicant_ref


def show_applicant(desk: Desk, request_id: str) -> ApplicantData:
    """The personal data of the applicant of a request."""
    ref = applicant_ref(desk, request_id)
    row = desk.store.applicants.read(ref) or {}
    name, id_number, phone, email, address = (
        None if row.get(key) is None else str(row[key]) for key in FIELDS[1:6]
    )
    erased_at = row.get("erased_at")
    when = erased_at if isinstance(erased_at, datetime) else None
    return ApplicantData(ref, name, id_number, phone, email, address, when)


def view_applicant(desk: Desk, request_id: str, where: str) -> ApplicantData:
    """The personal data of the applicant of a request, shown to the desk's actor and
    recorded as seen (``applicant.personal-data-viewed`` on the agency's exports stream,
    where ``register export --with-personal-data`` records its copies), before it is shown.
    """
    data = show_applicant(desk, request_id)
    event = PersonalDataViewed(request_id=request_id, where=where)
    desk.store.append(exports_stream(desk.agency), [NewEvent(event, desk.today)],
                      expected_version=ANY, actor=desk.actor, agency=desk.agency)  # fmt: skip
    return data


def erase_applicant(desk: Desk, request_id: str, basis: str) -> Erased:
    """Erase the personal data of the applicant of a request (all their requests).

    The erasure is recorded as ``applicant.erased`` (who, when, ``basis``; never the data)
    after the data is gone; erasing again records it if that step was cut short.
    """
    if not basis.strip():
        raise InvalidInput("--basis: give the legal basis of the erasure (not empty)")
    ref = applicant_ref(desk, request_id)
    already = not desk.store.applicants.erase(ref)
    stream = erasures_stream(desk.agency)
    recorded = any(
        e.data.get("applicant_ref") == ref for e in desk.store.read_stream(stream)
    )
    if not recorded:
        event = ApplicantErased(applicant_ref=ref, basis=basis.strip())
        desk.store.append(stream, [NewEvent(event, desk.today)], expected_version=ANY,
                          actor=desk.actor, agency=desk.agency)  # fmt: skip
    return Erased(ref, already=already, purged=desk.store.applicants.purge())
