"""The annual report's facts read by index: the requests that touch the year, not the log.

``collect`` (``projections/annual.py``) folds the whole log; a report as the books stand
now needs only the requests the year's tables count — received or decided in it, carried
into or out of it, extended or asked for clarification in it — which the request table
finds by the years each row touches (``projections/tables.py``), and the year-level
streams (cases, documents, figures and narratives, year closes, agencies, the calendar),
read stream by stream. The counting is the same code on the same folded states, so the
report equals the replay's (``tests/unit/test_read_properties.py``). ``--as-of`` still
replays: the table holds the books as they stand, not as they stood.
"""

from __future__ import annotations

import heapq
from collections.abc import Collection, Iterator
from typing import Final

from ledger.events.agencies import AGENCY_PREFIX
from ledger.events.annual import ANNUAL_PREFIX, CASE_PREFIX, DOCUMENT_PREFIX
from ledger.events.calendar import CALENDAR_STREAM
from ledger.events.requests import stream_of
from ledger.events.store import Store, StoredEvent
from ledger.events.years import YEAR_PREFIX
from ledger.projections.annual import Facts, collect_event
from ledger.projections.requests import collector_paused
from ledger.projections.tables import current_table

YEAR_LEVEL: Final = (CASE_PREFIX, DOCUMENT_PREFIX, ANNUAL_PREFIX, YEAR_PREFIX, AGENCY_PREFIX)
"""The streams of the facts the report counts besides the requests."""


def year_level_events(store: Store) -> Iterator[StoredEvent]:
    """The events of the year-level streams and the calendar, in global order (as a
    replay meets them: the latest narrative and registration win)."""
    streams = [CALENDAR_STREAM]
    for prefix in YEAR_LEVEL:
        streams += store.stream_ids(prefix)
    ordered = heapq.merge(*(store.read_stream(s) for s in streams), key=lambda e: e.position)
    return (e for e in ordered if not e.type.startswith("request."))


def year_facts(
    store: Store, first: int, last: int, agencies: Collection[str] | None
) -> Facts | None:
    """The facts of the years ``first``…``last`` for the agencies (None: all), with the
    requests that touch those years; None when the store keeps no request table."""
    table = current_table(store)
    if table is None:
        return None
    facts = Facts()
    with collector_paused():
        for e in year_level_events(store):
            collect_event(facts, e)
        rows = sorted(table.touching(first, last, agencies), key=lambda r: r.first_position)
        for row in rows:
            facts.requests[stream_of(row.request_id)] = row.folded()
    facts.request_agencies = set(table.agencies())
    facts.recorded_late = table.late_count(last, agencies)
    return facts
