"""Shared by the desk commands: the Desk for this invocation and date options."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

import click

from ledger.cli._common import State, app_of
from ledger.commands._context import Desk
from ledger.dates import parse_date, today

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


def desk_of(ctx: click.Context, agency: str | None = None) -> Desk:
    """The desk: store, actor, agency (option, else config) and today in Asia/Shanghai."""
    app = app_of(ctx)
    amend = ctx.ensure_object(State).amend
    return Desk(app.store, app.actor, agency or app.config.agency, today(), amend)
