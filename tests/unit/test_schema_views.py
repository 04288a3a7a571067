"""The runtime store's column lists match the tables SQLModel declares (migrations: integration)."""

from __future__ import annotations

from ledger.applicants import APPLICANT_COLUMNS
from ledger.events.schema import APPLICANTS, EVENTS, TEXTS
from ledger.events.store import COLUMNS
from ledger.texts import TEXT_COLUMNS


def test_events_columns_match_the_declaration() -> None:
    """The store reads and writes the declared columns of events, in order."""
    assert tuple(c.name for c in EVENTS.c) == COLUMNS


def test_applicants_columns_match_the_declaration() -> None:
    """The applicant file reads and writes the declared columns of applicants, in order."""
    assert tuple(c.name for c in APPLICANTS.c) == APPLICANT_COLUMNS


def test_texts_columns_match_the_declaration() -> None:
    """The text file writes the declared columns of texts, in order."""
    assert tuple(c.name for c in TEXTS.c) == TEXT_COLUMNS
