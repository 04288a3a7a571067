"""Applicants' personal data, kept outside the immutable log so that it can be erased.

Events carry only ``applicant_ref``. The same person is recognised by the identity
number, else by name and phone or e-mail, so that per-request fee tiers and repeat
requests can be found without copying personal data into history.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

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


def inserter(ref: str, who: Applicant) -> Callable[[Connection], None]:
    """A writer for the append transaction that stores a new applicant's data."""

    def write(conn: Connection) -> None:
        conn.execute(
            APPLICANTS.insert().values(
                ref=ref,
                name=who.name,
                id_number=who.id_number,
                phone=who.phone,
                email=who.email,
                address=who.address,
                created_at=utc_now(),
            )
        )

    return write


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
