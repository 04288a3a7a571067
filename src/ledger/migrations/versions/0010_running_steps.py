"""Each request row says whether a clarification and a consultation run on it, so the
dashboard counts them in the database instead of reading every open request's state.

Adds ``clarifying`` and ``consulting`` to ``request_view`` (false by default) and sets
them on the open rows from their kept states (a closed request has neither running for
the dashboard, which counts open requests only), a page at a time.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ledger.projections.snapshots import running

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

COLUMNS = ("clarifying", "consulting")
PAGE = 2000


def upgrade() -> None:
    for column in COLUMNS:
        op.add_column(
            "request_view",
            sa.Column(column, sa.Boolean, nullable=False, server_default=sa.false()),
        )
    bind = op.get_bind()
    select = sa.text(
        "SELECT request_id, state FROM request_view WHERE closed = :no AND request_id > :after "
        "ORDER BY request_id LIMIT :page"
    )
    update = sa.text(
        "UPDATE request_view SET clarifying = :clarifying, consulting = :consulting "
        "WHERE request_id = :id"
    )
    after = ""
    while rows := bind.execute(select, {"no": False, "after": after, "page": PAGE}).all():
        flags = [(str(rid), running(state)) for rid, state in rows if state is not None]
        changed = [
            {"id": rid, "clarifying": asked, "consulting": consulting}
            for rid, (asked, consulting) in flags
            if asked or consulting
        ]
        if changed:
            bind.execute(update, changed)
        after = str(rows[-1][0])


def downgrade() -> None:
    with op.batch_alter_table("request_view") as batch:
        for column in reversed(COLUMNS):
            batch.drop_column(column)
