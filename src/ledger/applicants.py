"""Applicants' personal data, kept outside the immutable log so that it can be erased.

Events carry only ``applicant_ref``. The same person is recognised by the identity
number, else by name and phone or e-mail, so that per-request fee tiers and repeat
requests can be found without copying personal data into history.
"""

from __future__ import annotations

import re
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


ID_SUFFIX = re.compile(r"\d{3,5}[\dXx]")
"""An identity-number suffix a desk may search by: its last 4–6 characters (digits, or X last)."""
PHONE_SEPARATORS = re.compile(r"[ -]")
MIN_PHONE_DIGITS = 4


@dataclass(frozen=True)
class ApplicantSearch:
    """What ``ledger find --personal`` looks for in the applicants table, from one text.

    A name contains the text (Latin letters in any case); a phone number contains its
    digits once spaces and dashes are ignored on both sides (at least four digits); an
    identity number ends with it (4–6 characters, digits or a final X). Erased applicants
    never match: their data is gone.
    """

    text: str

    @property
    def name_part(self) -> str:
        return self.text.strip().lower()

    @property
    def phone_digits(self) -> str | None:
        digits = PHONE_SEPARATORS.sub("", self.text)
        plain = digits.isascii() and digits.isdigit()
        return digits if plain and len(digits) >= MIN_PHONE_DIGITS else None

    @property
    def id_suffix(self) -> str | None:
        text = self.text.strip().upper()
        return text if ID_SUFFIX.fullmatch(text) else None

    def matches(self, row: dict[str, Any]) -> bool:
        """Whether an applicants row matches (the rule the SQL of ``SqlApplicants`` follows)."""
        if row["erased_at"] is not None or not self.name_part:
            return False
        name, phone, id_number = (row.get(k) or "" for k in ("name", "phone", "id_number"))
        digits = self.phone_digits
        suffix = self.id_suffix
        return (
            self.name_part in name.lower()
            or (digits is not None and digits in PHONE_SEPARATORS.sub("", phone))
            or (suffix is not None and id_number.upper().endswith(suffix))
        )


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

    def search(self, text: str) -> set[str]:
        """The references of applicants on file matching ``text`` (``ApplicantSearch``)."""
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

    def search(self, text: str) -> set[str]:
        """One SELECT doing what ``ApplicantSearch.matches`` does, in standard SQL."""
        wanted = ApplicantSearch(text)
        if not wanted.name_part:
            return set()
        # lower() on both sides: each database folds case its own way (SQLite: A-Z only).
        found = ["lower(name) LIKE lower(?) ESCAPE '\\'"]
        values = [f"%{_like_escaped(wanted.text.strip())}%"]
        if wanted.phone_digits is not None:
            found.append("replace(replace(phone, ' ', ''), '-', '') LIKE ?")
            values.append(f"%{wanted.phone_digits}%")
        if wanted.id_suffix is not None:
            found.append("upper(id_number) LIKE ?")
            values.append(f"%{wanted.id_suffix}")
        query = f"SELECT ref FROM applicants WHERE erased_at IS NULL AND ({' OR '.join(found)})"
        return {str(row[0]) for row in self.db.fetch(query, tuple(values))}


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

    def search(self, text: str) -> set[str]:
        wanted = ApplicantSearch(text)
        with self._lock:
            rows = list(self._rows.values())
        return {str(row["ref"]) for row in rows if wanted.matches(row)}

    def discard(self, ref: str) -> None:
        """Take back a row added by an append that then failed (the memory store's rollback)."""
        with self._lock:
            self._rows.pop(ref, None)


def _like_escaped(text: str) -> str:
    """Text for a LIKE pattern with ``\\``, ``%`` and ``_`` taken literally."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _same_person(row: dict[str, Any], who: Applicant) -> bool:
    """The match of ``find_ref``: identity number, else name and phone (or e-mail)."""
    if who.id_number:
        return bool(row["id_number"] == who.id_number)
    if who.name and (who.phone or who.email):
        contact = row["phone"] == who.phone if who.phone else row["email"] == who.email
        return bool(row["name"] == who.name and contact)
    return False
