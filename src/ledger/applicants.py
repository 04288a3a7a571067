"""Applicants' personal data, kept outside the immutable log so that it can be erased.

Events carry only ``applicant_ref``. The same person is recognised by the identity
number, else by name and phone or e-mail, so that per-request fee tiers and repeat
requests can be found without copying personal data into history.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ledger.dates import utc_now

# The statement-building view of the ``applicants`` table declared in
# ``ledger.events.schema`` (kept equal by a test; see ``ledger.events.store.EVENTS``).
APPLICANTS = sa.table(
    "applicants",
    sa.column("ref", sa.String),
    sa.column("name", sa.String),
    sa.column("id_number", sa.String),
    sa.column("phone", sa.String),
    sa.column("email", sa.String),
    sa.column("address", sa.Text),
    sa.column("created_at", sa.DateTime),
    sa.column("erased_at", sa.DateTime),
)


@dataclass(frozen=True)
class Applicant:
    """What a desk may record about a person or organisation applying."""

    name: str | None = None
    id_number: str | None = None
    phone: str | None = None
    email: str | None = None
    address: str | None = None

    def is_empty(self) -> bool:
        return not any((self.name, self.id_number, self.phone, self.email, self.address))


def find_ref(engine: Engine, who: Applicant) -> str | None:
    """The reference of an applicant already on file, matched as the module says."""
    t = APPLICANTS.c
    conditions = []
    if who.id_number:
        conditions.append(t.id_number == who.id_number)
    elif who.name and (who.phone or who.email):
        contact = t.phone == who.phone if who.phone else t.email == who.email
        conditions.append(sa.and_(t.name == who.name, contact))
    if not conditions:
        return None
    query = sa.select(t.ref).where(*conditions, t.erased_at.is_(None)).limit(1)
    with engine.connect() as conn:
        return conn.execute(query).scalar()


def new_ref() -> str:
    """A fresh reference: random, so it says nothing about the person."""
    return uuid.uuid4().hex


@dataclass(frozen=True)
class NewApplicant:
    """A new applicant's data, stored by the append that records their first request."""

    ref: str
    who: Applicant

    def row(self) -> dict[str, Any]:
        """The values of the ``applicants`` row."""
        w = self.who
        return {
            "ref": self.ref,
            "name": w.name,
            "id_number": w.id_number,
            "phone": w.phone,
            "email": w.email,
            "address": w.address,
            "created_at": utc_now(),
            "erased_at": None,
        }


class ApplicantFile(Protocol):
    """Where a store keeps applicants' personal data (new ones come with an append)."""

    def find_ref(self, who: Applicant) -> str | None:
        """The reference of an applicant already on file, matched as the module says."""
        ...

    def read(self, ref: str) -> dict[str, object] | None:
        """An applicant's stored data (None if the reference is unknown)."""
        ...

    def erase(self, ref: str) -> bool:
        """Erase an applicant's personal data, keeping the reference."""
        ...


class SqlApplicants:
    """The ``applicants`` table of a database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def find_ref(self, who: Applicant) -> str | None:
        return find_ref(self.engine, who)

    def read(self, ref: str) -> dict[str, object] | None:
        return read(self.engine, ref)

    def erase(self, ref: str) -> bool:
        return erase(self.engine, ref)


class MemoryApplicants:
    """Applicants kept in this process, matched and erased as the table is."""

    def __init__(self) -> None:
        self._rows: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def add(self, new: NewApplicant) -> None:
        """Store a new applicant (the memory store calls this within its append)."""
        with self._lock:
            if new.ref in self._rows:
                raise ValueError(f"applicant reference {new.ref} is already on file")
            self._rows[new.ref] = new.row()

    def find_ref(self, who: Applicant) -> str | None:
        with self._lock:
            rows = list(self._rows.values())
        for row in rows:
            if row["erased_at"] is None and _same_person(row, who):
                return str(row["ref"])
        return None

    def read(self, ref: str) -> dict[str, object] | None:
        with self._lock:
            row = self._rows.get(ref)
            return dict(row) if row is not None else None

    def erase(self, ref: str) -> bool:
        with self._lock:
            row = self._rows.get(ref)
            if row is None or row["erased_at"] is not None:
                return False
            row.update(name=None, id_number=None, phone=None, email=None, address=None)
            row["erased_at"] = utc_now()
        return True


def _same_person(row: dict[str, Any], who: Applicant) -> bool:
    """The match of ``find_ref``: identity number, else name and phone (or e-mail)."""
    if who.id_number:
        return bool(row["id_number"] == who.id_number)
    if who.name and (who.phone or who.email):
        contact = row["phone"] == who.phone if who.phone else row["email"] == who.email
        return bool(row["name"] == who.name and contact)
    return False


def erase(engine: Engine, ref: str) -> bool:
    """Erase an applicant's personal data, keeping the reference that history points to."""
    t = APPLICANTS.c
    with engine.begin() as conn:
        result = conn.execute(
            APPLICANTS.update()
            .where(t.ref == ref, t.erased_at.is_(None))
            .values(
                name=None, id_number=None, phone=None, email=None, address=None, erased_at=utc_now()
            )
        )
    return bool(result.rowcount)


def read(engine: Engine, ref: str) -> dict[str, object] | None:
    """An applicant's stored data (None if the reference is unknown)."""
    query = sa.select(APPLICANTS).where(APPLICANTS.c.ref == ref)
    with engine.connect() as conn:
        row = conn.execute(query).mappings().first()
    return dict(row) if row is not None else None
