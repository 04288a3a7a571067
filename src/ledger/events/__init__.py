"""The immutable log: event types and the store that appends and reads them."""

from ledger.events import agencies, annual, calendar, reminders, requests, years
from ledger.events.store import (
    ANY_VERSION,
    AppendResult,
    EventStore,
    NewEvent,
    StoredEvent,
    StreamAppend,
)
from ledger.events.types import Event, register, register_upcaster

__all__ = [
    "ANY_VERSION",
    "AppendResult",
    "Event",
    "EventStore",
    "NewEvent",
    "StoredEvent",
    "StreamAppend",
    "agencies",
    "annual",
    "calendar",
    "register",
    "register_upcaster",
    "reminders",
    "requests",
    "years",
]
