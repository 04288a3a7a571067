"""The subjects' keyed signatures in ``request_view`` (``ledger.search``): written with each
row, asked by ``ledger find``, filled in batches for rows that have none.

A row's signature is computed when its subject's text is at hand without opening it: a
text typed in the append that writes the row (the store lends it, ``Store.new_text``), or
a subject recorded in the log itself (before texts were kept apart). Otherwise the row
keeps its own while its subject stays the same, and is NULL when it changed: ``find`` then
opens that subject, and ``fill`` (``ledger init``, ``ledger projections rebuild``)
computes it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, Final

from ledger.db import Database
from ledger.events import codec
from ledger.search import SIGNATURE_COLUMNS, UNKNOWN, SearchKey, Signature, new_search_key
from ledger.texts import SqlTexts, TextFile, opened_texts, ref_of

FILL_BATCH: Final = 2000
"""Rows a filling signs in one transaction (one query opens their subjects)."""
_KEY: Final = "SELECT key FROM search_key WHERE id = 1"


class Signatures:
    """The signatures of one database's ``request_view``, under its search key."""

    def __init__(self, db: Database, new_text: Callable[[str], str | None]) -> None:
        self.db = db
        self.new_text = new_text
        self._sqlite = db.dialect == "sqlite"
        self._handle = "rowid" if self._sqlite else "request_id"
        """How a row is named again cheaply: SQLite's rowid, PostgreSQL's primary key."""
        self._key: SearchKey | None = None

    def key(self) -> SearchKey | None:
        """The books' search key (read once; it never changes), or None if there is none:
        then no row has a signature."""
        if self._key is None:
            found = self.db.scalar(_KEY)
            if found is not None:
                self._key = SearchKey(bytes(found))
        return self._key

    def of(self, subject: str) -> Signature:
        """The signature a row written now keeps: of the text when it is at hand, else
        ``UNKNOWN`` (the row keeps its own if the subject did not change)."""
        ref = ref_of(subject)
        text = subject if ref is None else self.new_text(ref)
        if text is None:
            return UNKNOWN
        key = self.key()
        return UNKNOWN if key is None else key.signature(text)

    def opened(self, subjects: Sequence[str], texts: TextFile) -> list[Signature]:
        """The signatures of rows written together (a rebuild's batch): their marked
        subjects opened in one query, each signed as ``fill`` signs it, so that the rows
        need no filling afterwards."""
        key = self.ensure_key()
        return [key.signature(text) for text in opened_texts(texts, subjects)]

    def candidates(self, wanted: str, batch: int) -> Iterator[list[tuple[str, str]]] | None:
        """The id and subject of each row whose signature holds every bit of ``wanted``'s
        (lowercased) or that has none, a page at a time; None without a search key.

        The database tests every row's signature (on SQLite a scan of the narrow
        ``ix_request_view_signature``), so Python sees the candidates only."""
        key = self.key()
        if key is None:
            return None
        masks = key.masks(wanted)
        held = " AND ".join(
            f"(sig{i} & CAST(? AS BIGINT)) = CAST(? AS BIGINT)" for i, _mask in masks
        )
        query = f"SELECT {self._handle} FROM request_view WHERE sig0 IS NULL OR ({held})"
        found = [r[0] for r in self.db.fetch(query, [v for _i, m in masks for v in (m, m)])]
        return self._pages(found, batch)

    def _pages(self, handles: list[Any], batch: int) -> Iterator[list[tuple[str, str]]]:
        listed = "IN (SELECT value FROM json_each(?))" if self._sqlite else "= ANY(?)"
        query = f"SELECT request_id, subject FROM request_view WHERE {self._handle} {listed}"
        for start in range(0, len(handles), batch):
            chosen = handles[start : start + batch]
            rows = self.db.fetch(query, (codec.dumps(chosen) if self._sqlite else chosen,))
            yield [(str(i), str(s)) for i, s in rows]

    def ensure_key(self) -> SearchKey:
        """The search key, made first if the books have none (migration 0009 makes it)."""
        key = self.key()
        if key is None:
            with self.db.writing(exclusive=False) as conn:
                conn.execute(
                    self.db.sql(
                        "INSERT INTO search_key (id, key) VALUES (1, ?) ON CONFLICT (id) DO NOTHING"
                    ),
                    (new_search_key(),),
                )
            key = self.key()
        if key is None:  # pragma: no cover - the insert above or another's made it
            raise RuntimeError("search_key has no row")
        return key

    def fill(self, texts: TextFile, batch: int = FILL_BATCH) -> int:
        """Sign every row that has no signature, ``batch`` rows a transaction (their
        subjects opened in one query); how many. A row changed meanwhile (another
        subject, an erasure's zeros) is left as the change wrote it."""
        key = self.ensure_key()
        h = self._handle
        page_sql = self.db.sql(
            f"SELECT {h}, subject FROM request_view WHERE sig0 IS NULL AND {h} > ? "
            f"ORDER BY {h} LIMIT {int(batch)}"
        )
        sets = ", ".join(f"{c} = ?" for c in SIGNATURE_COLUMNS)
        update = self.db.sql(
            f"UPDATE request_view SET {sets} WHERE {h} = ? AND sig0 IS NULL AND subject = ?"
        )
        after: Any = 0 if self._sqlite else ""
        done = 0
        while True:
            with self.db.writing(exclusive=False) as conn:
                page = conn.execute(page_sql, (after,)).fetchall()
                subjects = [subject for _handle, subject in page]
                rows = [
                    (*key.signature(text), handle, subject)
                    for (handle, subject), text in zip(page, opened_texts(texts, subjects),
                                                       strict=True)
                ]  # fmt: skip
                if rows:
                    conn.cursor().executemany(update, rows)
            done += len(page)
            if len(page) < batch:
                return done
            after = page[-1][0]


def fill_signatures(db: Database) -> int:
    """Sign the request rows of a database that have none (``ledger init``); how many."""
    return Signatures(db, _no_new_text).fill(SqlTexts(db))


def _no_new_text(ref: str) -> str | None:
    """Outside an append no text is new: each is opened."""
    return None
