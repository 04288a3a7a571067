"""Free text typed at a desk (a subject, an approver, a party, a reason), kept outside the
immutable log so that it can be erased.

A request's subject often names people, and so may a reason or a consulted party. An
event names such a text by a random reference (``subject_ref``, ``approver_ref``, …;
which fields: each event class's ``free_text``); the text lives in the ``texts`` table,
sealed (AES-GCM, ``ledger.applicants.seal``) with a key of the request's own in
``text_keys``. Erasing a request's texts deletes that key and nulls them, so any copy the
database keeps elsewhere (PostgreSQL's dead row versions, its write-ahead log) holds only
ciphertext nobody can open.

Why a key per request (per stream), not the applicant's: a request without applicant
data still has a subject; the person a subject names is often not the applicant, and
must be erasable without erasing the applicant; and the texts belong to the request's
history, which ``ledger applicant erase`` reaches by erasing the texts of every request
of that applicant as well.

The store takes the texts out of the events as they are appended (``split_texts``), in
every door (desk, import, scheduler, demonstration), and writes them in the same
transaction. Folds keep a *mark* in place of the text (``mark``: a character no typed
field accepts, then the reference), so that a fold needs no database and two events
naming the same text (a consultation started and ended) still match; readers resolve
marks when they render (``Resolver``), and an erased text reads as ``ERASED``. Events
recorded before texts were kept apart carry their text itself: readers take both forms.
"""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from ledger.applicants import new_key, seal, unseal
from ledger.dates import utc_now
from ledger.i18n import N_, _

if TYPE_CHECKING:
    from ledger.db import Database
    from ledger.events.types import Event

MARK = "\x1f"
"""Starts a reference standing in a folded value; ``limits.clean_text`` refuses it in any
typed text, so no text of a person can be mistaken for a mark."""
MARKED = re.compile(MARK + "([0-9a-f]{32})")
ERASED = N_("[erased]")
"""What a reader shows for a text that was erased."""
BACKDATED = "backdated"
"""The reason for recording a fact late, a free-text field every event may carry."""
TEXT_COLUMNS = ("ref", "owner", "body", "created_at", "erased_at")
"""The columns of ``texts`` as ``ledger.events.schema`` declares them (a test holds them)."""

B = TypeVar("B")


def new_ref() -> str:
    """A fresh reference: random, so it says nothing about the text."""
    return uuid.uuid4().hex


def mark(ref: str) -> str:
    """The value a fold keeps for the text ``ref`` names."""
    return MARK + ref


def ref_of(value: object) -> str | None:
    """The reference a folded value stands for (None: a literal text of an older event)."""
    if isinstance(value, str):
        found = MARKED.fullmatch(value)
        if found:
            return found.group(1)
    return None


def opened_texts(texts: TextFile, values: Sequence[str]) -> list[str | None]:
    """Each folded value's text, the marked ones opened in one batch: a literal text as it
    is, an erased one None (a reader that shows it says ``ERASED``; ``Resolver``)."""
    opened = texts.open(r for v in values if (r := ref_of(v)))
    return [v if (r := ref_of(v)) is None else opened.get(r) for v in values]


def value_of(data: dict[str, Any], name: str) -> Any:
    """A free-text field of a payload as a fold keeps it: a mark, or the text itself
    (an event recorded before texts were kept apart), or None."""
    ref = data.get(f"{name}_ref")
    return mark(str(ref)) if ref else data.get(name)


def owner_of(stream_id: str) -> str:
    """Whose key seals a text: the stream it was recorded in (``request-<ID>``)."""
    return stream_id


@dataclass(frozen=True, slots=True)
class NewText:
    """A text taken out of an event on its way into the log, with the stream it belongs to."""

    ref: str
    owner: str
    body: str


def take_texts(event: Event, owner: str, known: dict[str, str]) -> tuple[Event, list[NewText]]:
    """The event with each free-text field replaced by a reference, and the new texts.

    A field given as a mark (a value a command copied from a fold) becomes the reference
    it stands for; a field given both as text and as a reference (the text a desk typed to
    name an earlier one) keeps the reference; a literal field listed in ``refer_only``
    stays literal: it copies an older event's text that is in the log already. ``known``
    gathers each text taken out and its reference, for ``quote_marks``.
    """
    names = (*type(event).free_text, BACKDATED)
    update: dict[str, Any] = {}
    new: list[NewText] = []
    for name in names:
        value = getattr(event, name)
        if not isinstance(value, str) or not value:
            continue
        ref = ref_of(value) or getattr(event, f"{name}_ref")
        if ref is None:
            if name in type(event).refer_only:
                continue
            ref = new_ref()
            new.append(NewText(ref, owner, value))
        if ref_of(value) is None:
            known[value] = ref
        update[name] = "" if name in type(event).empty_text else None
        update[f"{name}_ref"] = ref
    return (event.model_copy(update=update) if update else event), new


def quote_marks(event: Event, known: dict[str, str]) -> Event:
    """The event with every text of ``known`` quoted in its derived fields (``quoting``:
    a deadline's reason, "consultation with …") replaced by that text's mark."""
    update: dict[str, Any] = {}
    for name in type(event).quoting:
        value = getattr(event, name)
        if not isinstance(value, str):
            continue
        for text in sorted(known, key=len, reverse=True):  # the longest first
            value = value.replace(text, mark(known[text]))
        if value != getattr(event, name):
            update[name] = value
    return event.model_copy(update=update) if update else event


def split_texts(batches: Sequence[B]) -> tuple[list[B], list[NewText]]:
    """Appended batches (``StreamAppend``) with their texts taken out, and the texts.

    A derived field quoting a text typed in the same batch (a deadline's reason) quotes
    its mark instead, so that no typed text stays in the log.
    """
    out: list[B] = []
    texts: list[NewText] = []
    for batch in batches:
        known: dict[str, str] = {}
        events = []
        owner = owner_of(batch.stream_id)  # type: ignore[attr-defined]
        changed = False
        for new in batch.events:  # type: ignore[attr-defined]
            event, taken = take_texts(new.event, owner, known)
            if taken:
                texts += taken
            changed = changed or event is not new.event
            events.append((new, event))
        if not changed and not known:  # no text in this batch: the batch as it came
            out.append(batch)
            continue
        kept = []
        for new, event in events:
            quoted = quote_marks(event, known) if known else event
            kept.append(new if quoted is new.event else replace(new, event=quoted))
        out.append(replace(batch, events=kept))  # type: ignore[type-var]
    return out, texts


# -- where texts are kept ------------------------------------------------------------


class TextFile(Protocol):
    """Where a store keeps free text taken out of its events (new ones come with an append)."""

    def open(self, refs: Iterable[str]) -> dict[str, str | None]:
        """The texts of these references; None for an erased (or unknown) one."""
        ...

    def erase(self, owner: str) -> int:
        """Erase every text of a stream (a request), keeping the references; how many."""
        ...

    def purge(self) -> bool:
        """Remove leftover copies where the store keeps them (SQLite's WAL); see
        ``ApplicantFile.purge``."""
        ...


_UNSIGN = (
    "UPDATE request_view SET sig0 = 0, sig1 = 0, sig2 = 0, sig3 = 0, sig4 = 0, sig5 = 0, "
    "sig6 = 0, sig7 = 0 WHERE request_id = ? AND substr(subject, 1, 1) = ?"
)
"""An erased subject's signature (``ledger.search``); a subject recorded in the log itself
(not a mark) stays readable there, and so keeps its signature."""


class SqlTexts:
    """The ``texts`` table of a database, sealed with the keys in ``text_keys``."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._sqlite = db.dialect == "sqlite"

    def insert(
        self, conn: Any, texts: Sequence[NewText], new_owners: Collection[str] = ()
    ) -> None:
        """Store new texts within the caller's transaction (the append's), making a key
        for each stream that has none yet.

        ``new_owners`` are streams the append found empty under its lock: a key is only
        ever written with a stream's events, so theirs cannot exist and is not looked up
        (on PostgreSQL the look-up would cost the append's pipeline a round trip). Were
        one there after all, its unique key refuses the insert and the append with it."""
        if not texts:
            return
        owners = {t.owner for t in texts}
        looked_up = sorted(owners.difference(new_owners))
        keys = self._keys(conn, looked_up) if looked_up else {}
        now: Any = utc_now()
        if self._sqlite:
            now = now.isoformat(" ", "microseconds")
        add_key = self.db.sql("INSERT INTO text_keys (owner, key) VALUES (?, ?)")
        for owner in sorted({t.owner for t in texts} - keys.keys()):
            keys[owner] = new_key()
            conn.execute(add_key, (owner, keys[owner]))
        rows = [(t.ref, t.owner, seal(keys[t.owner], t.body), now, None) for t in texts]
        marks = ", ".join("?" for _ in TEXT_COLUMNS)
        add = self.db.sql(f"INSERT INTO texts ({', '.join(TEXT_COLUMNS)}) VALUES ({marks})")
        conn.cursor().executemany(add, rows)

    def _keys(self, conn: Any, owners: list[str]) -> dict[str, bytes]:
        """The keys of these streams that exist, read in one statement."""
        query = f"SELECT owner, key FROM text_keys WHERE owner {self._in()}"
        found = conn.execute(self.db.sql(query), (self._list(owners),)).fetchall()
        return {str(owner): bytes(key) for owner, key in found}

    def _in(self) -> str:
        return "IN (SELECT value FROM json_each(?))" if self._sqlite else "= ANY(?)"

    def _list(self, values: list[str]) -> Any:
        from ledger.events import codec

        return codec.dumps(values) if self._sqlite else values

    def open(self, refs: Iterable[str]) -> dict[str, str | None]:
        wanted = sorted(set(refs))
        if not wanted:
            return {}
        rows = self.db.fetch(
            "SELECT t.ref, t.body, k.key FROM texts t LEFT JOIN text_keys k "
            f"ON k.owner = t.owner WHERE t.ref {self._in()}",
            (self._list(wanted),),
        )
        opened: dict[str, str | None] = dict.fromkeys(wanted)
        for ref, body, key in rows:
            opened[str(ref)] = unseal(key, body)
        return opened

    def erase(self, owner: str) -> int:
        """Delete the stream's key and null its texts, keeping the references."""
        from ledger.events.requests import request_of, stream_of

        now: object = utc_now()
        if self._sqlite:
            now = utc_now().isoformat(" ", "microseconds")
        with self.db.writing(exclusive=False) as conn:
            conn.execute(self.db.sql("DELETE FROM text_keys WHERE owner = ?"), (owner,))
            if owner.startswith(stream_of("")):  # a request's: its subject's signature zeroed
                conn.execute(self.db.sql(_UNSIGN), (request_of(owner), MARK))
            result = conn.execute(
                self.db.sql(
                    "UPDATE texts SET body = NULL, erased_at = ? "
                    "WHERE owner = ? AND erased_at IS NULL"
                ),
                (now, owner),
            )
            return int(result.rowcount or 0)

    def purge(self) -> bool:
        """As ``ApplicantFile.purge``: on SQLite a WAL checkpoint (TRUNCATE), so no old page
        stays in ``-wal`` (an old key, an old signature); on PostgreSQL a VACUUM (FULL) of
        ``text_keys``, so an erased key's dead row version leaves the table's files, and a
        plain VACUUM of ``request_view``, which drops the dead versions of the rows whose
        signatures were erased without locking the desks out (False if this role may not
        vacuum them)."""
        if self.db.dialect == "postgresql":
            keys = self.db.vacuum("text_keys")
            return self.db.vacuum("request_view", full=False) and keys
        return self.db.checkpoint()


class MemoryTexts:
    """Texts kept in this process, opened and erased as the table is."""

    def __init__(self) -> None:
        self._rows: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def add(self, texts: Sequence[NewText]) -> None:
        """Keep new texts (the memory store calls this within its append)."""
        with self._lock:
            for t in texts:
                self._rows[t.ref] = {"owner": t.owner, "body": t.body, "erased_at": None}

    def discard(self, texts: Sequence[NewText]) -> None:
        """Take back texts added by an append that then failed."""
        with self._lock:
            for t in texts:
                self._rows.pop(t.ref, None)

    def open(self, refs: Iterable[str]) -> dict[str, str | None]:
        with self._lock:
            return {r: (self._rows[r]["body"] if r in self._rows else None) for r in refs}

    def known(self, refs: Iterable[str]) -> set[str]:
        """Which of these references this file holds (erased or not)."""
        with self._lock:
            return {r for r in refs if r in self._rows}

    def erase(self, owner: str) -> int:
        erased: datetime = utc_now()
        count = 0
        with self._lock:
            for row in self._rows.values():
                if row["owner"] == owner and row["erased_at"] is None:
                    row.update(body=None, erased_at=erased)
                    count += 1
        return count

    def purge(self) -> bool:
        return True  # nothing outlives the process


class NewTexts(Protocol):
    """Where a scratch layer keeps the texts of its appends (``MemoryTexts``, or an
    import's temporary file: ``ledger.events.scratch``)."""

    def add(self, texts: Sequence[NewText]) -> None: ...

    def known(self, refs: Iterable[str]) -> set[str]: ...

    def open(self, refs: Iterable[str]) -> dict[str, str | None]: ...

    def erase(self, owner: str) -> int: ...


class ScratchTexts:
    """New texts in memory (an import's check pass), those already on file in the database."""

    def __init__(self, base: TextFile, new: NewTexts | None = None) -> None:
        self.base = base
        self.new: NewTexts = new if new is not None else MemoryTexts()

    def open(self, refs: Iterable[str]) -> dict[str, str | None]:
        wanted = set(refs)
        mine = self.new.known(wanted)
        return {**self.base.open(wanted - mine), **self.new.open(mine)}

    def erase(self, owner: str) -> int:
        return self.new.erase(owner)

    def purge(self) -> bool:
        return True


# -- reading ---------------------------------------------------------------------------


class Resolver:
    """Marks and references turned back into text for a reader, opened in one batch.

    ``prime`` every value a page will show first (one query), then ``fill`` each; a value
    not primed is opened on its own. An erased text reads as ``ERASED`` (translated).
    """

    def __init__(self, texts: TextFile) -> None:
        self.texts = texts
        self._known: dict[str, str | None] = {}

    def prime(self, values: Iterable[object]) -> Resolver:
        """Open every reference these values (strings, payloads, lists) hold, at once."""
        missing = refs_in(values) - self._known.keys()
        if missing:
            self._known.update(self.texts.open(missing))
            inner: set[str] = set()
            for text in self._known.values():
                _collect(text, inner)  # a derived reason quoting a mark
            if inner - self._known.keys():
                self._known.update(self.texts.open(inner - self._known.keys()))
        return self

    def text(self, ref: str) -> str:
        """The text of one reference, or the erased placeholder."""
        if ref not in self._known:
            self.prime([mark(ref)])
        found = self._known.get(ref)
        return _(ERASED) if found is None else self.fill(found)

    def fill(self, value: str) -> str:
        """A string with each mark in it replaced by its text."""
        if MARK not in value:
            return value
        self.prime([value])
        return MARKED.sub(lambda m: self.text(m.group(1)), value)

    def data(self, payload: dict[str, Any]) -> dict[str, Any]:
        """A payload as a person reads it: each ``X_ref`` shown as ``X`` with its text."""
        self.prime([payload])
        shown: dict[str, Any] = {}
        for key, value in payload.items():
            if key.endswith("_ref") and key != "applicant_ref" and isinstance(value, str):
                shown[key.removesuffix("_ref")] = self.text(value)
            elif isinstance(value, str):
                shown.setdefault(key, self.fill(value))
            else:
                shown.setdefault(key, value)
        return shown


def refs_in(values: Iterable[object]) -> set[str]:
    """Every reference these values (strings, payloads, lists) hold."""
    refs: set[str] = set()
    for value in values:
        _collect(value, refs)
    return refs


def with_texts(data: dict[str, Any], texts: dict[str, Any]) -> dict[str, Any]:
    """A payload with each ``X_ref`` that ``texts`` holds turned back into ``X`` (an erased
    one, null there, into ``ERASED``): a line of ``ledger log --format json`` imported into
    other books, where the reference means nothing."""
    given: dict[str, Any] = {}
    for key, value in data.items():
        name = key.removesuffix("_ref")
        if key not in (name, "applicant_ref") and isinstance(value, str) and value in texts:
            text = texts[value]
            given[name] = _(ERASED) if text is None else str(text)
        elif key not in given:
            given[key] = value
    return given


def _collect(value: object, refs: set[str]) -> None:
    """Every reference a value holds: marks in strings, ``X_ref`` fields of payloads."""
    if isinstance(value, str):
        if MARK in value:
            refs.update(MARKED.findall(value))
    elif isinstance(value, dict):
        for key, item in value.items():
            if key.endswith("_ref") and key != "applicant_ref" and isinstance(item, str):
                refs.add(item)
            else:
                _collect(item, refs)
    elif isinstance(value, list | tuple):
        for item in value:
            _collect(item, refs)
