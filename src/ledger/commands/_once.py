"""Exactly once, and bounded retries: how a desk command survives a lost reply or a race.

A desk that retries a command after a lost reply (a dropped connection, a killed terminal)
gives the same command id, and gets the first result back instead of a second step — or a
refusal such as "a closed request takes no further steps" for a decision that did go in.
A command that lost a race with another desk on the same request (the store refused its
stale expected version) is run again on fresh state a bounded number of times; the rules
are checked again each time, so a step that is no longer allowed is refused then. A year
closed by another desk after the command read the closed years is such a race too: its
append expects them unchanged (``Desk.years_expected``); lost every time, it is told as
such (``YearsClosedMeanwhile``), not as a stream's version. A command that read what
depends on every request of an agency (close-year: those open at the year's end) expects
the whole log unchanged (``Desk.log_read_at``; lost every time: ``BooksMoved``).

This is the one place a desk's appends get that precondition, and the closed years are
read nowhere else (``commands.years.closed_years``). A command run inside another on the
same desk (an import's line, whose --amend depends on the closed years, recorded by the
desk command of its event) joins the running attempt: the outer read and append are one,
and a lost race runs the outer command again.
"""

from __future__ import annotations

import functools
import re
import uuid
from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeVar

from ledger.commands._context import Desk, forget_closed_years, read_closed_years
from ledger.errors import (
    BooksMoved,
    ConcurrencyError,
    InvalidInput,
    LedgerError,
    LogMoved,
    RequestOutrun,
    StreamsAdded,
    YearsClosedMeanwhile,
)
from ledger.events.requests import request_of, stream_of
from ledger.events.store import AppendResult
from ledger.events.years import year_prefix
from ledger.i18n import _

P = ParamSpec("P")
R = TypeVar("R")

COMMAND_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:\-]{0,99}$")

RACE_RETRIES = 5
"""Attempts of a command that keeps losing races: each loss means another desk recorded."""


def new_command_id() -> str:
    """A fresh command id for a desk command given none (printed, so a retry can reuse it)."""
    return uuid.uuid4().hex


def check_command_id(value: str) -> None:
    """A command id a person gives: 1–100 letters, digits, '.', '_', ':' or '-'."""
    if not COMMAND_ID.match(value):
        raise InvalidInput(
            _(
                "--command-id: {value!r} is not allowed; use 1–100 letters, digits, '.', '_', ':' "
                "or '-'"
            ).format(value=value)
        )


def exactly_once(
    replay: Callable[[Desk, str], R | None],
) -> Callable[[Callable[Concatenate[Desk, P], R]], Callable[Concatenate[Desk, P], R]]:
    """Run a desk command once per ``desk.command_id``, retrying races on fresh state.

    ``replay(desk, command_id)`` gives the first result when that command id is stored.
    """

    def wrap(handler: Callable[Concatenate[Desk, P], R]) -> Callable[Concatenate[Desk, P], R]:
        @functools.wraps(handler)
        def run(desk: Desk, /, *args: P.args, **kwargs: P.kwargs) -> R:
            if desk.command_id is not None:
                done = replay(desk, desk.command_id)
                if done is not None:
                    return done
            if desk.running():  # inside a command: its attempt reads, expects and retries
                return handler(desk, *args, **kwargs)
            try:
                for attempt in range(1, RACE_RETRIES + 1):
                    desk.closed_years_seen, desk.log_read_at = {}, None  # read afresh
                    try:
                        with desk.store.expecting(desk.expected):
                            return handler(desk, *args, **kwargs)
                    except ConcurrencyError as lost:
                        forget_closed_years(desk.store)  # perhaps one was closed meanwhile
                        if attempt == RACE_RETRIES:
                            raise _told(desk, lost) from None
            finally:
                desk.closed_years_seen = desk.log_read_at = None
            raise AssertionError("unreachable")  # pragma: no cover

        return run

    return wrap


def _told(desk: Desk, lost: ConcurrencyError) -> LedgerError:
    """The last race lost, as a person is told it: years another desk closed meanwhile
    by their agency and number (read now), a request by its id, any other stream as the
    store names it."""
    if isinstance(lost, LogMoved):
        return BooksMoved(RACE_RETRIES)
    if not isinstance(lost, StreamsAdded):
        if lost.stream_id.startswith(stream_of("")):
            return RequestOutrun(request_of(lost.stream_id), RACE_RETRIES)
        return lost
    seen = desk.closed_years_seen or {}
    for agency, years in seen.items():
        if lost.stream_id == year_prefix(agency):
            now = read_closed_years(desk.store, agency)
            added = sorted(now - years) or sorted(now)[-1:]
            return YearsClosedMeanwhile(agency, added, RACE_RETRIES)
    return lost


def stored_result(desk: Desk, command_id: str) -> AppendResult | None:
    """What an append with this command id stored, as the store replays it (None: none)."""
    stored = desk.store.events_of_command(command_id)
    return AppendResult(stored, replayed=True) if stored else None


once_stored = exactly_once(stored_result)
"""Exactly once for a command whose result is what it appended (the annual records)."""
