"""Write a notice and record that it was issued: the use case behind ``ledger notice``.

The letter is built from the request's events, rendered, and a ``request.notice-issued``
event is appended to the request's stream through the desk (at the version read, so a
step recorded meanwhile makes the append fail rather than describe a stale request). A
closed request still takes notices: its answer letter is written after the decision.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ledger.events.notices import NoticeIssued
from ledger.events.requests import stream_of
from ledger.events.store import NewEvent, StoredEvent
from ledger.notices.model import Notice, build_notice
from ledger.notices.render import render_notice, text_hash

if TYPE_CHECKING:
    from ledger.bootstrap import App

__all__ = ["IssuedNotice", "NoticeOrder", "issue_notice", "record_notice"]


@dataclass(frozen=True)
class NoticeOrder:
    """Which letter: the request, the kind (code or Chinese name), and its options."""

    request_id: str
    kind: str
    fmt: str = "docx"
    items: Sequence[str] = ()
    party: str | None = None
    agency: str | None = None
    record: bool = True  # False: a draft, nothing recorded


@dataclass(frozen=True)
class IssuedNotice:
    """The letter as data, its text, the file in the format asked, and the event."""

    notice: Notice
    text: str
    content: bytes
    event: StoredEvent | None


def record_notice(
    app: App, notice: Notice, text: str, fmt: str, agency: str | None = None
) -> StoredEvent:
    """Append ``request.notice-issued`` for a letter already rendered, at the version of
    the request its facts were read from."""
    desk = app.desk(agency)
    stream = stream_of(notice.request_id)
    event = NoticeIssued(
        kind=notice.kind, dated=notice.dated, text_sha256=text_hash(text), format=fmt,
        party=notice.party, items=list(notice.items),
    )  # fmt: skip
    result = desk.store.append(
        stream,
        [NewEvent(event, notice.dated)],
        expected_version=notice.version,
        actor=desk.actor,
        agency=notice.agency,
    )
    return result.events[0]


def issue_notice(app: App, order: NoticeOrder) -> IssuedNotice:
    """Build, render and (unless a draft) record one notice."""
    notice = build_notice(
        app, order.request_id, order.kind, items=order.items, party=order.party,
        agency=order.agency,
    )  # fmt: skip
    text, content = render_notice(notice, order.fmt, app.config.notices.templates)
    event = record_notice(app, notice, text, order.fmt, order.agency) if order.record else None
    return IssuedNotice(notice, text, content, event)
