"""The hot-path table views match the tables SQLModel declares (migrations: integration)."""

from __future__ import annotations

import sqlalchemy as sa

from ledger.applicants import APPLICANTS as APPLICANTS_VIEW
from ledger.events.schema import APPLICANTS, EVENTS
from ledger.events.store import EVENTS as EVENTS_VIEW


def _shape(columns: sa.ColumnCollection[str, sa.ColumnClause[object]]) -> list[tuple[str, type]]:
    return [(c.name, type(c.type)._type_affinity or type(c.type)) for c in columns]  # type: ignore[union-attr]


def test_events_view_matches_the_declaration() -> None:
    """The store's view of events has the declared columns, in order, with the same types."""
    assert _shape(EVENTS_VIEW.c) == _shape(EVENTS.c)


def test_applicants_view_matches_the_declaration() -> None:
    """The applicants view has the declared columns, in order, with the same types."""
    assert _shape(APPLICANTS_VIEW.c) == _shape(APPLICANTS.c)
