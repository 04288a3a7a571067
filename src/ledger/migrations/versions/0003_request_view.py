"""The request projection and the projections' checkpoints.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "request_view",
        sa.Column("request_id", sa.String(200), primary_key=True),
        sa.Column("agency", sa.String(200), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("channel", sa.String(50), nullable=False),
        sa.Column("applicant", sa.String(50), nullable=False),
        sa.Column("applicant_ref", sa.String(64)),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("received_on", sa.Date, nullable=False),
        sa.Column("received_year", sa.Integer, nullable=False),
        sa.Column("due_date", sa.Date),
        sa.Column("provisional", sa.Boolean, nullable=False),
        sa.Column("deferred", sa.Boolean, nullable=False),
        sa.Column("regime", sa.String(20), nullable=False),
        sa.Column("days_allowed", sa.Integer, nullable=False),
        sa.Column("extension_days", sa.Integer, nullable=False),
        sa.Column("stopped_with", sa.Integer),
        sa.Column("outcome", sa.String(50)),
        sa.Column("decided_on", sa.Date),
        sa.Column("decided_year", sa.Integer),
        sa.Column("closed", sa.Boolean, nullable=False),
        sa.Column("withdrawn", sa.Boolean, nullable=False),
        sa.Column("recorded_late", sa.Boolean, nullable=False),
    )
    op.create_index("ix_request_view_agency_year", "request_view", ["agency", "received_year"])
    op.create_index("ix_request_view_open_due", "request_view", ["closed", "due_date"])
    op.create_index("ix_request_view_decided_year", "request_view", ["decided_year"])
    op.create_table(
        "projection_checkpoints",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("position", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("projection_checkpoints")
    op.drop_table("request_view")
