"""The year-level streams read one by one, for reads that must not replay the log.

Cases, documents, figures and narratives, year closes, agency registrations and the
calendar are few beside the requests; the report and the alerts read them stream by
stream (indexed), merged back into global order.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from typing import Final

from ledger.events.agencies import AGENCY_PREFIX
from ledger.events.annual import ANNUAL_PREFIX, CASE_PREFIX, DOCUMENT_PREFIX
from ledger.events.calendar import CALENDAR_STREAM
from ledger.events.store import Store, StoredEvent
from ledger.events.years import YEAR_PREFIX

YEAR_LEVEL: Final = (CASE_PREFIX, DOCUMENT_PREFIX, ANNUAL_PREFIX, YEAR_PREFIX, AGENCY_PREFIX)
"""The streams of the facts the report counts besides the requests."""


def year_level_events(
    store: Store, prefixes: tuple[str, ...] = YEAR_LEVEL, *, calendar: bool = True
) -> Iterator[StoredEvent]:
    """The events of the year-level streams (and the calendar), in global order (as a
    replay meets them: the latest narrative and registration win)."""
    streams = [CALENDAR_STREAM] if calendar else []
    for prefix in prefixes:
        streams += store.stream_ids(prefix)
    ordered = heapq.merge(*(store.read_stream(s) for s in streams), key=lambda e: e.position)
    return (e for e in ordered if not e.type.startswith("request."))
