"""The composition root: the one place that builds ledger from its configuration.

The CLI, the scheduler and the tests all call :func:`bootstrap`, so that they run on the
same store, calendar and notifiers.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, cast

from sqlalchemy.engine import Engine

if TYPE_CHECKING:
    from ledger.notifiers import Notifier

from ledger.config import Config, load_config
from ledger.dates import utc_now
from ledger.db import create_engine, resolve_url
from ledger.events.migrate import ensure_schema
from ledger.events.store import EventStore


@dataclass
class App:
    """Everything a command needs, built once per process."""

    config: Config
    engine: Engine
    store: EventStore
    actor: str
    cache: dict[str, object] = field(default_factory=dict)

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
) -> App:
    """Build the application: configuration, database (schema created on first use), store."""
    cfg = config if isinstance(config, Config) else load_config(config)
    engine = create_engine(resolve_url(db or cfg.db))
    if ensure:
        ensure_schema(engine)
    return App(cfg, engine, EventStore(engine, now=now), actor or default_actor())
