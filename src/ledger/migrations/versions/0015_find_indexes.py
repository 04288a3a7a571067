"""``ledger find`` on PostgreSQL answered from indexes (issue 12, bench/README.md "find on
PostgreSQL at 1,000,000 requests").

Two changes, PostgreSQL only (SQLite's find already reads narrow indexes: its primary key
and the signature index, which holds the rowid):

- ``ix_request_view_signature`` includes ``request_id``: the signature test (every row's)
  reads the index alone, not the table, whose kept state makes a row ten times as wide.
- ``ix_request_view_id_grams``: a GIN index of the trigrams of the folded ids
  (``pg_trgm``), so that a part of an id is found by reading the ids holding its trigrams
  instead of every id. The extension is made if it is not there; a server without it, or
  a role that may not make it, keeps the scan (logged; ``ledger init`` says so each time
  it runs): find gives the same answer. Down drops the index and leaves the extension.

Index definitions are spelt out, not taken from the declaration: a revision stays what it
was when later ones change it.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
import structlog
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

SIGNATURE = "ix_request_view_signature"
COLUMNS = [f"sig{i}" for i in range(8)]
GRAMS = "ix_request_view_id_grams"


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    op.drop_index(SIGNATURE, "request_view")
    op.create_index(SIGNATURE, "request_view", COLUMNS, postgresql_include=["request_id"])
    if _trigrams(bind):
        op.execute(
            f"CREATE INDEX {GRAMS} ON request_view "
            'USING gin (lower(request_id COLLATE "C") gin_trgm_ops)'
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"DROP INDEX IF EXISTS {GRAMS}")
    op.drop_index(SIGNATURE, "request_view")
    op.create_index(SIGNATURE, "request_view", COLUMNS)


def _trigrams(bind: sa.Connection) -> bool:
    """Whether ``pg_trgm`` is there or could be made (it is a trusted extension: a role
    that may create in the database may make it). A refusal rolls back to a savepoint,
    so the upgrade goes on without the index."""
    try:
        with bind.begin_nested():
            bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except sa.exc.DBAPIError as exc:
        reason = str(exc.orig).splitlines()[0] if exc.orig is not None else str(exc)
        structlog.get_logger("ledger.migrations").warning(
            "find.trigrams_unavailable", index=GRAMS, reason=reason
        )
        return False
    return True
