"""Each request row keeps what the annual report counts of its steps, so the report
counts a year from the rows' columns instead of folding every request that had one.

Adds ``paused_days`` (0 by default) and ``step_counts`` (NULL by default) to
``request_view`` (``projections/steps.py``) and sets them on the rows whose kept state
has a clarification, consultation, fee notice or extension (the text
``snapshots.NO_STEPS`` absent), counted with the working calendar the log records, as
the projection writes them: a page at a time, every other row keeping the defaults.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

from __future__ import annotations

from typing import Any

import orjson
import sqlalchemy as sa
from alembic import op

from ledger.calendar import WorkingCalendar, YearSchedule
from ledger.events.calendar import CALENDAR_STREAM
from ledger.projections.calendar import SCHEDULE_RECORDED
from ledger.projections.snapshots import NO_STEPS, restore
from ledger.projections.steps import paused_at_decision, step_text

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

PAGE = 2000


def upgrade() -> None:
    op.add_column(
        "request_view", sa.Column("paused_days", sa.Integer, nullable=False, server_default="0")
    )
    op.add_column("request_view", sa.Column("step_counts", sa.Text))
    bind = op.get_bind()
    cal = _calendar(bind)
    contains = "instr" if bind.dialect.name == "sqlite" else "strpos"
    select = sa.text(
        f"SELECT request_id, state FROM request_view WHERE request_id > :after "
        f"AND {contains}(state, :none) = 0 ORDER BY request_id LIMIT :page"
    )
    update = sa.text(
        "UPDATE request_view SET paused_days = :paused, step_counts = :steps WHERE request_id = :id"
    )
    after = ""
    while rows := bind.execute(select, {"after": after, "none": NO_STEPS, "page": PAGE}).all():
        states = [restore(str(rid), state) for rid, state in rows]
        changed = [
            {"id": s.id, "paused": paused_at_decision(s, cal), "steps": step_text(s, cal)}
            for s in states
        ]
        bind.execute(update, changed)
        after = str(rows[-1][0])


def _calendar(bind: Any) -> WorkingCalendar:
    """The calendar the log records (``projections.calendar.fold_calendar``, read here
    through the migration's connection)."""
    rows = bind.execute(
        sa.text("SELECT type, data FROM events WHERE stream_id = :stream ORDER BY version"),
        {"stream": CALENDAR_STREAM},
    ).all()
    schedules = [d for t, d in rows if t == SCHEDULE_RECORDED]
    return WorkingCalendar(
        [YearSchedule.from_dict(orjson.loads(d) if isinstance(d, str | bytes) else d)
         for d in schedules]
    )  # fmt: skip


def downgrade() -> None:
    with op.batch_alter_table("request_view") as batch:
        batch.drop_column("step_counts")
        batch.drop_column("paused_days")
