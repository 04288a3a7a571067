"""Event types that exist only for the store's tests."""

from __future__ import annotations

from ledger.events.types import Event, register


class Noted(Event):
    """A note was made: the smallest event with a payload."""

    type = "test.noted"
    text: str
    amount: str = "0"


register(Noted)
