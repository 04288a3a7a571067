"""Click parameter types that check a typed value by the rules of :mod:`ledger.limits`.

The use cases check the same values again below the CLI (an import, a script); these
types refuse earlier, naming the option as typed, and state the limit in ``--help``.
"""

from __future__ import annotations

from typing import Any

import click

from ledger import limits
from ledger.errors import InvalidInput
from ledger.i18n import _


def _field(param: click.Parameter | None) -> str:
    """The option as the person typed it (``--days``), or the argument's name."""
    if param is None:
        return "value"
    if param.opts and param.opts[0].startswith("-"):
        return param.opts[0]
    return (param.name or "value").upper()


class LimitedText(click.ParamType[str]):
    """One printable line, at most ``limit`` characters (``required``: not empty)."""

    name = "text"

    def __init__(self, limit: int, *, required: bool = False) -> None:
        self.limit = limit
        self.required = required

    def get_metavar(self, param: click.Parameter, ctx: click.Context) -> str:
        return f"TEXT≤{self.limit}"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        if not isinstance(value, str):
            return str(value)
        return limits.clean_text(value, _field(param), self.limit, required=self.required)


class Count(click.ParamType[int]):
    """A whole number in ASCII digits from ``low`` to ``high`` (``int`` takes ``٣``)."""

    name = "count"

    def __init__(self, low: int, high: int) -> None:
        self.low = low
        self.high = high

    def get_metavar(self, param: click.Parameter, ctx: click.Context) -> str:
        return f"{self.low}..{self.high}"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, bool):
            raise InvalidInput(
                _("{field}: {value!r} is not a whole number").format(
                    field=_field(param), value=value
                )
            )
        return limits.parse_count(str(value), _field(param), self.low, self.high)


NAME = LimitedText(limits.NAME_MAX, required=True)
"""A person's or party's name (required, at most NAME_MAX characters)."""

TEXT = LimitedText(limits.TEXT_MAX)
"""Free text: a subject, a title (at most TEXT_MAX characters)."""

REASON = LimitedText(limits.TEXT_MAX, required=True)
"""A reason that must be given (at most TEXT_MAX characters)."""

CODE = LimitedText(limits.CODE_MAX, required=True)
"""A code typed by a person, before the id rule checks its characters."""

YEAR = Count(limits.EARLIEST.year, limits.LATEST_TODAY.year)
"""A year: four ASCII digits from 2008 (the use cases bound it by today)."""

PERSONAL_NAME = LimitedText(limits.NAME_MAX)
"""An applicant's name (personal data, optional)."""

PERSONAL = LimitedText(limits.TEXT_MAX)
"""An applicant's contact detail (personal data, optional)."""
