"""Applicants' data sealed with a key of their own, so that erasure deletes the key.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30

The five personal columns become TEXT (ciphertext is longer than the clear value), the
identity-number index gives way to the digest columns ``find_ref`` looks up, and every
applicant not yet erased is sealed with a fresh key in ``applicant_keys``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ledger.applicants import MATCHES, PERSONAL, Applicant, match_digests, new_key, seal, unseal

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

OLD_TYPES = {
    "name": sa.String(200), "id_number": sa.String(64), "phone": sa.String(64),
    "email": sa.String(200),
}  # fmt: skip


def upgrade() -> None:
    op.create_table(
        "applicant_keys",
        sa.Column("ref", sa.String(64), primary_key=True),
        sa.Column("key", sa.LargeBinary, nullable=False),
    )
    with op.batch_alter_table("applicants") as batch:
        batch.drop_index("ix_applicants_id_number")
        for column, old in OLD_TYPES.items():
            batch.alter_column(column, type_=sa.Text, existing_type=old)
        for column in MATCHES:
            batch.add_column(sa.Column(column, sa.String(64)))
            batch.create_index(f"ix_applicants_{column}", [column])
    _seal_existing()


def _seal_existing() -> None:
    """Seal every applicant not yet erased with a fresh key of their own."""
    conn = op.get_bind()
    people = sa.table("applicants", *(sa.column(c) for c in ("ref", *PERSONAL, *MATCHES)))
    keys = sa.table("applicant_keys", sa.column("ref"), sa.column("key"))
    live = sa.select(people).where(sa.column("erased_at").is_(None))
    for row in conn.execute(live).mappings().all():
        key = new_key()
        who = Applicant(**{c: row[c] for c in PERSONAL})
        values = {c: seal(key, row[c]) for c in PERSONAL} | match_digests(who)
        conn.execute(people.update().where(people.c.ref == row["ref"]).values(**values))
        conn.execute(keys.insert().values(ref=row["ref"], key=key))


def downgrade() -> None:
    conn = op.get_bind()
    people = sa.table("applicants", *(sa.column(c) for c in ("ref", *PERSONAL)))
    keys = sa.table("applicant_keys", sa.column("ref"), sa.column("key"))
    joined = sa.select(people, keys.c.key).join(keys, keys.c.ref == people.c.ref)
    for row in conn.execute(joined).mappings().all():
        values = {c: unseal(row["key"], row[c]) for c in PERSONAL}
        conn.execute(people.update().where(people.c.ref == row["ref"]).values(**values))
    with op.batch_alter_table("applicants") as batch:
        for column in MATCHES:
            batch.drop_index(f"ix_applicants_{column}")
            batch.drop_column(column)
        for column, old in OLD_TYPES.items():
            batch.alter_column(column, type_=old, existing_type=sa.Text)
        batch.create_index("ix_applicants_id_number", ["id_number"])
    op.drop_table("applicant_keys")
