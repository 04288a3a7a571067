"""The event log and the applicants' personal data.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from ledger.events.schema import drop_trigger_ddl, trigger_ddl

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("position", sa.BigInteger, primary_key=True, autoincrement=False),
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
    op.create_index("ix_events_command_id", "events", ["command_id"])
    op.create_index("ix_events_recorded_at", "events", ["recorded_at"])
    op.create_index("ix_events_type", "events", ["type"])
    op.create_table(
        "applicants",
        sa.Column("ref", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200)),
        sa.Column("id_number", sa.String(64)),
        sa.Column("phone", sa.String(64)),
        sa.Column("email", sa.String(200)),
        sa.Column("address", sa.Text),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("erased_at", sa.DateTime),
    )
    op.create_index("ix_applicants_id_number", "applicants", ["id_number"])
    for statement in trigger_ddl(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    for statement in drop_trigger_ddl(op.get_bind().dialect.name):
        op.execute(statement)
    op.drop_table("applicants")
    op.drop_table("events")
