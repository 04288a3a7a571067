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

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def find_ref(self, who: Applicant) -> str | None:
        return find_ref(self.engine, who)

    def read(self, ref: str) -> dict[str, object] | None:
        return read(self.engine, ref)

    def erase(self, ref: str) -> bool:
        return erase(self.engine, ref)

    def search(self, text: str) -> set[str]:
        """One SELECT doing what ``ApplicantSearch.matches`` does, in standard SQL."""
        wanted = ApplicantSearch(text)
        if not wanted.name_part:
            return set()
        t = APPLICANTS.c
        # lower() on both sides: each database folds case its own way (SQLite: A-Z only).
        part = sa.func.lower(sa.literal(f"%{_like_escaped(wanted.text.strip())}%"))
        found = [sa.func.lower(t.name).like(part, escape="\\")]
        if wanted.phone_digits is not None:
            bare = sa.func.replace(sa.func.replace(t.phone, " ", ""), "-", "")
            found.append(bare.like(f"%{wanted.phone_digits}%"))
        if wanted.id_suffix is not None:
            found.append(sa.func.upper(t.id_number).like(f"%{wanted.id_suffix}"))
        query = sa.select(t.ref).where(t.erased_at.is_(None), sa.or_(*found))
        with self.engine.connect() as conn:
            return set(conn.execute(query).scalars())


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
