"""The immutable log: event types and the store that appends and reads them."""

from ledger.events import (
    agencies,
    annual,
    calendar,
    exports,
    notices,
    reminders,
    requests,
    years,
)
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
from ledger.events.types import Event, register, register_upcaster

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
    "agencies",
    "annual",
    "calendar",
    "exports",
    "notices",
    "register",
    "register_upcaster",
    "reminders",
    "requests",
    "years",
]
