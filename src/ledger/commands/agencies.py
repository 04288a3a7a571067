"""Registering an agency: the code used on the command line, the name on its reports.

The code names a stream (``agency-<code>``) and is typed at every desk command, so it
follows the same id rule as request, case and document ids.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import get_args

from ledger.commands._context import Desk
from ledger.commands._once import exactly_once
from ledger.commands.requests import check_id
from ledger.configfile import DEFAULT_AGENCY
from ledger.errors import InvalidInput
from ledger.events.agencies import (
    AGENCY_PREFIX,
    OFFICE_STREAM,
    AgencyLevel,
    AgencyRegistered,
    DefaultAgencySet,
    agency_stream,
)
from ledger.events.store import ANY, NewEvent, Store, StoredEvent
from ledger.i18n import _

LEVELS: tuple[str, ...] = get_args(AgencyLevel)


@dataclass(frozen=True)
class AgencyRecorded:
    """What was recorded: the agency as the log now names it, and the position stored."""

    code: str
    name: str
    labels: dict[str, str]
    level: str
    position: int


def official_labels() -> frozenset[str]:
    """Every label either official format prints (a local wording may replace one)."""
    from ledger.report import editions  # loaded by the commands that register labels only

    return editions.edition("2019").labels() | editions.edition("2021").labels()


def _replay(desk: Desk, command_id: str) -> AgencyRecorded | None:
    """What a registration with this command id recorded (a retried command's answer)."""
    stored = desk.store.events_of_command(command_id)
    if not stored or stored[0].type != AgencyRegistered.type:
        return None
    e = AgencyRegistered.model_validate(stored[0].data)
    return AgencyRecorded(e.code, e.name, dict(e.labels), e.level, stored[0].position)


@exactly_once(_replay)
def register_agency(
    desk: Desk,
    code: str,
    name: str,
    labels: Mapping[str, str] | None = None,
    level: str = "department",
) -> AgencyRecorded:
    """Record (or rename) an agency; a later record replaces the earlier one.

    ``labels`` maps an official label to the agency's local wording of it.
    """
    check_id(code, "CODE")
    if not name.strip():
        raise InvalidInput(_("--name: the agency's name is empty; give its full name"))
    if level not in LEVELS:
        raise InvalidInput(
            _("--level: {level!r} is not allowed; use {listed}").format(
                level=level, listed=" or ".join(LEVELS)
            )
        )
    mapping = dict(labels or {})
    known = official_labels()
    for official in mapping:
        if official not in known:
            raise InvalidInput(
                _(
                    "--label: {official!r} is not an official label; give it exactly as the format "
                    "prints it"
                ).format(official=official)
            )
    event = AgencyRegistered(code=code, name=name.strip(), labels=mapping, level=level)
    new = [NewEvent(event, desk.today)]
    result = desk.store.append(
        agency_stream(code),
        new,
        expected_version=ANY,
        command_id=desk.command_id,
        actor=desk.actor,
        agency=code,
    )
    return AgencyRecorded(code, event.name, mapping, level, result.last_position)


# -- which agency a desk records for ----------------------------------------------------


@dataclass(frozen=True)
class AgencyRow:
    """One registered agency as ``ledger agency list`` shows it."""

    code: str
    name: str
    level: str
    default: bool
    requests: int


def registrations(store: Store) -> Iterator[StoredEvent]:
    """The agencies' registrations in log order (the latest of a code wins), read from
    the agencies' own streams: the cost follows the agencies, not the log (reading the
    type across the log pages through every position of it)."""
    streams = [store.read_stream(s) for s in store.stream_ids(AGENCY_PREFIX)]
    ordered = heapq.merge(*streams, key=lambda e: e.position)
    return (e for e in ordered if e.type == AgencyRegistered.type)


def registered(store: Store) -> dict[str, tuple[str, str]]:
    """Every registered agency's (name, level) by code, the latest registration winning."""
    found: dict[str, tuple[str, str]] = {}
    for e in registrations(store):
        found[e.data["code"]] = (e.data["name"], e.data.get("level", "department"))
    return found


def chosen_default(store: Store) -> str | None:
    """The agency last chosen with ``ledger agency use``, if any."""
    chosen = [e.data["code"] for e in store.read_stream(OFFICE_STREAM)
              if e.type == DefaultAgencySet.type]  # fmt: skip
    return chosen[-1] if chosen else None


def _known(codes: Sequence[str]) -> str:
    return ", ".join(sorted(codes)) if codes else "none"


def check_registered(store: Store, code: str, field: str) -> str:
    """``code`` if it names a registered agency, else a one-line refusal listing them.

    Books with no registered agency work as ledger always did (any code names an
    agency); from the first ``ledger agency add`` on, an unregistered code is refused, so
    a typo never opens a second set of numbers.
    """
    check_id(code, field)
    codes = list(registered(store))
    if code in codes or not codes:
        return code
    raise InvalidInput(
        _(
            "{field}: {code!r} is not a registered agency; known: {known} (`ledger agency add CODE "
            "--name NAME` registers one)"
        ).format(field=field, code=code, known=_known(codes))
    )


def resolve_agency(store: Store, given: str | None, configured: str | None) -> str:
    """The agency a desk records for, checked: see docs/agencies.md for the order.

    ``--agency`` if given; else the configuration file's ``agency``; else the one chosen
    with ``ledger agency use``; else the only registered agency; else, with none
    registered, ``default``.
    """
    if given is not None:
        return check_registered(store, given, "--agency")
    if configured is not None:
        return check_registered(store, configured, "agency (configuration)")
    chosen = chosen_default(store)
    if chosen is not None:
        return chosen
    codes = list(registered(store))
    if not codes:
        return DEFAULT_AGENCY
    if len(codes) == 1:
        return codes[0]
    raise InvalidInput(
        _(
            "--agency: several agencies are registered ({known}); name one with --agency, or "
            "choose the default with `ledger agency use CODE`"
        ).format(known=_known(codes))
    )


def use_agency(desk: Desk, code: str) -> int:
    """Record ``code`` as the default agency (``ledger agency use``); the position stored."""
    check_registered(desk.store, code, "CODE")
    result = desk.store.append(
        OFFICE_STREAM,
        [NewEvent(DefaultAgencySet(code=code), desk.today)],
        expected_version=ANY,
        actor=desk.actor,
        agency=code,
    )
    return result.last_position


def list_agencies(store: Store, default: str | None) -> list[AgencyRow]:
    """The registered agencies, with their requests counted and the default marked."""
    counts: dict[str, int] = {}
    for e in store.read_all(types=["request.received"]):
        counts[e.agency] = counts.get(e.agency, 0) + 1
    return [
        AgencyRow(code, name, level, code == default, counts.get(code, 0))
        for code, (name, level) in sorted(registered(store).items())
    ]


def office_agency(store: Store, configured: str | None) -> str:
    """The agency that speaks for the office: the issuer of a combined report, the
    agency the nightly job records as.

    The configured ``agency``; else the only agency registered at government level
    (人民政府, which collects its departments' figures); else the one chosen with
    ``ledger agency use``; else the only registered one; else ``default``.
    """
    if configured is not None:
        return configured
    agencies = registered(store)
    governments = [c for c, (_name, level) in agencies.items() if level == "government"]
    if len(governments) == 1:
        return governments[0]
    chosen = chosen_default(store)
    if chosen is not None:
        return chosen
    return next(iter(agencies)) if len(agencies) == 1 else DEFAULT_AGENCY
