"""The log itself, for auditors: its events in global order, and whether it is intact.

``ledger log`` and ``ledger verify`` print what these return.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any

from ledger.errors import IntegrityFailure
from ledger.events import codec
from ledger.events.chainkey import KEY_ENV
from ledger.events.store import ChainWalk, EventStore, Row, StoredEvent, stored_event
from ledger.i18n import _, ngettext
from ledger.projections.anchors import Anchor, check_anchors
from ledger.projections.audit import DeadlineAudit, DeadlineAuditor
from ledger.projections.requests import collector_paused
from ledger.texts import refs_in


def read_log(store: EventStore, stream: str | None = None, since: int = 0) -> Iterator[StoredEvent]:
    """The events after position ``since``, in global order; only ``stream``'s if given."""
    if stream:
        return (e for e in store.read_stream(stream) if e.position > since)
    return iter(store.read_all(since))


LOG_PAGE = 1_000
"""How many events ``log_records`` opens the texts of at once."""


def log_records(
    store: EventStore, stream: str | None = None, since: int = 0
) -> Iterator[dict[str, Any]]:
    """``ledger log --format json``: each event's record with the texts it names.

    The payload stays as stored (its hash can be checked); ``texts`` beside it gives each
    reference's text (null once erased), so that the line imports into other books, where
    the reference means nothing (``commands/imports.py``). Opened a page at a time.
    """
    events = read_log(store, stream, since)
    while page := list(islice(events, LOG_PAGE)):
        texts = store.texts.open(refs_in(e.data for e in page))
        for e in page:
            named = refs_in([e.data])
            yield event_record(e, {r: texts[r] for r in sorted(named)} if named else None)


def event_record(e: StoredEvent, texts: dict[str, str | None] | None = None) -> dict[str, Any]:
    """Every stored field of an event, as JSON-ready values (``ledger log --format json``),
    and the texts its payload names (``texts``), when it names any."""
    record = {
        "position": e.position,
        "stream_id": e.stream_id,
        "version": e.version,
        "type": e.type,
        "schema_version": e.schema_version,
        "data": e.data,
        "effective_date": e.effective_date.isoformat(),
        "recorded_at": e.recorded_at.isoformat(timespec="microseconds"),
        "actor": e.actor,
        "agency": e.agency,
        "command_id": e.command_id,
        "hash": e.hash,
    }
    if texts:
        record["texts"] = texts
    return record


@dataclass(frozen=True)
class Verification:
    """The intact hash chain's length, and the re-derivation of every recorded deadline."""

    verified: int
    audit: DeadlineAudit
    unchecked_from: int | None = None
    """Where the keyed part begins that could not be checked for want of the key."""

    def deadline_problem(self) -> str | None:
        """Why the recorded deadlines fail the audit (the first five), or None."""
        wrong = self.audit.mismatches
        if not wrong:
            return None
        text = ngettext(
            "{count} recorded deadline disagrees with the log: {first}",
            "{count} recorded deadlines disagree with the log: {first}",
            self.audit.wrong,
        )
        return text.format(count=self.audit.wrong, first="; ".join(wrong[:5]))


def walk_rows(rows: Iterable[Row], chain: ChainWalk, auditor: DeadlineAuditor) -> None:
    """The one pass: each row hashed, and decoded and audited if the audit reads it; it
    stops at the first break. The rows are a store's (``EventStore.read_rows``) or a
    backup's on its way into one (``ledger.backup.restore``).

    The cyclic garbage collector is paused: the pass makes no cycles (what it drops is
    freed at once, as the memory test checks), and the collector's scans of the kept
    requests cost a fifth of the pass."""
    wants, loads = auditor.wants, codec.loads
    with collector_paused():
        for row in rows:
            audited = wants(row[3])
            data = loads(row[5]) if audited or not chain.canonical else None
            if not chain.step_row(row, data):
                break
            if audited and data is not None:
                auditor.feed(stored_event(row, data))


def verify_log(
    store: EventStore, anchors: Sequence[Anchor] = (), *, expect_keyed: bool = True
) -> Verification:
    """Walk the hash chain (IntegrityFailure at the first event that does not match), prove
    each anchor kept outside the database, and re-derive every recorded due date from the
    events before it — in one streaming pass, a page of rows at a time (memory bounded by
    the page and the audit's kept requests, not by the log): each row is hashed from its
    stored text and decoded at most once, only if the audit needs it or the payload text
    is not canonical (``ChainWalk.step_row``). Only a broken chain is walked again, to
    name the kind of change found there.

    Without the chain key, the keyed part is not checked (``unchecked_from``); with it, a
    log that has no keyed part fails unless ``expect_keyed`` is False (before keying
    starts): whoever removed the marker and re-hashed the rest without the key is caught."""
    chain, auditor = ChainWalk(store.chain_key), DeadlineAuditor(store)
    walk_rows(store.read_rows(), chain, auditor)
    check = chain.result()
    if check.broken_at is not None:
        check = store.verify_chain()
    check_anchors(store, check, anchors)
    if check.broken_at is not None:
        raise IntegrityFailure(
            _("position {position}: {reason} ({verified} events before it verified)").format(
                position=check.broken_at, reason=check.reason, verified=check.verified
            )
        )
    if store.chain_key is not None and check.keyed_from is None and expect_keyed:
        raise IntegrityFailure(
            _(
                "{variable} is set but the chain has no keyed part (no log.keyed event): keying "
                "was never started (ledger verify --start-keyed-chain) or the marker was removed"
            ).format(variable=KEY_ENV)
        )
    unchecked = check.keyed_from if check.unchecked else None
    return Verification(check.verified, auditor.result(), unchecked)
