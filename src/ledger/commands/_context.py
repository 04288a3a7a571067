"""What a command handler works with: the store, the calendar, today, who acts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from threading import Lock
from weakref import WeakKeyDictionary

from ledger.calendar import WorkingCalendar
from ledger.events.store import EventStore, HeadAt, Store, StreamCount, numbered
from ledger.events.years import year_prefix
from ledger.projections.calendar import load_calendar


@dataclass
class Desk:
    """One desk's session: commands read and append through it."""

    store: Store
    actor: str
    agency: str
    today: date
    amend: bool = False
    command_id: str | None = None
    """Names this command: a retry with the same id returns the first result (exactly once)."""
    backdated: str | None = None  # why facts dated well before today are recorded now
    # How many days back a fact may be dated without a reason; None: not checked (a
    # replay of history by code). App.desk sets the configured value (default 30).
    backdate_days: int | None = None
    own_steps_only: bool = False
    """Corrections and retractions may touch only the steps this desk's actor recorded
    (a clerk signed in to the pages, ``accounts.User.corrects_only_own``); the CLI's
    owner and a head correct any step."""
    _calendar: WorkingCalendar | None = field(default=None, repr=False)
    closed_years_seen: dict[str, frozenset[int]] | None = field(default=None, repr=False)
    """The closed years read so far by the command running now, per agency (None: no
    command is running, so nothing is kept). Set by ``commands/_once.exactly_once``:
    a command asks twice (the date's year, then the change's effect) and reads once."""

    log_read_at: int | None = field(default=None, repr=False)
    """The log's last position when the running command read what depends on every request
    of an agency (close-year: which were open at the year's end); its append expects the
    log unchanged since (``HeadAt``). None: the command read no such thing."""

    def running(self) -> bool:
        """Whether a command is running on this desk (its attempt reads the closed years
        and its appends expect them unchanged: ``exactly_once``)."""
        return self.closed_years_seen is not None

    def years_expected(self) -> list[StreamCount]:
        """What the running command's append expects: the closed years it read are still
        all there are (``Store.expecting``). A year closed by another desk after they were
        read would otherwise let a fact dated in it in without --amend."""
        seen = self.closed_years_seen or {}
        return [StreamCount(year_prefix(agency), len(years)) for agency, years in seen.items()]

    def expected(self) -> list[StreamCount | HeadAt]:
        """All the running command's append expects: the closed years it read, and the log
        unchanged if it read the whole of it (``log_read_at``)."""
        head = [] if self.log_read_at is None else [HeadAt(self.log_read_at)]
        return [*self.years_expected(), *head]

    @property
    def calendar(self) -> WorkingCalendar:
        """The working calendar as recorded now (loaded once per command)."""
        if self._calendar is None:
            self._calendar = load_calendar(self.store)
        return self._calendar

    def use_calendar(self, calendar: WorkingCalendar) -> None:
        """Work with this calendar from now on (one that includes a new schedule)."""
        self._calendar = calendar


def read_closed_years(store: Store, agency: str) -> set[int]:
    """The years ``agency`` has closed, read now: the year streams named as the store's
    ``StreamCount`` counts them (the prefix, then digits only)."""
    prefix = year_prefix(agency)
    return set(numbered(store.stream_ids(prefix), prefix))


_KNOWN: WeakKeyDictionary[EventStore, dict[str, frozenset[int]]] = WeakKeyDictionary()
_KNOWN_GUARD = Lock()


def known_closed_years(store: Store) -> dict[str, frozenset[int]] | None:
    """The closed years earlier commands of this process read from ``store``, per agency,
    so that a command need not read them again (``commands/years.py: closed_years``).

    Safe to reuse because the command's append still checks, under the store's lock, that
    as many years are closed as it used (``Desk.years_expected``): a year closed since by
    another process refuses the append, and the retry (``exactly_once``) forgets these and
    reads afresh. Years are never unclosed, so a year kept here is closed; a refusal that
    rests on a year being open comes only with --amend, which reads them afresh. None
    (nothing kept) for a store not in a database, and inside an import's batch, whose
    reads see year streams that a failed batch would roll back.
    """
    if not isinstance(store, EventStore) or store.db.in_batch():
        return None
    with _KNOWN_GUARD:
        return _KNOWN.setdefault(store, {})


def forget_closed_years(store: Store) -> None:
    """Read the closed years afresh from now on (a command lost a race, or closed one)."""
    if isinstance(store, EventStore):
        with _KNOWN_GUARD:
            _KNOWN.pop(store, None)
