"""Write a notice and record that it was issued: the use case behind ``ledger notice``
and the pages' notice buttons.

The letter is built from the request's events, rendered, and a ``request.notice-issued``
event (the hash of the letter's text) is appended to the request's stream at the version
the facts were read at, as a desk command (``commands/_once.exactly_once``):

- a retry with the same command id (a lost reply) records nothing new and gives the
  letter as first recorded, rebuilt from the request as it stood then and checked
  against the recorded hash;
- a step another desk recorded between the read and the append refuses the append; the
  letter is then built and rendered again from the fresh events and recorded at the new
  version — the same notice asked a moment later — so the letter handed out is always
  the one whose hash is recorded, never one describing the request as it no longer is.
  Lost every time, the clerk is told (``NoticeOutrun``) and nothing is recorded.

A closed request still takes notices: its answer letter is written after the decision.
Closed years do not matter (a notice changes no figure of the annual report); the
agency is checked as for every desk (``App.desk``).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from ledger.codes import NOTICE_KINDS
from ledger.commands._context import Desk
from ledger.commands._once import RACE_RETRIES, exactly_once
from ledger.errors import InvalidInput, NoticeOutrun, RequestOutrun, RuleViolation
from ledger.events.notices import NoticeIssued
from ledger.events.requests import request_of, stream_of
from ledger.events.store import NewEvent, StoredEvent
from ledger.i18n import _
from ledger.notices.model import Notice, build_notice
from ledger.notices.render import render_notice, text_hash
from ledger.texts import Resolver, value_of

if TYPE_CHECKING:
    from ledger.bootstrap import App

__all__ = ["IssuedNotice", "NoticeOrder", "issue_notice"]


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
    note: str = ""  # a retried command: it was already recorded


def issue_notice(app: App, order: NoticeOrder, desk: Desk | None = None) -> IssuedNotice:
    """Build, render and (unless a draft) record one notice, once per ``desk.command_id``.

    ``desk``: who records, and the command's id (default: the app's desk for the order's
    agency, with no id).
    """
    desk = desk or app.desk(order.agency)
    if not order.record:
        return _letter(app, desk, order)
    once = exactly_once(functools.partial(_replay, app, order))
    try:
        return once(_record)(desk, app, order)
    except RequestOutrun as lost:
        if lost.request_id != order.request_id:
            raise
        raise NoticeOutrun(NOTICE_KINDS.parse(order.kind), order.request_id, RACE_RETRIES) from None


def _letter(app: App, desk: Desk, order: NoticeOrder, upto: int | None = None) -> IssuedNotice:
    """The letter built from the request's events (up to version ``upto``) and rendered."""
    notice = build_notice(
        app, order.request_id, order.kind, items=order.items, party=order.party, desk=desk,
        upto=upto,
    )  # fmt: skip
    text, content = render_notice(notice, order.fmt, app.config.notices.templates)
    return IssuedNotice(notice, text, content, None)


def _record(desk: Desk, app: App, order: NoticeOrder) -> IssuedNotice:
    """One attempt: the letter from the events read now, appended at their version."""
    issued = _letter(app, desk, order)
    notice = issued.notice
    event = NoticeIssued(
        kind=notice.kind, dated=notice.dated, text_sha256=text_hash(issued.text),
        format=order.fmt, party=notice.party, items=list(notice.items),
    )  # fmt: skip
    result = desk.store.append(
        stream_of(notice.request_id),
        [NewEvent(event, notice.dated)],
        expected_version=notice.version,
        command_id=desk.command_id,
        actor=desk.actor,
        agency=notice.agency,
    )
    if result.replayed:  # the same command id went in meanwhile (a retry racing its first)
        return _as_recorded(app, desk, order, result.events)
    return replace(issued, event=result.events[0])


def _replay(app: App, order: NoticeOrder, desk: Desk, command_id: str) -> IssuedNotice | None:
    """What a notice with this command id recorded, its letter rebuilt (None: not stored)."""
    stored = desk.store.events_of_command(command_id)
    return _as_recorded(app, desk, order, stored) if stored else None


def _as_recorded(
    app: App, desk: Desk, order: NoticeOrder, stored: Sequence[StoredEvent]
) -> IssuedNotice:
    """The letter a stored notice recorded, built from the request as it stood before it
    (its kind, party and items as recorded): word for word the one first handed out, or
    refused if the facts or the templates changed since, as its text's hash shows."""
    first = stored[0]
    command_id = first.command_id or ""
    if first.type != NoticeIssued.type:
        raise InvalidInput(
            _(
                "--command-id: {command_id} was given to another command (#{position}, "
                "{type}); give a new id to issue a notice"
            ).format(command_id=command_id, position=first.position, type=first.type)
        )
    recorded = NoticeIssued.model_validate(first.data)
    party = value_of(first.data, "party")
    again = NoticeOrder(
        request_of(first.stream_id), recorded.kind, order.fmt, recorded.items,
        Resolver(desk.store.texts).fill(party) if party else None, order.agency,
    )  # fmt: skip
    issued = _letter(app, desk, again, upto=first.version - 1)
    if text_hash(issued.text) != recorded.text_sha256:
        raise RuleViolation(
            _(
                "command {command_id} was already recorded (notice {kind} of {request_id}, "
                "#{position}), but its letter cannot be rebuilt word for word: the request's "
                "facts or the templates changed since; nothing was written"
            ).format(
                command_id=command_id,
                kind=recorded.kind,
                request_id=again.request_id,
                position=first.position,
            )
        )
    note = _("command {command_id} was already recorded; nothing new was stored").format(
        command_id=command_id
    )
    return replace(issued, event=first, note=note)
