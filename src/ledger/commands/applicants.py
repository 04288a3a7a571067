"""An applicant's personal data, found through a request: shown, or erased for good.

The log keeps only ``applicant_ref``; the data lives in the ``applicants`` table
(``ledger.applicants``), so erasing it leaves history and every report unchanged. The
same holds for a request's free text (subject, approvers, parties, reasons), kept in the
``texts`` table (``ledger.texts``): erasing an applicant erases the texts of all their
requests too, and ``erase_texts`` erases one request's texts alone (a subject that names
someone other than the applicant, a request recorded without applicant data).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ledger.commands._context import Desk
from ledger.commands.requests import load
from ledger.errors import InvalidInput, NotFound
from ledger.events.exports import ApplicantErased, TextsErased, erasures_stream
from ledger.events.requests import RequestReceived, request_of, stream_of
from ledger.events.store import ANY, NewEvent
from ledger.i18n import _

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
    texts: int = 0
    """How many texts of the applicant's requests were erased with the data."""


@dataclass(frozen=True)
class TextsGone:
    """A request whose free text was erased: how many texts (0: erased before)."""

    request_id: str
    erased: int
    purged: bool = True


def applicant_ref(desk: Desk, request_id: str) -> str:
    """The applicant reference a request's receipt recorded, or NotFound."""
    state = load(desk, request_id)
    if state.applicant_ref is None:
        raise NotFound(
            _("request {request_id}: no applicant data was recorded with it").format(
                request_id=request_id
            )
        )
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


def erase_applicant(desk: Desk, request_id: str, basis: str) -> Erased:
    """Erase the personal data of the applicant of a request (all their requests).

    The erasure is recorded as ``applicant.erased`` (who, when, ``basis``; never the data)
    after the data is gone; erasing again records it if that step was cut short.
    """
    if not basis.strip():
        raise InvalidInput(_("--basis: give the legal basis of the erasure (not empty)"))
    ref = applicant_ref(desk, request_id)
    already = not desk.store.applicants.erase(ref)
    stream = erasures_stream(desk.agency)
    recorded = any(e.data.get("applicant_ref") == ref for e in desk.store.read_stream(stream))
    if not recorded:
        event = ApplicantErased(applicant_ref=ref, basis=basis.strip())
        desk.store.append(stream, [NewEvent(event, desk.today)], expected_version=ANY,
                          actor=desk.actor, agency=desk.agency)  # fmt: skip
    texts = sum(_erase_texts(desk, request, basis.strip()) for request in requests_of(desk, ref))
    # After both erasures: the checkpoint empties the -wal of the old keys and texts too.
    return Erased(ref, already=already, purged=desk.store.applicants.purge(), texts=texts)


def requests_of(desk: Desk, ref: str) -> list[str]:
    """The requests whose receipt recorded applicant ``ref`` (read from the log)."""
    received = desk.store.read_all(types=[RequestReceived.type])
    return sorted({request_of(e.stream_id) for e in received if e.data.get("applicant_ref") == ref})


def erase_texts(desk: Desk, request_id: str, basis: str) -> TextsGone:
    """Erase the free text of one request (subject, approvers, parties, reasons).

    Recorded as ``texts.erased`` (who, when, ``basis``; never the text) after the texts
    are gone, each time some were erased, and the first time even if none were.
    """
    if not basis.strip():
        raise InvalidInput("--basis: give the legal basis of the erasure (not empty)")
    load(desk, request_id)  # NotFound for an unknown request
    erased = _erase_texts(desk, request_id, basis.strip())
    return TextsGone(request_id, erased, purged=desk.store.texts.purge())


def _erase_texts(desk: Desk, request_id: str, basis: str) -> int:
    """Erase a request's texts and record it (see ``erase_texts``); how many."""
    erased = desk.store.texts.erase(stream_of(request_id))
    stream = erasures_stream(desk.agency)
    recorded = any(
        e.type == TextsErased.type and e.data.get("request_id") == request_id
        for e in desk.store.read_stream(stream)
    )
    if erased or not recorded:
        event = TextsErased(request_id=request_id, basis=basis)
        desk.store.append(stream, [NewEvent(event, desk.today)], expected_version=ANY,
                          actor=desk.actor, agency=desk.agency)  # fmt: skip
    return erased
