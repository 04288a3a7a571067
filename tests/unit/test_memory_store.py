"""The store contract on the in-memory store, and what sets it apart from a database."""

from __future__ import annotations

import pytest

from ledger.events.memory import MemoryStore
from ledger.events.store import Store
from tests.store_contract import StoreContract


class TestMemoryStore(StoreContract):
    """The contract on a ``MemoryStore``."""

    @pytest.fixture
    def store(self) -> Store:
        return MemoryStore()

    def tamper(self, store: Store, position: int, data_text: str) -> None:
        assert isinstance(store, MemoryStore)
        store._rows[position - 1]["data_text"] = data_text


def test_memory_store_satisfies_the_protocol() -> None:
    """A MemoryStore is typed and usable wherever a Store is expected, and says it is memory."""
    store: Store = MemoryStore()
    assert store.dialect == "memory"
    assert store.last_position() == 0
