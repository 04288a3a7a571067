"""The request rows keep their folded state and the years they touch.

The projection then applies an append's events to the row instead of re-reading the
stream, and the alerts and the annual report read the rows they need by index. The rows
are emptied and the checkpoint reset: the next append or read rebuilds them from the log.

Revision ID: 0006
Revises: 0003
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_request_view_touch", ["touch_until", "touch_from"]),
    ("ix_request_view_agency_touch", ["agency", "touch_until", "touch_from"]),
    ("ix_request_view_span", ["touch_span"]),
    ("ix_request_view_late", ["recorded_late", "agency", "received_year"]),
    ("ix_request_view_effective", ["last_effective"]),
)


def upgrade() -> None:
    op.execute("DELETE FROM request_view")
    op.execute("DELETE FROM projection_checkpoints WHERE name = 'requests'")
    op.add_column("request_view", sa.Column("state", sa.Text))
    op.add_column("request_view", sa.Column("first_position", sa.BigInteger))
    op.add_column("request_view", sa.Column("last_effective", sa.Date))
    op.add_column("request_view", sa.Column("touch_from", sa.Integer))
    op.add_column("request_view", sa.Column("touch_until", sa.Integer))
    op.add_column("request_view", sa.Column("touch_span", sa.Integer))
    for name, columns in INDEXES:
        op.create_index(name, "request_view", columns)


def downgrade() -> None:
    for name, _ in INDEXES:
        op.drop_index(name, "request_view")
    with op.batch_alter_table("request_view") as batch:
        for column in (
            "touch_span",
            "touch_until",
            "touch_from",
            "last_effective",
            "first_position",
            "state",
        ):
            batch.drop_column(column)
    op.execute("DELETE FROM projection_checkpoints WHERE name = 'requests'")
