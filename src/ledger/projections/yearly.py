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

from collections.abc import Collection

from ledger.events.store import Store
from ledger.projections.annual import Facts, TableRead, collect_event
from ledger.projections.requests import collector_paused
from ledger.projections.streams import year_level_events
from ledger.projections.tables import current_table


def year_facts(
    store: Store, first: int, last: int, agencies: Collection[str] | None
) -> Facts | None:
    """The facts of the years ``first``…``last`` for the agencies (None: all), with the
    requests that touch those years counted from the table on each pass (a report
    keeps its counts, not the rows); None when the store keeps no request table."""
    table = current_table(store)
    if table is None:
        return None
    facts = Facts()
    with collector_paused():
        for e in year_level_events(store):
            collect_event(facts, e)
    facts.request_table = TableRead(table, first, last, _scope(agencies))
    facts.request_agencies = set(table.agencies())
    facts.recorded_late = table.late_count(last, agencies)
    return facts


def _scope(agencies: Collection[str] | None) -> frozenset[str] | None:
    return frozenset(agencies) if agencies is not None else None
