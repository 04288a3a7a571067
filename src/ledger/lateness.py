"""Was this recorded late? An entry's effective date against the day it was recorded.

The auditor's question: a decision recorded weeks after the day it says it was made
may have been dated back (after an overdue alert, say). ``show``, ``list`` and the
report's processing statistics mark a fact whose effective date is more than
:data:`ledger.limits.BACKDATE_DAYS` days before the Asia/Shanghai day it was recorded.
Entries ledger itself derives or dates (deadlines, year closures) are not facts a
person dated, and are never marked.
"""

from __future__ import annotations

from datetime import date, datetime

from ledger.dates import shanghai_date
from ledger.limits import BACKDATE_DAYS

DERIVED = frozenset(
    {
        "request.deadline-set",
        "request.carried-over",
        "request.carry-over-revoked",
        "request.amendment-recorded",
    }
)
"""Entries ledger dates itself: a late recording of these says nothing about the desk."""


def days_late(
    kind: str, effective: date, recorded_at: datetime, days: int = BACKDATE_DAYS
) -> int | None:
    """How many days after its effective date a fact of type ``kind`` was recorded (naive
    UTC ``recorded_at``), if more than ``days``; None for a timely or derived entry."""
    if kind in DERIVED:
        return None
    gap = (shanghai_date(recorded_at) - effective).days
    return gap if gap > days else None
