"""The request projection equals a replay of the log: properties over random histories.

Random desk histories (``test_correction_properties.history``: the real command
handlers, refused steps included) go onto the in-memory store with the request
projection attached; the table must equal the rows of a replay from scratch, also
after a rebuild half-way and after a crash that left events without their projection.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.commands._context import Desk
from ledger.events.memory import MemoryStore
from ledger.events.store import Store
from ledger.projections.calendar import load_calendar
from ledger.projections.tables import RequestProjection, ViewRow, attach, view_row
from ledger.projections.views import all_requests
from tests.unit.test_correction_properties import history
from tests.unit.test_request_fold import TODAY

SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def replayed(store: Store) -> dict[str, ViewRow]:
    """The rows a replay of the whole log gives."""
    cal = load_calendar(store)
    return {s.id: view_row(s, cal) for s in all_requests(store)}


def kept(projection: RequestProjection) -> dict[str, ViewRow]:
    """The rows the projection holds."""
    return {r.request_id: r for r in projection.table.rows()}


def desk_with_projection() -> tuple[Desk, RequestProjection]:
    """A desk on a fresh in-memory store that keeps the request projection."""
    store = MemoryStore()
    return Desk(store, "clerk", "default", TODAY), attach(store)


def requests(data: st.DataObject) -> list[str]:
    """One to three request ids."""
    return [f"R{i}" for i in range(data.draw(st.integers(1, 3), label="requests"))]


@SETTINGS
@given(data=st.data())
def test_the_table_equals_a_replay_after_every_history(data: st.DataObject) -> None:
    """After random histories of several requests, table == replay and checkpoint == head."""
    desk, projection = desk_with_projection()
    for rid in requests(data):
        history(data, desk, rid)
        assert kept(projection) == replayed(desk.store)
    assert projection.table.checkpoint(projection.name) == desk.store.last_position()


@SETTINGS
@given(data=st.data())
def test_a_rebuild_half_way_gives_the_same_table(data: st.DataObject) -> None:
    """Rebuilt from scratch between histories, the table still equals the replay after."""
    desk, projection = desk_with_projection()
    for rid in requests(data):
        history(data, desk, rid)
        before = kept(projection)
        projection.rebuild(desk.store)
        assert kept(projection) == before
    assert kept(projection) == replayed(desk.store)


@SETTINGS
@given(data=st.data())
def test_a_crash_between_batches_is_caught_up_from_the_checkpoint(data: st.DataObject) -> None:
    """Events appended without the projection are applied from the checkpoint on the next
    append (or by ``catch_up``), and the table then equals the replay."""
    desk, projection = desk_with_projection()
    ids = requests(data)
    history(data, desk, ids[0])
    desk.store.projections.clear()  # the crash: the log moves on, the table does not
    for rid in ids[1:]:
        history(data, desk, rid)
    stale = projection.table.checkpoint(projection.name)
    desk.store.projections.append(projection)
    if data.draw(st.booleans(), label="caught up by the next append"):
        history(data, desk, "LATER")
    else:
        assert projection.catch_up(desk.store) == desk.store.last_position()
    assert stale <= projection.table.checkpoint(projection.name) == desk.store.last_position()
    assert kept(projection) == replayed(desk.store)
