"""Chain heads kept outside the database, and the proof that history up to them is unchanged.

The hash chain alone shows that no stored row was changed *without recomputing the hashes
after it*. Whoever can drop the triggers can also truncate the log or recompute the whole
chain; only a head (position, hash) written down elsewhere before that catches it. An
anchor is one line, ``ledger-anchor POSITION:HASH@TIME``, that a person can keep in a file,
a mail or a printed report (docs/reliability.md, "Tamper evidence").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ledger.errors import IntegrityFailure, InvalidInput
from ledger.events.store import ChainCheck, Store, StoredEvent
from ledger.i18n import _

PREFIX = "ledger-anchor"
_LINE = re.compile(
    r"^(?:ledger-anchor\s+)?(?P<position>[0-9]{1,15}):(?P<hash>[0-9a-f]{64})"
    r"(?:@(?P<time>\S+))?$"
)


@dataclass(frozen=True, slots=True)
class Anchor:
    """The head of the log at one moment: the last event's position and hash."""

    position: int
    hash: str
    recorded_at: datetime | None = None

    def line(self) -> str:
        """The anchor as one line to keep outside the database."""
        when = "" if self.recorded_at is None else "@" + _utc(self.recorded_at)
        return f"{PREFIX} {self.position}:{self.hash}{when}"


def _utc(moment: datetime) -> str:
    """A naive-UTC moment as ``2026-11-30T02:00:00Z``."""
    return moment.replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def anchor_of(event: StoredEvent) -> Anchor:
    """The anchor naming this event as the head."""
    return Anchor(event.position, event.hash, event.recorded_at)


def head(store: Store, as_of: datetime | None = None) -> Anchor | None:
    """The head of the log now, or as it stood at ``as_of`` (None for an empty log)."""
    if as_of is None:
        last = store.last_position()
        found = list(store.read_all(last - 1)) if last else []
    else:
        found = []
        for found_event in store.read_all(recorded_until=as_of):
            found = [found_event]
    return anchor_of(found[-1]) if found else None


def parse_anchor(text: str, where: str = "--against") -> Anchor:
    """An anchor from ``POSITION:HASH`` or a whole ``ledger-anchor`` line; refuses anything else."""
    match = _LINE.match(text.strip())
    if match is None or int(match["position"]) < 1:
        raise InvalidInput(
            _(
                "{where}: {value!r} is not an anchor; "
                "allowed: POSITION:HASH (64 hex digits) or a 'ledger-anchor' line"
            ).format(where=where, value=text.strip()[:80])
        )
    moment = match["time"]
    when = None
    if moment:
        try:
            when = datetime.fromisoformat(moment.removesuffix("Z"))
        except ValueError:
            refusal = _("{where}: {value!r} is not a time (YYYY-MM-DDTHH:MM:SS)")
            raise InvalidInput(refusal.format(where=where, value=moment)) from None
    return Anchor(int(match["position"]), match["hash"], when)


def read_anchor_file(path: Path) -> list[Anchor]:
    """Every anchor line of a file (blank lines and ``#`` comments skipped)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        refusal = _("--against-file: cannot read {path}: {why}")
        raise InvalidInput(refusal.format(path=path, why=exc.strerror)) from None
    anchors = []
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip() and not line.lstrip().startswith("#"):
            anchors.append(parse_anchor(line, f"--against-file {path}:{number}"))
    return anchors


def append_anchor(path: Path, anchor: Anchor) -> None:
    """Add the anchor's line to a file (created if missing), flushed to disk."""
    import os

    try:
        with path.open("a", encoding="utf-8") as out:
            out.write(anchor.line() + "\n")
            out.flush()
            os.fsync(out.fileno())
    except OSError as exc:
        refusal = _("--anchor-file: cannot write {path}: {why}")
        raise InvalidInput(refusal.format(path=path, why=exc.strerror)) from None


def check_anchors(store: Store, chain: ChainCheck, anchors: Sequence[Anchor]) -> None:
    """Prove each anchor's history unchanged, or IntegrityFailure naming where and how.

    ``chain`` is the walk of the whole log just done. An anchor at or after a break fails
    with that break; one past the end of an intact chain means its tail was cut off; one
    whose event has another hash means the chain before it was recomputed (the first bad
    position lies after the last anchor that still holds).
    """
    good = 0
    # Without the chain key the keyed part is unchecked, but its stored hashes still count.
    end = store.last_position() if chain.unchecked else chain.verified
    for anchor in sorted(anchors, key=lambda a: a.position):
        if chain.broken_at is not None and anchor.position >= chain.broken_at:
            raise IntegrityFailure(
                _(
                    "position {position}: {reason} (anchor {anchor} is after it; "
                    "{verified} events before it verified)"
                ).format(
                    position=chain.broken_at,
                    reason=chain.reason,
                    anchor=anchor.position,
                    verified=chain.verified,
                )
            )
        if anchor.position > end:
            raise IntegrityFailure(
                _(
                    "position {position}: truncated tail: the log ends at {end} but anchor "
                    "{anchor} was recorded"
                ).format(position=end + 1, end=end, anchor=anchor.position)
            )
        stored = _event_at(store, anchor.position)
        if stored.hash != anchor.hash:
            raise IntegrityFailure(
                _(
                    "position {first}: rewritten chain: the event at {anchor} has hash "
                    "{stored}…, the anchor says {expected}…; the history from position {first} "
                    "to {anchor} was recomputed"
                ).format(
                    first=good + 1,
                    anchor=anchor.position,
                    stored=stored.hash[:12],
                    expected=anchor.hash[:12],
                )
            )
        good = anchor.position


def _event_at(store: Store, position: int) -> StoredEvent:
    """The stored event at a position known to exist."""
    return next(iter(store.read_all(position - 1, batch=1)))


def anchors_from(pairs: Iterable[str], files: Iterable[Path]) -> list[Anchor]:
    """The anchors given on the command line and in anchor files."""
    found = [parse_anchor(text) for text in pairs]
    for path in files:
        found.extend(read_anchor_file(path))
    return found
