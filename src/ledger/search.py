"""Keyed signatures of sealed subjects: how ``ledger find`` skips the subjects that cannot
contain a word without opening them.

A subject is sealed with its request's key (``ledger.texts``) so that erasing the key
makes every copy unreadable; a plain index of its words would keep personal text where
erasure cannot reach. Instead each request's row keeps a *signature*: a 512-bit Bloom
filter of the subject's characters and pairs of adjacent characters (lowercased as
``find`` lowercases), each hashed with a keyed hash (BLAKE2b) under the books' search key
(``search_key``, made by migration 0009), two bits a gram. A text containing a word
contains every gram of the word, so its signature holds every bit of the word's: the
database keeps only the rows whose signature does (``WORDS`` columns, ``sig0``…``sig7``),
and ``find`` opens those alone and checks each as before, dropping the false matches.

What a signature tells: without the key, nothing but a count of bits; with it, whether a
guessed gram may be in the subject (a lossy filter, false matches included), never the
text. Erasure sets it to zeros in the transaction that deletes the text key; NULL means
"not computed" (``find`` then opens the subject).
"""

from __future__ import annotations

import hashlib
import os
import struct
from functools import reduce
from operator import add, or_
from typing import Final

WORDS: Final = 8
"""64-bit words of a signature: the ``sig0``…``sig7`` columns of ``request_view``."""
SIGNATURE_COLUMNS: Final = tuple(f"sig{i}" for i in range(WORDS))
BITS: Final = WORDS * 64
KEY_BYTES: Final = 32
MEMO_LIMIT: Final = 200_000
"""Grams whose bits a key remembers; past it the memory starts again (a filling of the
books' signatures meets the same characters and pairs again and again)."""
_SIGNED: Final = struct.Struct(f"<{WORDS}q")
ERASED: Final = (0,) * WORDS
"""The signature of no text: an erased subject, an empty one. No word matches it."""
UNKNOWN: Final = (None,) * WORDS
"""Not computed: ``find`` opens the subject as it always did."""

ID_FOLDED: Final = 'lower(request_id COLLATE "C")'
"""A request id as PostgreSQL compares it with a part of an id: Latin letters in lower case
(ids are ASCII, ``ID_PATTERN``; the "C" collation lowers those only, at half the cost of
the database's own). The expression ``ix_request_view_id_grams`` indexes
(``ledger.events.schema.ID_GRAMS``): a query spelt otherwise would not read it."""

Signature = tuple[int, ...] | tuple[None, ...]


def new_search_key() -> bytes:
    """A fresh search key (random, 256 bits)."""
    return os.urandom(KEY_BYTES)


def grams(text: str) -> set[str]:
    """Every character and every pair of adjacent characters of ``text`` (as given)."""
    return {*text, *map(add, text, text[1:])}


class SearchKey:
    """The books' search key and the bits of each gram under it (remembered)."""

    def __init__(self, key: bytes) -> None:
        self._hash = hashlib.blake2b(key=key, digest_size=8, person=b"ledger-find")
        self._bits: dict[str, int] = {}

    def bits(self, gram: str) -> int:
        """The two bits of one gram, as a 512-bit number."""
        found = self._bits.get(gram)
        if found is None:
            digest = self._hash.copy()
            digest.update(gram.encode("utf-8", "surrogatepass"))
            n = int.from_bytes(digest.digest(), "little")
            found = (1 << (n % BITS)) | (1 << ((n >> 16) % BITS))
            if len(self._bits) >= MEMO_LIMIT:
                self._bits.clear()
            self._bits[gram] = found
        return found

    def pattern(self, text: str) -> int:
        """The bits of every gram of ``text``, lowercased as ``find`` lowercases (grams met
        before: one C loop over the remembered bits)."""
        found = grams(text.lower())
        try:
            return reduce(or_, map(self._bits.__getitem__, found), 0)
        except KeyError:
            return reduce(or_, map(self.bits, found), 0)

    def signature(self, text: str | None) -> tuple[int, ...]:
        """A subject's signature as the columns keep it (signed 64-bit words)."""
        return ERASED if not text else words(self.pattern(text))

    def masks(self, wanted: str) -> list[tuple[int, int]]:
        """For a word already lowercased: (column number, signed mask) of each word of the
        signature a matching subject must have every bit of (never empty for a word)."""
        value = reduce(or_, map(self.bits, grams(wanted)), 0)
        return [(i, w) for i, w in enumerate(words(value)) if w]


def words(value: int) -> tuple[int, ...]:
    """A 512-bit number as ``WORDS`` signed 64-bit integers (what SQLite and PostgreSQL
    keep in an INTEGER / BIGINT column), lowest first."""
    return _SIGNED.unpack(value.to_bytes(BITS // 8, "little"))
