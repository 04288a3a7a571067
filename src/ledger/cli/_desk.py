"""Shared by the desk commands: the Desk for this invocation and the options they repeat.

The ``record`` commands take the same ID argument, --date, --agency, --amend, --db and
--actor; declaring each once here keeps their spelling and help the same everywhere
(the way sqlite-utils shares its option decorators).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

import click

from ledger.cli._common import (
    State,
    amend_option,
    app_of,
    backdated_option,
    command_id_option,
    common_options,
)
from ledger.commands._context import Desk
from ledger.commands._once import new_command_id
from ledger.dates import parse_date

F = TypeVar("F", bound=Callable[..., Any])


def _to_date(_ctx: click.Context, param: click.Parameter, value: Any) -> date | None:
    """Parse a YYYY-MM-DD option, refusing in one line that names the option."""
    if value is None or isinstance(value, date):
        return value
    field = param.opts[0] if param.opts else "date"
    return parse_date(str(value), field)


def date_option(*names: str, **kwargs: Any) -> Callable[[F], F]:
    """A click option holding a date (YYYY-MM-DD)."""
    return click.option(*names, metavar="YYYY-MM-DD", callback=_to_date, **kwargs)


def on_option(help: str) -> Callable[[F], F]:
    """The required --date of a step (passed as ``on``): the day it happened."""
    return date_option("--date", "on", required=True, help=help)


def id_argument(name: str = "request_id") -> Callable[[F], F]:
    """The ID argument of a request, case or document."""
    return click.argument(name, metavar="ID")


def agency_option(func: F) -> F:
    """--agency: the agency the step is recorded for (default: the configured one)."""
    return click.option("--agency", help="Agency code (default: from the configuration).")(func)


def step_options(func: F) -> F:
    """--amend, --backdated, --command-id, --db and --actor, which every recorded step takes."""
    return backdated_option(amend_option(command_id_option(common_options(func))))


def desk_of(ctx: click.Context, agency: str | None = None) -> Desk:
    """The desk for this invocation: built (and its agency checked) by the app.

    A command that records carries a command id: the one given with --command-id, else
    a new one, which ``ledger.cli.main`` prints on stderr after the command (or a failed
    database) so that a retry after a lost reply can give it.
    """
    state = ctx.ensure_object(State)
    return app_of(ctx).desk(
        agency, amend=state.amend, backdated=state.backdated, command_id=_command_id(state)
    )


def office_of(ctx: click.Context) -> Desk:
    """The office's desk (agencies, the calendar), carrying this command's id."""
    return app_of(ctx).office(command_id=_command_id(ctx.ensure_object(State)))


def _command_id(state: State) -> str | None:
    """The id of a command that records: the one given, else a new one (printed after)."""
    if state.records and state.command_id is None:
        state.generated_command_id = state.generated_command_id or new_command_id()
    return state.command_id or state.generated_command_id
