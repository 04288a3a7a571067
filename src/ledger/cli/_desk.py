"""Shared by the desk commands: the Desk for this invocation and date options."""

from __future__ import annotations

from datetime import date
from typing import Any

import click

from ledger.cli._common import app_of
from ledger.commands._context import Desk
from ledger.dates import parse_date, today


class DateType(click.ParamType):
    """A YYYY-MM-DD date, refused in one line naming the option."""

    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        field = param.opts[0] if param is not None and param.opts else "date"
        return parse_date(str(value), field)


DATE = DateType()


def desk_of(ctx: click.Context, agency: str | None = None) -> Desk:
    """The desk: store, actor, agency (option, else config) and today in Asia/Shanghai."""
    app = app_of(ctx)
    return Desk(app.store, app.actor, agency or app.config.agency, today())
