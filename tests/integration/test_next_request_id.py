"""The id a receipt without one is given: one past the largest of its agency and year.

Ids of the form AGENCY-YEAR-NNNN have four digits at least and grow wider past 9999,
and a clerk may type ids of other widths or forms: the next number must be the largest
*number* (not the last id in text order: "a-2023-9999" sorts after "a-2023-10000"), and
ids of other forms, other years or other agencies whose code begins the same never
count. One query on each database (``Store.highest_number``); the stores kept in memory
answer the same.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from ledger.bootstrap import bootstrap
from ledger.commands import requests as cmd
from ledger.commands._context import Desk
from ledger.config import Config
from ledger.dates import FixedClock
from ledger.events.memory import MemoryStore
from ledger.events.scratch import ScratchStore
from ledger.events.store import Store

TODAY = date(2024, 6, 3)
TAKEN = (
    "a-2023-0007",
    "a-2023-9999",
    "a-2023-10000",  # wider: the largest number, though not the last id in text order
    "a-2023-00042",
    "a-2023-x-20000",  # another form
    "a-2023-20000x",
    "a-2022-30000",  # another year
    "a-2023.5-40000",  # an agency whose code begins the same
    "a-2023-0000",
)


def receive(store: Store, request_id: str, agency: str = "a") -> None:
    desk = Desk(store, "clerk", agency, TODAY)
    cmd.record_receipt(
        desk, cmd.RecordReceipt(date(2023, 3, 1), "in-person", "natural", request_id)
    )


def next_id(store: Store, agency: str = "a", year: int = 2023) -> str:
    return cmd.next_request_id(Desk(store, "clerk", agency, TODAY), agency, year)


@pytest.fixture
def books(db_url: str) -> Iterator[Store]:
    app = bootstrap(db_url, Config(), clock=FixedClock(TODAY))
    try:
        yield app.store
    finally:
        app.close()


def test_next_id_is_one_past_the_largest_number_of_any_width(books: Store) -> None:
    assert next_id(books) == "a-2023-0001"
    receive(books, "a-2023-0007")
    assert next_id(books) == "a-2023-0008"
    for request_id in TAKEN[1:]:
        receive(books, request_id)
    assert next_id(books) == "a-2023-10001"
    assert next_id(books, year=2022) == "a-2022-30001"
    assert next_id(books, year=2024) == "a-2024-0001"


def test_the_stores_in_memory_answer_the_same() -> None:
    store = MemoryStore()
    for request_id in TAKEN:
        receive(store, request_id)
    assert next_id(store) == "a-2023-10001"
    scratch = ScratchStore(store)
    receive(scratch, "a-2023-123456")
    assert next_id(scratch) == "a-2023-123457"
    assert next_id(store) == "a-2023-10001"
