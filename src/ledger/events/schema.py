"""The tables, declared once with SQLModel.

``events`` is the append-only log. ``applicants`` holds personal data outside the log,
so that it can be erased when the law requires without rewriting history; events refer
to an applicant only by ``ref``. Migrations (``ledger/migrations``) create exactly these
tables, which a test checks.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Final

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from ledger.search import ID_FOLDED

JSON_DATA = sa.JSON().with_variant(JSONB(), "postgresql")
STREAM_ID = sa.String(200).with_variant(sa.String(200, collation="C"), "postgresql")
"""Stream ids compare by code point on PostgreSQL too, whatever the database's collation:
the ``(stream_id, version)`` index then serves a prefix (``Store.stream_ids``) as a range."""
POSITION = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
"""On SQLite an ``INTEGER`` primary key is the rowid (migration 0011): the table itself is
ordered by position, with no separate key B-tree to write on every append and to walk on
every read by position. SQLite's integers are 64-bit whatever the declared type."""


class EventRow(SQLModel, table=True):
    """One immutable event in global order."""

    __tablename__ = "events"
    __table_args__ = (
        sa.UniqueConstraint("stream_id", "version", name="uq_events_stream_version"),
        sa.Index("ix_events_command_id", "command_id"),
        sa.Index("ix_events_type", "type", "position"),
    )

    position: int = Field(sa_column=sa.Column(POSITION, primary_key=True, autoincrement=False))
    stream_id: str = Field(sa_column=sa.Column(STREAM_ID, nullable=False))
    version: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))
    type: str = Field(sa_column=sa.Column(sa.String(100), nullable=False))
    schema_version: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))
    data: dict[str, object] = Field(sa_column=sa.Column(JSON_DATA, nullable=False))
    effective_date: date = Field(sa_column=sa.Column(sa.Date, nullable=False))
    recorded_at: datetime = Field(sa_column=sa.Column(sa.DateTime, nullable=False))
    actor: str = Field(sa_column=sa.Column(sa.String(200), nullable=False))
    agency: str = Field(sa_column=sa.Column(sa.String(200), nullable=False))
    command_id: str | None = Field(default=None, sa_column=sa.Column(sa.String(200)))
    hash: str = Field(sa_column=sa.Column(sa.String(64), nullable=False))


class ApplicantRow(SQLModel, table=True):
    """Personal data of one applicant; erasable, never copied into the log.

    The five personal fields hold ciphertext sealed with the applicant's key
    (``applicant_keys``); the ``*_match`` columns hold the digests ``find_ref`` looks up.
    """

    __tablename__ = "applicants"

    ref: str = Field(sa_column=sa.Column(sa.String(64), primary_key=True))
    name: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    id_number: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    phone: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    email: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    address: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    id_match: str | None = Field(default=None, sa_column=sa.Column(sa.String(64), index=True))
    name_phone_match: str | None = Field(
        default=None, sa_column=sa.Column(sa.String(64), index=True)
    )
    name_email_match: str | None = Field(
        default=None, sa_column=sa.Column(sa.String(64), index=True)
    )
    created_at: datetime = Field(sa_column=sa.Column(sa.DateTime, nullable=False))
    erased_at: datetime | None = Field(default=None, sa_column=sa.Column(sa.DateTime))


class ApplicantKeyRow(SQLModel, table=True):
    """One applicant's key; erasure deletes it, leaving every copy of their data unreadable."""

    __tablename__ = "applicant_keys"

    ref: str = Field(sa_column=sa.Column(sa.String(64), primary_key=True))
    key: bytes = Field(sa_column=sa.Column(sa.LargeBinary, nullable=False))


class TextRow(SQLModel, table=True):
    """Free text taken out of an event (``ledger.texts``): a subject, an approver, a party,
    a reason. ``body`` is ciphertext sealed with the key of its stream (``owner``) in
    ``text_keys``; erasure nulls it and deletes the key."""

    __tablename__ = "texts"

    ref: str = Field(sa_column=sa.Column(sa.String(64), primary_key=True))
    owner: str = Field(sa_column=sa.Column(sa.String(200), nullable=False, index=True))
    body: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    created_at: datetime = Field(sa_column=sa.Column(sa.DateTime, nullable=False))
    erased_at: datetime | None = Field(default=None, sa_column=sa.Column(sa.DateTime))


class TextKeyRow(SQLModel, table=True):
    """One stream's (one request's) key for its texts; erasure deletes it."""

    __tablename__ = "text_keys"

    owner: str = Field(sa_column=sa.Column(sa.String(200), primary_key=True))
    key: bytes = Field(sa_column=sa.Column(sa.LargeBinary, nullable=False))


YEAR_COUNTED: Final = (
    "first_position", "received_year", "decided_year", "applicant", "outcome",
    "recorded_late", "channel", "received_on", "decided_on", "due_date", "paused_days",
    "step_counts", "request_id",
)  # fmt: skip
"""The columns a year's annual counts read of each request touching the year
(``projections/yearcounts.py``), held by the index of the touch years after them
(``ix_request_view_year``, migration 0013): SQLite reads the year's rows from that index
alone, in its order, instead of seeking each row of the table (whose kept state makes a
row ten times as wide). ``first_position`` comes first: it orders the entries of a pair of
touch years as the requests entered the log, the order their rows were inserted in, so a
read that does need the table (a row's kept state) still walks it in order, not at
random."""


ID_GRAMS: Final = sa.Index(
    "ix_request_view_id_grams",
    sa.literal_column(ID_FOLDED).label("id_folded"),
    postgresql_using="gin",
    postgresql_ops={"id_folded": "gin_trgm_ops"},
).ddl_if(dialect="postgresql")
"""PostgreSQL only, and only where the ``pg_trgm`` extension could be made (migration
0015): a GIN index of the folded ids' trigrams, which answers ``LIKE '%part%'`` for a part
of three characters or more by reading the ids holding its trigrams. Without it (SQLite,
or a server without the extension) the same query reads every id of the primary key."""


class RequestViewRow(SQLModel, table=True):
    """One request as the desk reads it, folded from its stream (``projections/tables.py``).

    Kept in the transaction of the events it comes from, so a read never waits for a
    replay; day-dependent figures (days left, overdue) are computed at read time from
    ``due_date``. The log stays the truth: ``ledger projections rebuild`` recreates it.
    """

    __tablename__ = "request_view"
    __table_args__ = (
        sa.Index("ix_request_view_agency_year", "agency", "received_year"),
        sa.Index("ix_request_view_open_due", "closed", "due_date"),
        sa.Index("ix_request_view_year", "touch_until", "touch_from", *YEAR_COUNTED),
        sa.Index("ix_request_view_agency_touch", "agency", "touch_until", "touch_from"),
        sa.Index("ix_request_view_span", "touch_span"),
        sa.Index("ix_request_view_late", "recorded_late", "agency", "received_year"),
        sa.Index("ix_request_view_effective", "last_effective"),
        sa.Index("ix_request_view_applicant_ref", "applicant_ref"),
        # PostgreSQL keeps the id in the signature index (0015): ``find``'s candidates come
        # from the index alone, not from a pass over the wide table (SQLite's rowid is there).
        sa.Index(
            "ix_request_view_signature",
            *(f"sig{i}" for i in range(8)),
            postgresql_include=["request_id"],
        ),
        # The ids' trigrams (PostgreSQL's pg_trgm, 0015): ``find``'s test of a part of an id
        # reads the few rows holding its trigrams, not every id (``ID_GRAMS``).
        ID_GRAMS,
        # The few rows a year close carried over (0014): the report's check finds them
        # without a scan; a row never carried over (NULL) has no entry and costs no write.
        sa.Index(
            "ix_request_view_carried",
            "carried_years",
            sqlite_where=sa.text("carried_years IS NOT NULL"),
            postgresql_where=sa.text("carried_years IS NOT NULL"),
        ),
    )

    request_id: str = Field(sa_column=sa.Column(sa.String(200), primary_key=True))
    agency: str = Field(sa_column=sa.Column(sa.String(200), nullable=False))
    version: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))
    status: str = Field(sa_column=sa.Column(sa.String(20), nullable=False))
    channel: str = Field(sa_column=sa.Column(sa.String(50), nullable=False))
    applicant: str = Field(sa_column=sa.Column(sa.String(50), nullable=False))
    applicant_ref: str | None = Field(default=None, sa_column=sa.Column(sa.String(64)))
    subject: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    received_on: date = Field(sa_column=sa.Column(sa.Date, nullable=False))
    received_year: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))
    due_date: date | None = Field(default=None, sa_column=sa.Column(sa.Date))
    provisional: bool = Field(sa_column=sa.Column(sa.Boolean, nullable=False))
    deferred: bool = Field(sa_column=sa.Column(sa.Boolean, nullable=False))
    regime: str = Field(sa_column=sa.Column(sa.String(20), nullable=False))
    days_allowed: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))
    extension_days: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))
    stopped_with: int | None = Field(default=None, sa_column=sa.Column(sa.Integer))
    outcome: str | None = Field(default=None, sa_column=sa.Column(sa.String(50)))
    decided_on: date | None = Field(default=None, sa_column=sa.Column(sa.Date))
    decided_year: int | None = Field(default=None, sa_column=sa.Column(sa.Integer))
    closed: bool = Field(sa_column=sa.Column(sa.Boolean, nullable=False))
    withdrawn: bool = Field(sa_column=sa.Column(sa.Boolean, nullable=False))
    recorded_late: bool = Field(sa_column=sa.Column(sa.Boolean, nullable=False))
    state: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    first_position: int | None = Field(default=None, sa_column=sa.Column(sa.BigInteger))
    last_effective: date | None = Field(default=None, sa_column=sa.Column(sa.Date))
    touch_from: int | None = Field(default=None, sa_column=sa.Column(sa.Integer))
    touch_until: int | None = Field(default=None, sa_column=sa.Column(sa.Integer))
    touch_span: int | None = Field(default=None, sa_column=sa.Column(sa.Integer))
    # An open request's clarification or consultation running (the dashboard's counts).
    clarifying: bool = Field(
        default=False, sa_column=sa.Column(sa.Boolean, nullable=False, server_default=sa.false())
    )
    consulting: bool = Field(
        default=False, sa_column=sa.Column(sa.Boolean, nullable=False, server_default=sa.false())
    )
    # What the annual report counts of the request's steps (``projections/steps.py``):
    # the working days paused before the answer, the extensions and clarification
    # notices per year (NULL: none).
    paused_days: int = Field(
        default=0, sa_column=sa.Column(sa.Integer, nullable=False, server_default="0")
    )
    step_counts: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    # The years a year close carried the request over out of, as ``,2021,2022,`` (NULL:
    # none; ``snapshots.carried_text``): the report's check finds them without the state.
    carried_years: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    # The subject's keyed signature (``ledger.search``): NULL not computed, zeros none.
    sig0: int | None = Field(default=None, sa_column=sa.Column(sa.BigInteger))
    sig1: int | None = Field(default=None, sa_column=sa.Column(sa.BigInteger))
    sig2: int | None = Field(default=None, sa_column=sa.Column(sa.BigInteger))
    sig3: int | None = Field(default=None, sa_column=sa.Column(sa.BigInteger))
    sig4: int | None = Field(default=None, sa_column=sa.Column(sa.BigInteger))
    sig5: int | None = Field(default=None, sa_column=sa.Column(sa.BigInteger))
    sig6: int | None = Field(default=None, sa_column=sa.Column(sa.BigInteger))
    sig7: int | None = Field(default=None, sa_column=sa.Column(sa.BigInteger))


class SearchKeyRow(SQLModel, table=True):
    """The books' one search key (``ledger.search``): the key of the subjects' signatures
    in ``request_view``, made by migration 0009. Never logged, never erased: a signature
    is erased by setting it to zeros."""

    __tablename__ = "search_key"

    id: int = Field(sa_column=sa.Column(sa.Integer, primary_key=True, autoincrement=False))
    key: bytes = Field(sa_column=sa.Column(sa.LargeBinary, nullable=False))


class CheckpointRow(SQLModel, table=True):
    """The last log position each projection has applied (``ledger projections status``)."""

    __tablename__ = "projection_checkpoints"

    name: str = Field(sa_column=sa.Column(sa.String(100), primary_key=True))
    position: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))


class UserRow(SQLModel, table=True):
    """A person who signs in to the web pages (``ledger.accounts``): the role, the agencies
    they work for (comma-separated codes, ``*`` for all) and an argon2 hash, never the
    password."""

    __tablename__ = "users"

    username: str = Field(sa_column=sa.Column(sa.String(100), primary_key=True))
    password_hash: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    role: str = Field(sa_column=sa.Column(sa.String(20), nullable=False))
    agencies: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    personal: bool = Field(sa_column=sa.Column(sa.Boolean, nullable=False))
    disabled: bool = Field(sa_column=sa.Column(sa.Boolean, nullable=False))
    created_at: datetime = Field(sa_column=sa.Column(sa.DateTime, nullable=False))
    changed_at: datetime = Field(sa_column=sa.Column(sa.DateTime, nullable=False))


class LoginFailureRow(SQLModel, table=True):
    """One failed sign-in (``web/security.py``, ``Throttle``): kept in the database so
    that every ``ledger serve`` process on it counts the same failures. Rows older than
    ``[web] login_wait`` are deleted as new failures come; no password is ever kept."""

    __tablename__ = "login_failures"
    __table_args__ = (
        sa.Index("ix_login_failures_pair", "username", "address", "failed_at"),
        sa.Index("ix_login_failures_at", "failed_at"),
    )

    id: str = Field(sa_column=sa.Column(sa.String(32), primary_key=True))
    username: str = Field(sa_column=sa.Column(sa.String(200), nullable=False))
    address: str = Field(sa_column=sa.Column(sa.String(100), nullable=False))
    failed_at: datetime = Field(sa_column=sa.Column(sa.DateTime, nullable=False))


EVENTS = EventRow.__table__  # type: ignore[attr-defined]
APPLICANTS = ApplicantRow.__table__  # type: ignore[attr-defined]
APPLICANT_KEYS = ApplicantKeyRow.__table__  # type: ignore[attr-defined]
REQUEST_VIEW = RequestViewRow.__table__  # type: ignore[attr-defined]
TEXTS = TextRow.__table__  # type: ignore[attr-defined]
TEXT_KEYS = TextKeyRow.__table__  # type: ignore[attr-defined]
metadata = SQLModel.metadata

# Immutability is the database's job, not only the code's: these triggers make UPDATE
# and DELETE on ``events`` fail whoever issues them.
SQLITE_TRIGGERS = (
    """CREATE TRIGGER IF NOT EXISTS events_no_update BEFORE UPDATE ON events
       BEGIN SELECT RAISE(ABORT, 'events are immutable: UPDATE is not allowed'); END""",
    """CREATE TRIGGER IF NOT EXISTS events_no_delete BEFORE DELETE ON events
       BEGIN SELECT RAISE(ABORT, 'events are immutable: DELETE is not allowed'); END""",
)
SQLITE_DROP_TRIGGERS = (
    "DROP TRIGGER IF EXISTS events_no_update",
    "DROP TRIGGER IF EXISTS events_no_delete",
)
POSTGRES_TRIGGERS = (
    """CREATE OR REPLACE FUNCTION ledger_events_immutable() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'events are immutable: % is not allowed', TG_OP; END;
       $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER events_no_change BEFORE UPDATE OR DELETE ON events
       FOR EACH ROW EXECUTE FUNCTION ledger_events_immutable()""",
    """CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
       FOR EACH STATEMENT EXECUTE FUNCTION ledger_events_immutable()""",
)
POSTGRES_DROP_TRIGGERS = (
    "DROP TRIGGER IF EXISTS events_no_change ON events",
    "DROP TRIGGER IF EXISTS events_no_truncate ON events",
    "DROP FUNCTION IF EXISTS ledger_events_immutable()",
)


def trigger_ddl(dialect: str) -> tuple[str, ...]:
    """The statements that make ``events`` immutable on this database."""
    return POSTGRES_TRIGGERS if dialect == "postgresql" else SQLITE_TRIGGERS


def drop_trigger_ddl(dialect: str) -> tuple[str, ...]:
    """The statements that remove the immutability triggers (downgrades and tests only)."""
    return POSTGRES_DROP_TRIGGERS if dialect == "postgresql" else SQLITE_DROP_TRIGGERS
