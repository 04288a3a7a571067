"""What a year close carries over, read from the request table rather than the log.

Apart from ``yearly.py`` (the report's facts), so that a desk command, which may close a
year, loads neither the report nor its events (``tests/e2e/test_desk_imports.py``).
"""

from __future__ import annotations

from ledger.events.store import Store
from ledger.projections.requests import RequestState, collector_paused, open_at_end
from ledger.projections.tables import current_table
from ledger.projections.views import all_requests


def open_at_year_end(store: Store, year: int, agency: str) -> list[RequestState]:
    """The agency's requests open at the end of ``year`` (a year close carries them over),
    in the order they entered the log, as a replay of the whole log finds them.

    Read from the request table: a request open at the end of the year touches it (its
    range runs on past it), so the year's rows hold every one; only the open ones are
    kept as they stream. Without a table the requests are replayed."""
    table = current_table(store)
    if table is None:
        found = (s for s in all_requests(store) if s.agency == agency)
        return [s for s in found if open_at_end(s, year)]
    with collector_paused():
        rows = table.touching(year, year, {agency})
        kept = [s for s in rows if s.channel and open_at_end(s, year)]
    return sorted(kept, key=lambda s: s.first_position)
