"""Fewer B-trees written by every append (issue 12, bench/README.md "Desk commands").

- ``ix_events_recorded_at`` goes: the one read filtering on ``recorded_at`` (``read_all``
  with ``recorded_until``, as-of reports) pages by windows of positions, a range of the
  primary key; no query orders or seeks by ``recorded_at``.
- ``ix_request_view_decided_year`` goes: no query seeks by ``decided_year`` (the annual
  counts read it as a column of the rows a touch-year range finds).
- ``ix_events_type`` becomes ``(type, position)``: ``read_all(types=…)`` pages by windows
  of positions, each a range of the index per type instead of the whole type and a sort;
  the append's look-up of the keyed chain's marker (the first by position) is one probe.
- On SQLite ``events.position`` becomes ``INTEGER PRIMARY KEY``, the rowid: the table is
  stored in position order and the separate key B-tree of a ``BIGINT PRIMARY KEY`` goes.
  SQLite cannot change a primary key in place, so the table is rebuilt: a new table,
  every row copied in position order with its values as stored (the same declared types,
  so the same affinities: positions, hashes, payload texts and dates byte for byte), the
  old table dropped, the new one renamed, its indexes and immutability triggers made
  again. The copy is one ``INSERT … SELECT`` inside the migration's transaction: a failure
  leaves the old table as it was. PostgreSQL keeps ``BIGINT`` (a B-tree key either way).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from ledger.events.schema import drop_trigger_ddl, trigger_ddl

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

COLUMNS = (
    "position", "stream_id", "version", "type", "schema_version", "data",
    "effective_date", "recorded_at", "actor", "agency", "command_id", "hash",
)  # fmt: skip


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_events(sa.Integer(), type_index=("type", "position"))
    else:
        op.drop_index("ix_events_recorded_at", "events")
        op.drop_index("ix_events_type", "events")
        op.create_index("ix_events_type", "events", ["type", "position"])
    op.drop_index("ix_request_view_decided_year", "request_view")


def downgrade() -> None:
    op.create_index("ix_request_view_decided_year", "request_view", ["decided_year"])
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_events(sa.BigInteger(), type_index=("type",), recorded_at=True)
    else:
        op.drop_index("ix_events_type", "events")
        op.create_index("ix_events_type", "events", ["type"])
        op.create_index("ix_events_recorded_at", "events", ["recorded_at"])


def _rebuild_events(
    position: sa.types.TypeEngine[int], *, type_index: tuple[str, ...], recorded_at: bool = False
) -> None:
    """SQLite: ``events`` made again with ``position`` of this type and these indexes,
    every row copied as stored, in position order. The columns are spelt out as 0001
    made them, not taken from ``ledger.events.schema``: a revision stays what it was when
    later ones change the declaration."""
    for statement in drop_trigger_ddl("sqlite"):
        op.execute(statement)
    op.create_table(
        "events_rebuilt",
        sa.Column("position", position, primary_key=True, autoincrement=False),
        sa.Column("stream_id", sa.String(200), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("type", sa.String(100), nullable=False),
        sa.Column("schema_version", sa.Integer, nullable=False),
        sa.Column("data", sa.JSON().with_variant(JSONB(), "postgresql"), nullable=False),
        sa.Column("effective_date", sa.Date, nullable=False),
        sa.Column("recorded_at", sa.DateTime, nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("agency", sa.String(200), nullable=False),
        sa.Column("command_id", sa.String(200)),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.UniqueConstraint("stream_id", "version", name="uq_events_stream_version"),
    )
    columns = ", ".join(COLUMNS)
    op.execute(
        f"INSERT INTO events_rebuilt ({columns}) SELECT {columns} FROM events ORDER BY position"
    )
    op.execute("DROP TABLE events")
    op.execute("ALTER TABLE events_rebuilt RENAME TO events")
    op.create_index("ix_events_command_id", "events", ["command_id"])
    if recorded_at:
        op.create_index("ix_events_recorded_at", "events", ["recorded_at"])
    op.create_index("ix_events_type", "events", list(type_index))
    for statement in trigger_ddl("sqlite"):
        op.execute(statement)
