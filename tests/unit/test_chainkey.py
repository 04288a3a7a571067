"""The keyed chain on the in-process store: where keying starts, and what a walk says
with the key, without it and with another key (the SQL stores: tests/e2e/test_keyed_chain.py)."""

from __future__ import annotations

from datetime import date

import pytest

from ledger.errors import InvalidInput, RuleViolation
from ledger.events import codec
from ledger.events.chainkey import KEYED_STREAM, ChainKey, ChainKeyed, key_from_env
from ledger.events.memory import MemoryStore
from ledger.events.store import ANY, NO_STREAM, NewEvent
from tests.probe_events import Noted

KEY = ChainKey(b"a" * 32)
OTHER = ChainKey(b"b" * 32)
DAY = date(2021, 3, 1)


def _note(store: MemoryStore, text: str) -> None:
    store.append("s", [NewEvent(Noted(text=text), DAY)], expected_version=ANY,
                 actor="clerk", agency="a")  # fmt: skip


def _keyed_store() -> MemoryStore:
    """Two plain events, the marker at 3, one keyed event at 4."""
    store = MemoryStore(chain_key=KEY)
    _note(store, "one")
    _note(store, "two")
    marker = NewEvent(ChainKeyed(fingerprint=KEY.fingerprint), DAY)
    store.append(KEYED_STREAM, [marker], expected_version=NO_STREAM, actor="c", agency="a")
    _note(store, "three")
    return store


def test_hashes_are_plain_before_the_marker_and_keyed_from_it() -> None:
    """The marker and what follows are HMACs under the key; before it, plain SHA-256."""
    store = _keyed_store()
    events = list(store.read_all())
    fields = [{**e._asdict(), "type_name": e.type} for e in events]
    for f in fields:
        for gone in ("type", "hash"):
            f.pop(gone)
    previous = codec.GENESIS
    for event, f, key in zip(events, fields, (None, None, KEY.secret, KEY.secret), strict=True):
        assert codec.chain_hash(previous, **f, key=key) == event.hash
        previous = event.hash
    check = store.verify_chain()
    assert (check.verified, check.broken_at, check.keyed_from, check.unchecked) == (4, None, 3, False)


def test_without_the_key_the_walk_stops_unchecked_and_appends_are_refused() -> None:
    """No key: two verified, the rest unchecked (not broken); a desk cannot append."""
    store = _keyed_store()
    store.chain_key = None
    check = store.verify_chain()
    assert (check.verified, check.broken_at, check.keyed_from, check.unchecked) == (2, None, 3, True)
    with pytest.raises(RuleViolation, match="keyed from position 3"):
        _note(store, "refused")
    assert store.last_position() == 4


def test_another_key_is_named_at_the_marker_and_refused_for_appends() -> None:
    """Another key: the walk breaks at the marker saying so; an append is refused."""
    store = _keyed_store()
    store.chain_key = OTHER
    check = store.verify_chain()
    assert check.broken_at == 3
    assert (check.reason or "").startswith("wrong key:")
    with pytest.raises(RuleViolation, match="not the key"):
        _note(store, "refused")


def test_the_key_comes_from_the_environment_and_must_be_long_enough() -> None:
    """Unset: no key; too short: refused naming the variable; the fingerprint is no key."""
    assert key_from_env({}) is None
    with pytest.raises(InvalidInput, match="LEDGER_CHAIN_KEY: 5 characters"):
        key_from_env({"LEDGER_CHAIN_KEY": "short"})
    key = key_from_env({"LEDGER_CHAIN_KEY": "k" * 40})
    assert key is not None
    assert len(key.fingerprint) == 16
    assert "k" * 16 not in repr(key)
