"""Dates a person can mean, checked for every desk command below the CLI.

A fact (a receipt, a decision, a case filed) happened between 2008-05-01, when the 2007
Regulation took effect, and today; a day set ahead (a reply-by date, an Art. 35
deferral) is at most :data:`ledger.limits.YEARS_AHEAD` years ahead. A fact dated more
than the desk's ``backdate_days`` before today is recorded only with a reason
(``--backdated REASON``), which goes into the event's ``backdated`` field, so the
auditor's question "was this recorded late, and why?" has an answer in the log.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TypeVar

from ledger import limits
from ledger.commands._context import Desk
from ledger.errors import InvalidInput
from ledger.events.types import Event
from ledger.i18n import _

E = TypeVar("E", bound=Event)


def fact_date(desk: Desk, value: date, field: str) -> date:
    """A day something happened: the Regulation's span up to today, and a reason if late."""
    limits.check_fact_date(value, field, desk.today)
    if late(desk, value) and not desk.backdated:
        raise InvalidInput(
            _(
                "{field}: {value} is more than {backdate_days} days before today ({today}); to "
                "record it late, say why with --backdated REASON"
            ).format(field=field, value=value, backdate_days=desk.backdate_days, today=desk.today)
        )
    return value


def late(desk: Desk, value: date) -> bool:
    """Whether a fact dated ``value`` is recorded too long after it to go without a reason."""
    days = desk.backdate_days
    return days is not None and limits.is_backdated(value, desk.today, days)


def fact_dates(desk: Desk, dates: Sequence[tuple[str, date | None]]) -> None:
    """Check each given (field, date) pair with :func:`fact_date`."""
    for field, value in dates:
        if value is not None:
            fact_date(desk, value, field)


def ahead_date(desk: Desk, value: date, field: str) -> date:
    """A day set ahead (reply-by, deferral): not before 2008-05-01, a few years ahead at most."""
    return limits.check_ahead_date(value, field, desk.today)


def stamped(desk: Desk, events: Sequence[E], on: date) -> list[E]:
    """The events, carrying the desk's ``--backdated`` reason when ``on`` is well past."""
    if not desk.backdated or not late(desk, on):
        return list(events)
    return [e.model_validate(e.model_dump() | {"backdated": desk.backdated}) for e in events]
