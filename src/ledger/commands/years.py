"""Closing a year and guarding it afterwards (Art. 49–50; docs/rules.md, "The annual tables").

Closing year Y carries over every request still open at its end. After that, a fact
dated inside Y would silently change a published report, so it is refused unless the
clerk records it as an amendment; the amendment appends the correcting events (a
carry-over revoked, or added) so that the log stays a true history and ``--as-of``
still reproduces what was published.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ledger import limits
from ledger.commands._context import (
    Desk,
    forget_closed_years,
    known_closed_years,
    read_closed_years,
)
from ledger.commands._once import exactly_once
from ledger.errors import RuleViolation
from ledger.events.requests import request_of, stream_of
from ledger.events.store import NO_STREAM, NewEvent, StreamAppend
from ledger.events.types import Event
from ledger.events.years import (
    AmendmentRecorded,
    CarryOverRevoked,
    RequestCarriedOver,
    YearClosed,
    year_stream,
)
from ledger.i18n import _
from ledger.projections.requests import RequestState, footprint, open_at_end
from ledger.projections.yearend import open_at_year_end


@dataclass(frozen=True)
class CloseResult:
    """What closing a year did: nothing when it was already closed."""

    agency: str
    year: int
    carried_over: tuple[str, ...]
    already_closed: bool


def closed_years(desk: Desk, agency: str) -> set[int]:
    """The years this agency has closed (each has its year stream).

    Read once per command (``Desk.closed_years_seen``), however often its rules ask, and
    in a database kept for the process's next commands (``known_closed_years``); the
    command's append then checks, under the store's lock, that no year was closed since
    (``Desk.years_expected``), or the command runs again and reads them afresh. Read only
    by a running command (``exactly_once``): a rule read outside one would be checked by
    no append, so a fact could slip into a year another desk was closing (the one gate).
    """
    seen = desk.closed_years_seen
    if seen is None:
        raise RuntimeError("closed years read outside a desk command (exactly_once)")
    if agency not in seen:
        known = known_closed_years(desk.store)
        # An amendment reads them afresh: its refusals ("--amend … is not closed") rest on a
        # year being open, which no append would check if the kept list missed a new close.
        years = known.get(agency) if known is not None and not desk.amend else None
        if years is None:
            years = frozenset(read_closed_years(desk.store, agency))
            if known is not None:
                known[agency] = years
        seen[agency] = years
    return set(seen[agency])


def _replay_close(desk: Desk, command_id: str) -> CloseResult | None:
    """What a close-year with this command id recorded (a retried command's answer)."""
    stored = desk.store.events_of_command(command_id)
    closed = [e for e in stored if e.type == YearClosed.type]
    if not closed:
        return None
    carried = tuple(request_of(e.stream_id) for e in stored if e.type == RequestCarriedOver.type)
    return CloseResult(closed[0].agency, closed[0].data["year"], carried, already_closed=False)


@exactly_once(_replay_close)
def close_year(desk: Desk, year: int, agency: str) -> CloseResult:
    """Carry over every request open at the end of ``year``; a second run adds nothing."""
    limits.check_year(year, "YEAR", desk.today)
    if year >= desk.today.year:
        raise RuleViolation(
            _(
                "close-year: {year} has not ended (today is {today}); close it on or after "
                "{next_year}-01-01"
            ).format(year=year, today=desk.today, next_year=year + 1)
        )
    if year in closed_years(desk, agency):
        return CloseResult(agency, year, (), already_closed=True)
    end = date(year, 12, 31)
    # A request received (or changed) by another desk after this read would be missed:
    # the append expects the log as it stood when it was read.
    desk.log_read_at = desk.store.last_position()
    open_ones = open_at_year_end(desk.store, year, agency)
    closed = YearClosed(year=year, carried_over=len(open_ones))
    batches = [
        StreamAppend(year_stream(agency, year), [NewEvent(closed, end)], expected_version=NO_STREAM)
    ]
    batches += [
        StreamAppend(
            stream_of(s.id),
            [NewEvent(RequestCarriedOver(year=year), end)],
            expected_version=s.version,
        )
        for s in open_ones
    ]
    desk.store.append_many(batches, desk.command_id, actor=desk.actor, agency=agency)
    forget_closed_years(desk.store)  # one more now: the next command reads them again
    return CloseResult(agency, year, tuple(s.id for s in open_ones), already_closed=False)


def check_year_open(
    desk: Desk, agency: str, on: date, what: str, *, by_effect: bool = False
) -> bool:
    """Refuse a fact dated in a closed year unless it is an amendment; True if it is one.

    ``by_effect``: the caller's commit also checks the change's effect on closed years
    (``closed_years_reached``), so --amend on a date in an open year is left to it.
    """
    if on.year not in closed_years(desk, agency):
        if desk.amend and not by_effect:
            raise RuleViolation(
                _(
                    "{what}: --amend is for facts dated in a closed year, and {year} is not "
                    "closed; record it without --amend"
                ).format(what=what, year=on.year)
            )
        return False
    if not desk.amend:
        raise RuleViolation(
            _(
                "{what}: --date {on} is in {year}, which is closed (its annual report may be "
                "published); if this really happened then, record it again with --amend"
            ).format(what=what, on=on, year=on.year)
        )
    return True


def corrections(desk: Desk, state: RequestState, on: date, reason: str) -> list[Event]:
    """The events that keep closed years true after an amendment dated ``on``.

    A request that is now closed on ``on`` was not open at the end of any closed year
    from ``on.year`` on: those carry-overs are revoked. A request received late into a
    closed year and still open is carried over out of each closed year since. A request
    moved to another agency keeps only the carry-overs of the years that agency closed.
    """
    fixes: list[Event] = [AmendmentRecorded(year=on.year, reason=reason)]
    closed = set(closed_years(desk, state.agency))
    carried = set(state.carried_out_of)
    for year in sorted(y for y in closed | carried if y >= on.year):
        # A carry-over out of a year its agency has not closed: the request moved to
        # another agency (a corrected --agency); the old agency's books no longer hold it.
        is_open = year in closed and open_at_end(state, year)
        if year in carried and not is_open:
            fixes.append(CarryOverRevoked(year=year, reason=reason))
        elif year not in carried and is_open:
            fixes.append(RequestCarriedOver(year=year))
    return fixes


FOOTPRINT_PARTS = ("new", "carried in", "decided", "carried out")
"""The parts of ``footprint``, named for the guard's message."""


@dataclass(frozen=True)
class Reached:
    """A closed year whose table 3 a change would alter, and how."""

    agency: str
    year: int
    part: str
    before: str
    after: str


def closed_years_reached(desk: Desk, before: RequestState, after: RequestState) -> list[Reached]:
    """The closed years (of the agency before and after) whose table 3 the change alters."""
    reached: list[Reached] = []
    for agency in sorted({before.agency, after.agency}):
        for year in sorted(closed_years(desk, agency)):
            old = footprint(before, year) if before.agency == agency else (None,) * 4
            new = footprint(after, year) if after.agency == agency else (None,) * 4
            for part, was, now in zip(FOOTPRINT_PARTS, old, new, strict=True):
                if was != now:
                    reached.append(Reached(agency, year, part, _word(was), _word(now)))
    return reached


def _word(value: object) -> str:
    if value is None:
        return "not counted"
    return "/".join(value) if isinstance(value, tuple) else str(value)


def check_effect(desk: Desk, after: RequestState, reached: list[Reached], on: date) -> None:
    """Refuse a change reaching a closed year without --amend, and --amend reaching none.

    The guard is by effect, not by the date typed: a receipt dated years back is still
    open at the end of every closed year since, and so changes their carry-over.
    """
    if reached and not desk.amend:
        r = reached[0]
        raise RuleViolation(
            _(
                "request {id}: {year} is closed for {agency} (its annual report may be published) "
                "and this change alters its table 3 ({part}: {before} → {after}); if this really "
                "is so, record it again with --amend"
            ).format(
                id=after.id,
                year=r.year,
                agency=r.agency,
                part=r.part,
                before=r.before,
                after=r.after,
            )
        )
    if desk.amend and not reached and on.year not in closed_years(desk, after.agency):
        raise RuleViolation(
            _(
                "request {id}: --amend is for facts dated in a closed year or changes reaching "
                "one; this one reaches none, and {year} is not closed; record it without --amend"
            ).format(id=after.id, year=on.year)
        )
