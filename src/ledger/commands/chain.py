"""Starting the keyed hash chain: the one ``log.keyed`` event (docs/reliability.md)."""

from __future__ import annotations

from ledger.bootstrap import App
from ledger.commands.agencies import office_agency
from ledger.errors import InvalidInput
from ledger.events.chainkey import KEY_ENV, KEYED_STREAM, ChainKeyed
from ledger.events.store import NO_STREAM, EventStore, NewEvent, StoredEvent


def start_keyed_chain(app: App) -> StoredEvent:
    """Record ``log.keyed`` with the key's fingerprint: from it on, every hash is keyed.

    The caller has verified the chain so far, since the marker's keyed hash binds it too.
    The stream's ``NO_STREAM`` and the store's marker check make a second start a refusal.
    """
    store: EventStore = app.store
    key = store.chain_key
    if key is None:
        raise InvalidInput(f"--start-keyed-chain: {KEY_ENV} is not set; set it to the key first")
    event = ChainKeyed(fingerprint=key.fingerprint)
    result = store.append(
        KEYED_STREAM,
        [NewEvent(event, app.today())],
        expected_version=NO_STREAM,
        actor=app.actor,
        agency=office_agency(store, app.config.agency),
    )
    return result.events[0]
