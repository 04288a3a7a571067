"""The year's annual counts read from one index (issue 12, bench/README.md "The report's
rows from one index").

``ix_request_view_touch (touch_until, touch_from)`` becomes ``ix_request_view_year``:
the same two leading columns, then every column the annual counts read of a request
touching the year (``ledger.events.schema.YEAR_COUNTED``). A report's rows are then read
from the index alone, in its order, instead of one seek into the table per row (a row
holds the request's kept state and is about ten times as wide as its index entry). The
number of B-trees a desk command writes is the same; a step that changes none of the
counted columns leaves the entry alone (``projections.tables.INDEXED``).

The column list is spelt out, not taken from the declaration: a revision stays what it
was when later ones change it.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

COUNTED = [
    "first_position", "received_year", "decided_year", "applicant", "outcome",
    "recorded_late", "channel", "received_on", "decided_on", "due_date", "paused_days",
    "step_counts", "request_id",
]  # fmt: skip


def upgrade() -> None:
    op.drop_index("ix_request_view_touch", "request_view")
    op.create_index("ix_request_view_year", "request_view", ["touch_until", "touch_from", *COUNTED])


def downgrade() -> None:
    op.drop_index("ix_request_view_year", "request_view")
    op.create_index("ix_request_view_touch", "request_view", ["touch_until", "touch_from"])
