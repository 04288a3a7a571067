"""Applicants' personal data, kept outside the immutable log so that it can be erased.

Events carry only ``applicant_ref``. The same person is recognised by the identity
number, else by name and phone or e-mail, so that per-request fee tiers and repeat
requests can be found without copying personal data into history.

In a database the five personal fields are sealed (AES-GCM) with a key of the applicant's
own, kept in ``applicant_keys``; erasure deletes the key and nulls the fields, so a copy
the database keeps elsewhere (PostgreSQL's dead row versions, its write-ahead log) holds
only ciphertext nobody can open once the key is gone. ``find_ref`` matches on SHA-256
digests of the matching fields (``MATCHES``), nulled by erasure too; ``search`` (a part of
a name, phone digits, an id suffix) cannot use a digest, so it opens the live rows in
Python: an office's applicants number thousands, not millions.
"""

from __future__ import annotations

import base64
import hashlib
import os
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
    "ref", "name", "id_number", "phone", "email", "address",
    "id_match", "name_phone_match", "name_email_match", "created_at", "erased_at",
)  # fmt: skip
"""The columns of ``applicants`` as ``ledger.events.schema`` declares them (a test holds them)."""
PERSONAL = ("name", "id_number", "phone", "email", "address")
MATCHES = ("id_match", "name_phone_match", "name_email_match")
"""The digest columns ``find_ref`` looks up, in the order of its rule."""
KEY_BYTES = 32
"""AES-256: one random key per applicant."""
NONCE_BYTES = 12


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


def match_digests(who: Applicant) -> dict[str, str | None]:
    """The digests ``find_ref`` compares: identity number; name and phone; name and e-mail.

    A digest is not a secret (an identity number can be guessed and checked against it);
    it lets the desk find a person without a readable copy, and erasure nulls it.
    """
    pairs = {
        "id_match": (who.id_number,),
        "name_phone_match": (who.name, who.phone),
        "name_email_match": (who.name, who.email),
    }
    return {
        column: _digest(column, values) if all(values) else None for column, values in pairs.items()
    }


def match_condition(who: Applicant) -> tuple[str, tuple[str, ...]] | None:
    """The SQL condition (and its value) that finds ``who`` as the module says."""
    digests = match_digests(who)
    if who.id_number:
        return "id_match = ?", (str(digests["id_match"]),)
    for column in MATCHES[1:]:
        if digests[column] is not None:
            return f"{column} = ?", (str(digests[column]),)
    return None


def _digest(kind: str, values: tuple[str | None, ...]) -> str:
    text = "\x1f".join((kind, *(v or "" for v in values)))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def new_key() -> bytes:
    """A fresh applicant key (random, 256 bits)."""
    return os.urandom(KEY_BYTES)


def seal(key: bytes, value: str | None) -> str | None:
    """``value`` encrypted with the applicant's key (AES-GCM, random nonce), as text."""
    if value is None:
        return None
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = os.urandom(NONCE_BYTES)
    sealed = nonce + AESGCM(key).encrypt(nonce, value.encode("utf-8"), None)
    return base64.b64encode(sealed).decode("ascii")


def unseal(key: bytes | None, text: str | None) -> str | None:
    """The value ``seal`` sealed; None without a key (erased) or a value."""
    if key is None or text is None:
        return None
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    raw = base64.b64decode(text)
    return AESGCM(bytes(key)).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], None).decode("utf-8")


def new_ref() -> str:
    """A fresh reference: random, so it says nothing about the person."""
    return uuid.uuid4().hex


@dataclass(frozen=True)
class NewApplicant:
    """A new applicant's data, stored by the append that records their first request."""

    ref: str
    who: Applicant

    def row(self) -> dict[str, Any]:
        """The values of the ``applicants`` row, in clear (the memory store keeps these)."""
        w = self.who
        return {
            "ref": self.ref,
            "name": w.name,
            "id_number": w.id_number,
            "phone": w.phone,
            "email": w.email,
            "address": w.address,
            **match_digests(w),
            "created_at": utc_now(),
            "erased_at": None,
        }

    def sealed_row(self, key: bytes) -> dict[str, Any]:
        """The row a database stores: the personal fields sealed with ``key``."""
        row = self.row()
        row.update({c: seal(key, row[c]) for c in PERSONAL})
        return row


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
        """Whether an applicants row (opened, in clear) matches."""
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

    def purge(self) -> bool:
        """Remove leftover copies of erased data where the store keeps them (SQLite's WAL).

        False when something outside ledger's control (a reader inside a long read
        transaction) kept the copies for now; calling it again later finishes the job.
        """
        ...

    def search(self, text: str) -> set[str]:
        """The references of applicants on file matching ``text`` (``ApplicantSearch``)."""
        ...


class SqlApplicants:
    """The ``applicants`` table of a database, sealed with the keys in ``applicant_keys``."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def insert(self, conn: Any, new: NewApplicant) -> None:
        """Store a new applicant and their key within the caller's transaction (the append's)."""
        key = new_key()
        row = new.sealed_row(key)
        if self.db.dialect == "sqlite":
            row["created_at"] = row["created_at"].isoformat(" ", "microseconds")
        marks = ", ".join("?" for _ in APPLICANT_COLUMNS)
        text = f"INSERT INTO applicants ({', '.join(APPLICANT_COLUMNS)}) VALUES ({marks})"
        conn.execute(self.db.sql(text), tuple(row[c] for c in APPLICANT_COLUMNS))
        conn.execute(self.db.sql("INSERT INTO applicant_keys (ref, key) VALUES (?, ?)"),
                     (new.ref, key))  # fmt: skip

    def find_ref(self, who: Applicant) -> str | None:
        match = match_condition(who)
        if match is None:
            return None
        condition, values = match
        query = f"SELECT ref FROM applicants WHERE {condition} AND erased_at IS NULL LIMIT 1"
        found = self.db.scalar(query, values)
        return str(found) if found is not None else None

    def _opened(self, where: str, params: tuple[str, ...]) -> list[dict[str, Any]]:
        """The rows matching ``where``, the personal fields opened with their keys."""
        columns = ", ".join(f"a.{c}" for c in APPLICANT_COLUMNS)
        rows = self.db.fetch(
            f"SELECT {columns}, k.key FROM applicants a "
            f"LEFT JOIN applicant_keys k ON k.ref = a.ref WHERE {where}",
            params,
        )
        opened = []
        for found in rows:
            row: dict[str, Any] = dict(zip(APPLICANT_COLUMNS, found[:-1], strict=True))
            row.update({c: unseal(found[-1], row[c]) for c in PERSONAL})
            for moment in ("created_at", "erased_at"):
                if isinstance(row[moment], str):
                    row[moment] = datetime.fromisoformat(row[moment])
            opened.append(row)
        return opened

    def read(self, ref: str) -> dict[str, object] | None:
        rows = self._opened("a.ref = ?", (ref,))
        if not rows:
            return None
        return {c: rows[0][c] for c in APPLICANT_COLUMNS if c not in MATCHES}

    def erase(self, ref: str) -> bool:
        """Delete the applicant's key and null their fields, keeping the reference."""
        now: object = utc_now()
        if self.db.dialect == "sqlite":
            now = utc_now().isoformat(" ", "microseconds")
        cleared = ", ".join(f"{c} = NULL" for c in (*PERSONAL, *MATCHES))
        with self.db.writing(exclusive=False) as conn:
            conn.execute(self.db.sql("DELETE FROM applicant_keys WHERE ref = ?"), (ref,))
            result = conn.execute(
                self.db.sql(
                    f"UPDATE applicants SET {cleared}, erased_at = ? "
                    "WHERE ref = ? AND erased_at IS NULL"
                ),
                (now, ref),
            )
            return bool(result.rowcount)

    def purge(self) -> bool:
        """Leave no old copy of an erased key where ledger can reach: on SQLite a WAL
        checkpoint (TRUNCATE), so no old page stays in ``-wal`` (SQLite waits for readers up
        to the lock timeout before giving up); on PostgreSQL a VACUUM of ``applicant_keys``,
        so the deleted key's dead row version leaves the table's files (False if this role
        may not vacuum it). What stays in PostgreSQL's WAL: docs/reliability.md."""
        if self.db.dialect == "postgresql":
            return self.db.vacuum("applicant_keys")
        return self.db.checkpoint()

    def search(self, text: str) -> set[str]:
        """The live rows opened and matched in Python (``ApplicantSearch.matches``)."""
        wanted = ApplicantSearch(text)
        if not wanted.name_part:
            return set()
        rows = self._opened("a.erased_at IS NULL", ())
        return {str(row["ref"]) for row in rows if wanted.matches(row)}


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
            return {k: v for k, v in row.items() if k not in MATCHES} if row else None

    def erase(self, ref: str) -> bool:
        with self._lock:
            row = self._rows.get(ref)
            if row is None or row["erased_at"] is not None:
                return False
            row.update(dict.fromkeys((*PERSONAL, *MATCHES)))
            row["erased_at"] = utc_now()
        return True

    def purge(self) -> bool:
        return True  # nothing outlives the process

    def search(self, text: str) -> set[str]:
        wanted = ApplicantSearch(text)
        with self._lock:
            rows = list(self._rows.values())
        return {str(row["ref"]) for row in rows if wanted.matches(row)}

    def discard(self, ref: str) -> None:
        """Take back a row added by an append that then failed (the memory store's rollback)."""
        with self._lock:
            self._rows.pop(ref, None)


def _same_person(row: dict[str, Any], who: Applicant) -> bool:
    """The match of ``find_ref``: identity number, else name and phone (or e-mail)."""
    if who.id_number:
        return bool(row["id_number"] == who.id_number)
    if who.name and (who.phone or who.email):
        contact = row["phone"] == who.phone if who.phone else row["email"] == who.email
        return bool(row["name"] == who.name and contact)
    return False
