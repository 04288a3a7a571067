"""Each request row keeps the years a year close carried it over out of, so the annual
report's check picks the requests it compares by a short column instead of reading the
kept state of every row of the year.

Adds ``carried_years`` (NULL by default: never carried over) to ``request_view`` and
sets it, as the projection writes it (``snapshots.carried_text``), on the rows whose
kept state was carried over (the text ``snapshots.NOT_CARRIED`` absent), a page at a
time; every other row keeps NULL. Then indexes the rows that have it
(``ix_request_view_carried``, partial: a row never carried over has no entry).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

from __future__ import annotations

import orjson
import sqlalchemy as sa
from alembic import op

from ledger.projections.snapshots import NOT_CARRIED, carried_text

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

PAGE = 2000


def upgrade() -> None:
    op.add_column("request_view", sa.Column("carried_years", sa.Text))
    bind = op.get_bind()
    contains = "instr" if bind.dialect.name == "sqlite" else "strpos"
    select = sa.text(
        f"SELECT request_id, state FROM request_view WHERE request_id > :after "
        f"AND {contains}(state, :none) = 0 ORDER BY request_id LIMIT :page"
    )
    update = sa.text("UPDATE request_view SET carried_years = :years WHERE request_id = :id")
    after = ""
    while rows := bind.execute(select, {"after": after, "none": NOT_CARRIED, "page": PAGE}).all():
        changed = [
            {"id": str(rid), "years": carried_text(orjson.loads(state)["carried_out_of"])}
            for rid, state in rows
        ]
        bind.execute(update, changed)
        after = str(rows[-1][0])
    carried = sa.text("carried_years IS NOT NULL")
    op.create_index(
        "ix_request_view_carried",
        "request_view",
        ["carried_years"],
        sqlite_where=carried,
        postgresql_where=carried,
    )


def downgrade() -> None:
    op.drop_index("ix_request_view_carried", table_name="request_view")
    with op.batch_alter_table("request_view") as batch:
        batch.drop_column("carried_years")
