"""The scratch layer of an import check answers `stream_ids` as the store would."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.events.memory import MemoryStore
from ledger.events.scratch import ScratchStore
from ledger.events.store import ANY, NewEvent
from tests.probe_events import Noted

NAMES = st.lists(st.text("ab-_%年", min_size=1, max_size=4), max_size=12)


def _add(store: MemoryStore | ScratchStore, name: str) -> None:
    event = NewEvent(Noted(text=name), date(2021, 3, 1))
    store.append(name, [event], expected_version=ANY, actor="x", agency="a")


@settings(max_examples=60, deadline=None)
@given(NAMES, NAMES, st.lists(st.text("ab-_%年", max_size=3), min_size=1, max_size=5))
def test_scratch_stream_ids_equal_the_log_with_the_scratch_events(
    logged: list[str], scratched: list[str], prefixes: list[str]
) -> None:
    """Streams on the log and streams appended in scratch (some the same, some twice):
    every prefix finds exactly those that start with it, sorted, also after ``forget``."""
    base = MemoryStore()
    for name in logged:
        _add(base, name)
    scratch = ScratchStore(base)
    for prefix in prefixes:  # read once before the appends: the log's ids are kept
        scratch.stream_ids(prefix)
    for name in scratched:
        _add(scratch, name)
    for prefix in prefixes:
        expected = sorted({n for n in logged + scratched if n.startswith(prefix)})
        assert scratch.stream_ids(prefix) == expected, prefix
    scratch.forget()
    for prefix in prefixes:
        assert scratch.stream_ids(prefix) == sorted({n for n in logged if n.startswith(prefix)})
