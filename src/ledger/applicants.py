"""Applicants' personal data, kept outside the immutable log so that it can be erased.

Events carry only ``applicant_ref``. The same person is recognised by the identity
number, else by name and phone or e-mail, so that per-request fee tiers and repeat
requests can be found without copying personal data into history.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from ledger.dates import utc_now

if TYPE_CHECKING:
    from ledger.db import Database

APPLICANT_COLUMNS = (
    "ref", "name", "id_number", "phone", "email", "address", "created_at", "erased_at",
)  # fmt: skip
"""The columns of ``applicants`` as ``ledger.events.schema`` declares them (a test holds them)."""
PERSONAL = ("name", "id_number", "phone", "email", "address")


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


def match_condition(who: Applicant) -> tuple[str, tuple[str, ...]] | None:
    """The SQL condition (and its values) that finds ``who`` as the module says."""
    if who.id_number:
        return "id_number = ?", (who.id_number,)
    if who.name and who.phone:
        return "name = ? AND phone = ?", (who.name, who.phone)
    if who.name and who.email:
        return "name = ? AND email = ?", (who.name, who.email)
    return None


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

    def __init__(self, db: Database) -> None:
        self.db = db

    def insert(self, conn: Any, new: NewApplicant) -> None:
        """Store a new applicant within the caller's transaction (the append's)."""
        row = new.row()
        if self.db.dialect == "sqlite":
            row["created_at"] = row["created_at"].isoformat(" ", "microseconds")
        marks = ", ".join("?" for _ in APPLICANT_COLUMNS)
        text = f"INSERT INTO applicants ({', '.join(APPLICANT_COLUMNS)}) VALUES ({marks})"
        conn.execute(self.db.sql(text), tuple(row[c] for c in APPLICANT_COLUMNS))

    def find_ref(self, who: Applicant) -> str | None:
        match = match_condition(who)
        if match is None:
            return None
        condition, values = match
        query = f"SELECT ref FROM applicants WHERE {condition} AND erased_at IS NULL LIMIT 1"
        found = self.db.scalar(query, values)
        return str(found) if found is not None else None

    def read(self, ref: str) -> dict[str, object] | None:
        rows = self.db.fetch(
            f"SELECT {', '.join(APPLICANT_COLUMNS)} FROM applicants WHERE ref = ?", (ref,)
        )
        if not rows:
            return None
        row: dict[str, object] = dict(zip(APPLICANT_COLUMNS, rows[0], strict=True))
        for moment in ("created_at", "erased_at"):
            if isinstance(row[moment], str):
                row[moment] = datetime.fromisoformat(str(row[moment]))
        return row

    def erase(self, ref: str) -> bool:
        """Erase an applicant's personal data, keeping the reference history points to."""
        now: object = utc_now()
        if self.db.dialect == "sqlite":
            now = utc_now().isoformat(" ", "microseconds")
        cleared = ", ".join(f"{c} = NULL" for c in PERSONAL)
        with self.db.writing(exclusive=False) as conn:
            result = conn.execute(
                self.db.sql(
                    f"UPDATE applicants SET {cleared}, erased_at = ? "
                    "WHERE ref = ? AND erased_at IS NULL"
                ),
                (now, ref),
            )
            return bool(result.rowcount)


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
