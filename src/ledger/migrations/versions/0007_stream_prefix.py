"""Stream ids in code-point order on PostgreSQL, and requests found by applicant.

``Store.stream_ids`` (the closed years a desk command checks, the next request id) asks
for the streams that start with a prefix. Under a database collation other than "C"
(Debian's default C.UTF-8 included) PostgreSQL cannot turn ``LIKE 'prefix%'`` into a
range of the ``(stream_id, version)`` index, and a range query in such a collation is not
even correct for every id (its order is not the code points'). Giving ``stream_id`` the
"C" collation makes that index serve the prefix as a range, exactly, with no second
index; SQLite compares bytes already. The unique index is rebuilt by the change.

``ledger find --personal`` looks up the requests of the applicants it matched by
``request_view.applicant_ref``: an index, instead of reading every row.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

APPLICANT_INDEX = "ix_request_view_applicant_ref"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column(
            "events",
            "stream_id",
            type_=sa.String(200, collation="C"),
            existing_type=sa.String(200),
            existing_nullable=False,
        )
    op.create_index(APPLICANT_INDEX, "request_view", ["applicant_ref"])


def downgrade() -> None:
    op.drop_index(APPLICANT_INDEX, "request_view")
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column(
            "events",
            "stream_id",
            type_=sa.String(200),
            existing_type=sa.String(200, collation="C"),
            existing_nullable=False,
        )
