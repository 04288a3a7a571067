"""Free text kept outside the log, sealed with a key of its request's own.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07

Events recorded from now on carry a reference (``subject_ref``, ``reason_ref``, …) to a
row of ``texts``; events recorded before keep their text, since the log is never
rewritten (docs/reliability.md, "Erasure").
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "texts",
        sa.Column("ref", sa.String(64), primary_key=True),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("body", sa.Text),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("erased_at", sa.DateTime),
    )
    op.create_index("ix_texts_owner", "texts", ["owner"])
    op.create_table(
        "text_keys",
        sa.Column("owner", sa.String(200), primary_key=True),
        sa.Column("key", sa.LargeBinary, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("text_keys")
    op.drop_index("ix_texts_owner", table_name="texts")
    op.drop_table("texts")
