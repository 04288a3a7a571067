"""The immutable log: event types and the store that appends and reads them.

The modules of event types (``agencies``, ``requests`` …) are imported where they are
used, not here: every type is known to the store all the same (``types.known_types``).
"""

from ledger.events.memory import MemoryStore
from ledger.events.store import (
    ANY,
    NO_STREAM,
    AppendResult,
    EventStore,
    NewEvent,
    Store,
    StoredEvent,
    StreamAppend,
)
from ledger.events.types import Event, known_types, register, register_upcaster

__all__ = [
    "ANY",
    "NO_STREAM",
    "AppendResult",
    "Event",
    "EventStore",
    "MemoryStore",
    "NewEvent",
    "Store",
    "StoredEvent",
    "StreamAppend",
    "known_types",
    "register",
    "register_upcaster",
]
