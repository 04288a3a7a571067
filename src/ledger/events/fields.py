"""Text fields of event payloads, checked by the rules of :mod:`ledger.limits`.

An event is built from what a desk typed, an import line or a scheduler; checking its
text here, where every payload is validated, gives every door the same limits, and
keeps out of SQLite what PostgreSQL would refuse (a NUL byte) or hold differently.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from pydantic import AfterValidator, ValidationInfo

from ledger import limits


def _checked(limit: int, *, required: bool) -> Callable[[str, ValidationInfo], str]:
    """A validator refusing, in one line naming the field, text :func:`limits.clean_text`
    would not take."""

    def check(value: str, info: ValidationInfo) -> str:
        return limits.clean_text(value, info.field_name or "text", limit, required=required)

    return check


Name = Annotated[str, AfterValidator(_checked(limits.NAME_MAX, required=True))]
"""A person's or party's name: one printable line, not empty, at most NAME_MAX characters."""

Code = Annotated[str, AfterValidator(_checked(limits.CODE_MAX, required=True))]
"""A code or id: one printable line, not empty, at most CODE_MAX characters."""

Text = Annotated[str, AfterValidator(_checked(limits.TEXT_MAX, required=False))]
"""Free text (a subject, a reason): one printable line, at most TEXT_MAX characters."""

Reason = Annotated[str, AfterValidator(_checked(limits.TEXT_MAX, required=True))]
"""A reason that must be given: one printable line, not empty, at most TEXT_MAX characters."""


def empty_list() -> list[Any]:
    """``[]`` as a default factory. Not ``list`` itself: pydantic inspects a factory's
    signature, and a builtin's is parsed by the tokenizer, whose regex costs the first
    model built in a process ~10 ms to compile."""
    return []
