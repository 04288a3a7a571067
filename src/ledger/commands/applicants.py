"""An applicant's personal data, found through a request: shown, or erased for good.

The log keeps only ``applicant_ref``; the data lives in the ``applicants`` table
(``ledger.applicants``), so erasing it leaves history and every report unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ledger.commands._context import Desk
from ledger.commands.requests import load
from ledger.errors import NotFound

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


def erase_applicant(desk: Desk, request_id: str) -> Erased:
    """Erase the personal data of the applicant of a request (all their requests)."""
    ref = applicant_ref(desk, request_id)
    already = not desk.store.applicants.erase(ref)
    return Erased(ref, already=already, purged=desk.store.applicants.purge())
