"""An agency's name and local labels for people: configured, else recorded, else its code.

The configuration file may override what the log records (``agency.registered``); an
agency known to neither is named by its code. This is the one place that order lives.
"""

from __future__ import annotations

from collections.abc import Mapping

from ledger.commands.agencies import registrations
from ledger.config import AgencySettings
from ledger.events.store import EventStore, StoredEvent

Named = tuple[str, dict[str, str]]
"""An agency's name and its local wording of official labels."""


def registration(event: StoredEvent) -> tuple[str, Named]:
    """The agency code and what an ``agency.registered`` event says about it."""
    data = event.data
    return data["code"], (data["name"], dict(data.get("labels") or {}))


def recorded_agencies(store: EventStore) -> dict[str, Named]:
    """Every agency the log names, the latest registration of each winning."""
    return dict(registration(e) for e in registrations(store))


def agency_named(
    code: str, configured: Mapping[str, AgencySettings], recorded: Mapping[str, Named]
) -> Named:
    """The agency's name and labels: configured, else recorded, else the code and none."""
    if code in configured:
        return configured[code].name, dict(configured[code].labels)
    name, labels = recorded.get(code, (code, {}))
    return name, dict(labels)
