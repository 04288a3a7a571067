"""The written notices a request's applicant (or a consulted party) was sent.

A notice is recorded on the request's own stream, so the log shows what was told and
when: the kind, the day the letter is dated, a SHA-256 of its text (which letter, word
for word, without keeping a copy of any personal data it held), and the items to correct
of a 补正告知书 (they are the agency's words, and a reissued notice repeats them).
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from pydantic import Field

from ledger.events.fields import empty_list
from ledger.events.types import Event, register


class NoticeIssued(Event):
    """A written notice for one step of the request went out (``ledger notice``)."""

    type = "request.notice-issued"
    kind: str = Field(min_length=1)
    dated: date
    text_sha256: str = Field(min_length=64, max_length=64)
    format: str = "text"
    party: str | None = None
    party_ref: str | None = None
    items: list[str] = Field(default_factory=empty_list)

    free_text: ClassVar[tuple[str, ...]] = ("party",)


register(NoticeIssued)
