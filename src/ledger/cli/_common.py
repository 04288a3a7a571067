"""What every command shares: the --db and --actor options, and the app they build."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from ledger.bootstrap import App, bootstrap
from ledger.cli._types import NAME, REASON
from ledger.commands._once import check_command_id

F = TypeVar("F", bound=Callable[..., Any])


class State:
    """The root group's options, and the app built from them on first use."""

    def __init__(self, db: str | None = None, config: str | None = None) -> None:
        self.db = db
        self.config = config
        self.actor: str | None = None
        self.amend = False
        self.backdated: str | None = None
        self.records = False  # a command that records: it carries a command id
        self.command_id: str | None = None
        self.generated_command_id: str | None = None  # made here: printed for a retry
        self._app: App | None = None

    def app(self, *, create: bool = False) -> App:
        """The application, built once per process; only ``create`` makes missing books."""
        if self._app is None:
            self._app = bootstrap(self.db, self.config, actor=self.actor, create=create)
        return self._app

    def close(self) -> None:
        if self._app is not None:
            self._app.close()


def _remember(name: str) -> Callable[[click.Context, click.Parameter, Any], Any]:
    """A callback storing a per-command option on the shared state."""

    def callback(ctx: click.Context, _param: click.Parameter, value: Any) -> Any:
        if value is not None and value is not False:
            setattr(ctx.ensure_object(State), name, value)
        return value

    return callback


def common_options(func: F) -> F:
    """Add --db and --actor to a command (they may also be given before the command)."""
    func = click.option(
        "--actor",
        type=NAME,
        expose_value=False,
        callback=_remember("actor"),
        help="Who records this (default: the OS user; 100 characters at most).",
    )(func)
    return click.option(
        "--db",
        expose_value=False,
        callback=_remember("db"),
        help="Database URL or SQLite file (default: $LEDGER_DB, else the user data file).",
    )(func)


def amend_option(func: F) -> F:
    """Add --amend: record a fact dated inside a closed year, with its corrections."""
    return click.option(
        "--amend",
        is_flag=True,
        expose_value=False,
        callback=_remember("amend"),
        help="The date is in a closed year: record it as an amendment (the published "
        "report stays reproducible with --as-of).",
    )(func)


def backdated_option(func: F) -> F:
    """--backdated REASON: why a fact dated well before today is recorded only now."""
    return click.option(
        "--backdated",
        metavar="REASON",
        type=REASON,
        expose_value=False,
        callback=_remember("backdated"),
        help="Record a fact dated more than 30 days (configuration: backdate_days) before "
        "today, saying why it is recorded late; kept in the event (500 characters at most).",
    )(func)


def command_id_option(func: F) -> F:
    """Add --command-id: name this command, so that running it again records nothing new."""

    def callback(ctx: click.Context, _param: click.Parameter, value: Any) -> Any:
        state = ctx.ensure_object(State)
        state.records = True
        if value is not None:
            check_command_id(value)
            state.command_id = value
        return value

    return click.option(
        "--command-id",
        expose_value=False,
        callback=callback,
        metavar="ID",
        help="Name this command (default: a new id, printed on stderr); giving the same id "
        "again after a lost reply records nothing new and prints the first result.",
    )(func)


def app_of(ctx: click.Context, *, create: bool = False) -> App:
    """The application for this invocation (``create``: make the books if there are none)."""
    return ctx.ensure_object(State).app(create=create)
