"""The composition root: the one place that builds ledger from its configuration.

The CLI, the scheduler and the tests all call :func:`bootstrap`, so that they run on the
same store, calendar, clock and notifiers; :meth:`App.desk` is the one place a desk
session is built.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from ledger.config import Config
    from ledger.notifiers import Notifier

from ledger.commands._context import Desk
from ledger.commands.agencies import office_agency, resolve_agency
from ledger.commands.requests import check_id
from ledger.configfile import DeskKeys, config_path, read_config_file
from ledger.dates import Today, clock_from_env, utc_now
from ledger.db import Database, location, open_database, resolve_url
from ledger.events.chainkey import key_from_env
from ledger.events.migrate import ensure_schema, upgrade
from ledger.events.store import EventStore
from ledger.limits import NAME_MAX, clean_text
from ledger.projections import tables as projection_tables
from ledger.projections.signatures import fill_signatures


@dataclass
class App:
    """Everything a command needs, built once per process."""

    checked: Config | None
    """The configuration file, checked; None without a file (``config`` builds the defaults)."""
    db: Database
    store: EventStore
    actor: str
    clock: Today
    cache: dict[str, object] = field(default_factory=dict)

    @property
    def config(self) -> Config:
        """The configuration: the file's, else the defaults, built on first use.

        A desk command without a file never builds the model (``keys`` serve it).
        """
        if self.checked is None:
            from ledger.config import Config

            self.checked = Config()
        return self.checked

    @property
    def keys(self) -> DeskKeys:
        """The keys every command reads as it starts, without building the model."""
        return DeskKeys() if self.checked is None else desk_keys(self.checked)

    def today(self) -> date:
        """Today by the app's clock (Asia/Shanghai, or the pinned day)."""
        return self.clock.today()

    def desk(
        self,
        agency: str | None = None,
        *,
        amend: bool = False,
        actor: str | None = None,
        today: date | None = None,
        backdated: str | None = None,
        check_agency: bool = True,
        command_id: str | None = None,
        own_steps_only: bool = False,
    ) -> Desk:
        """A desk session: who records, for which agency, on which day.

        The one place a desk's agency is resolved and checked (``--agency``, else the
        configuration, else ``ledger agency use``, else the only registered agency;
        docs/agencies.md): a code that is not registered is refused before anything is
        read or written. ``check_agency=False`` takes a code the log itself holds (the
        nightly job closing a request of an agency never registered). ``today`` replays
        a day in the past (the demonstration, the nightly closures). ``backdated`` is the
        reason facts dated well before today are recorded now (``--backdated``).
        ``own_steps_only`` holds corrections to the actor's own steps (a clerk's desk).
        """
        if check_agency or agency is None:
            code = resolve_agency(self.store, agency, self.keys.agency)
        else:
            check_id(agency, "--agency")
            code = agency
        return Desk(
            self.store,
            self._actor(actor),
            code,
            today or self.today(),
            amend,
            backdated=clean_text(backdated, "--backdated", required=True) if backdated else None,
            backdate_days=self.keys.backdate_days,
            command_id=command_id,
            own_steps_only=own_steps_only,
        )

    def office(self, *, actor: str | None = None, command_id: str | None = None) -> Desk:
        """A desk for what belongs to no one agency (registering agencies, choosing the
        default, the calendar): it records as the office's agency and never refuses one."""
        code = office_agency(self.store, self.keys.agency)
        return Desk(self.store, self._actor(actor), code, self.today(), command_id=command_id)

    def _actor(self, actor: str | None) -> str:
        """Who records: one printable line naming someone."""
        return clean_text(actor or self.actor, "--actor", NAME_MAX, required=True)

    @property
    def engine(self) -> Engine:
        """A SQLAlchemy engine on the same database: for tools and tests, never the desk.

        Built (and SQLAlchemy imported) only when asked for; the runtime uses ``db``.
        """
        return self.db.engine

    def notifiers(self) -> list[Notifier]:
        """The configured notifiers, the log notifier first, built on first use.

        Lazily: a command that sends nothing never needs the secrets they read from
        the environment, nor fails on a notifier table it does not use.
        """
        from ledger.notifiers import build_notifiers

        built = self.cache.get("notifiers")
        if built is None:
            built = self.cache["notifiers"] = build_notifiers(self.config.notifiers)
        return cast("list[Notifier]", built)

    def close(self) -> None:
        """Release the database connections."""
        self.db.close()


def default_actor() -> str:
    """The OS user, who is responsible for what a desk records."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def bootstrap(
    db: str | None = None,
    config: Config | str | None = None,
    *,
    actor: str | None = None,
    now: Callable[[], datetime] = utc_now,
    ensure: bool = True,
    clock: Today | None = None,
    create: bool = True,
) -> App:
    """Build the application: configuration, database, store.

    ``clock`` gives "today" (default: ``LEDGER_TODAY`` if set, else the wall clock);
    ``now`` gives the recorded time of new events. ``create`` makes the books (file and
    schema) where there are none; the desk commands pass False so that a mistyped
    location is refused instead of opened empty.
    """
    cfg = checked_config(config) if config is None or isinstance(config, str) else config
    keys = DeskKeys() if cfg is None else desk_keys(cfg)
    chain_key = key_from_env()
    database = open_database(
        resolve_url(db or keys.db), create=create, lock_timeout=keys.lock_timeout
    )
    if ensure:
        try:
            ensure_schema(database, create=create)
        except BaseException:
            database.close()
            raise
    store = EventStore(database, now=now, chain_key=chain_key)
    projection_tables.attach(store, database)
    return App(cfg, database, store, actor or default_actor(), clock or clock_from_env())


def checked_config(option: str | None) -> Config | None:
    """The configuration file, checked whole; None when there is no file.

    A file is checked before the command does anything, so a bad key is refused however
    little of the file the command reads; without one, nothing is built.
    """
    path = config_path(option)
    if path is None:
        return None
    from ledger.config import parse_config

    return parse_config(read_config_file(path), f"--config {path}")


def desk_keys(config: Config) -> DeskKeys:
    """The keys every command reads as it starts, from a checked configuration."""
    return DeskKeys(*(getattr(config, name) for name in DeskKeys._fields))


@dataclass(frozen=True)
class SchemaChange:
    """What ``ledger init`` did: the database, and its revision before and after."""

    database: str
    before: str | None
    after: str
    signed: int = 0
    """Request rows whose subject's signature it computed (``ledger.search``)."""
    id_grams: bool | None = None
    """PostgreSQL: whether the ids' trigram index is there (migration 0015; False when
    the ``pg_trgm`` extension could not be made: ``find`` reads every id). None: SQLite."""

    @property
    def changed(self) -> bool:
        return self.before != self.after


def init_database(db: str | None = None) -> SchemaChange:
    """Create the schema, or upgrade it to this version of ledger (safe to run again),
    then sign the subjects of the request rows that have no signature yet (books upgraded
    to revision 0009): ``find`` reads them all again until they are."""
    database = open_database(resolve_url(db))
    try:
        before, after = upgrade(database)
        signed = fill_signatures(database)
        grams = None if database.dialect == "sqlite" else bool(database.scalar(_ID_GRAMS))
    finally:
        database.close()
    return SchemaChange(location(database), before, after, signed, grams)


_ID_GRAMS = (
    "SELECT count(*) FROM pg_catalog.pg_indexes WHERE indexname = 'ix_request_view_id_grams' "
    "AND schemaname = ANY(current_schemas(false))"
)
