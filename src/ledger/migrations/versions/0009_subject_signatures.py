"""Each request row keeps a keyed signature of its subject, so ``ledger find`` opens only
the subjects that may contain the word (``ledger.search``).

Adds ``sig0``…``sig7`` to ``request_view`` (NULL: not computed, which ``find`` opens as
before), their covering index, and ``search_key`` with the books' one random key. The
rows keep NULL here: ``ledger init`` (which runs this) then fills them in batches
(``projections/signatures.py``), and ``ledger projections rebuild`` does too.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from __future__ import annotations

import os

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

COLUMNS = tuple(f"sig{i}" for i in range(8))
INDEX = "ix_request_view_signature"


def upgrade() -> None:
    for column in COLUMNS:
        op.add_column("request_view", sa.Column(column, sa.BigInteger))
    op.create_index(INDEX, "request_view", list(COLUMNS))
    keys = op.create_table(
        "search_key",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("key", sa.LargeBinary, nullable=False),
    )
    op.bulk_insert(keys, [{"id": 1, "key": os.urandom(32)}])


def downgrade() -> None:
    op.drop_table("search_key")
    op.drop_index(INDEX, "request_view")
    with op.batch_alter_table("request_view") as batch:
        for column in reversed(COLUMNS):
            batch.drop_column(column)
