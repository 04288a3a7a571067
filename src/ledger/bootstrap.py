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

from sqlalchemy.engine import Engine

if TYPE_CHECKING:
    from ledger.notifiers import Notifier

from ledger.commands._context import Desk
from ledger.commands.requests import check_id
from ledger.config import Config, load_config
from ledger.dates import Today, clock_from_env, utc_now
from ledger.db import create_engine, location, resolve_url
from ledger.events.migrate import ensure_schema, upgrade
from ledger.events.store import EventStore


@dataclass
class App:
    """Everything a command needs, built once per process."""

    config: Config
    engine: Engine
    store: EventStore
    actor: str
    clock: Today
    cache: dict[str, object] = field(default_factory=dict)

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
        command_id: str | None = None,
    ) -> Desk:
        """A desk session: who records, for which agency, on which day.

        The agency (given, else the configured one) is checked with the id rule, so a
        code that could not name a stream is refused before anything is read or written.
        ``today`` replays a day in the past (the demonstration, the nightly closures).
        """
        code = agency or self.config.agency
        check_id(code, "--agency" if agency else "agency (configuration)")
        return Desk(self.store, actor or self.actor, code, today or self.today(), amend, command_id)

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
        self.engine.dispose()


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
    cfg = config if isinstance(config, Config) else load_config(config)
    engine = create_engine(resolve_url(db or cfg.db), create=create)
    if ensure:
        try:
            ensure_schema(engine, create=create)
        except BaseException:
            engine.dispose()
            raise
    store = EventStore(engine, now=now)
    return App(cfg, engine, store, actor or default_actor(), clock or clock_from_env())


@dataclass(frozen=True)
class SchemaChange:
    """What ``ledger init`` did: the database, and its revision before and after."""

    database: str
    before: str | None
    after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after


def init_database(db: str | None = None) -> SchemaChange:
    """Create the schema, or upgrade it to this version of ledger (safe to run again)."""
    engine = create_engine(resolve_url(db))
    try:
        before, after = upgrade(engine)
    finally:
        engine.dispose()
    return SchemaChange(location(engine), before, after)
