"""Serialisation of event data and the hash chain, in one place.

Payloads are JSON with sorted keys (orjson), dates as ISO strings, money as decimal
strings. The hash of an event covers its metadata and its canonical payload and the hash
of the event before it in global order, so any change to a stored row is detectable.
With a key (``ledger.events.chainkey``) the hash is an HMAC-SHA256 of the same body, so
that it cannot be recomputed without the key.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

import orjson

GENESIS = "0" * 64


def dumps(data: Any) -> str:
    """Canonical JSON text: sorted keys, no whitespace, UTF-8."""
    return orjson.dumps(data, option=orjson.OPT_SORT_KEYS).decode()


def dump_bytes(data: Any) -> bytes:
    """Canonical JSON as UTF-8 bytes (``dumps`` without the decoding)."""
    return orjson.dumps(data, option=orjson.OPT_SORT_KEYS)


loads: Callable[[str | bytes], Any] = orjson.loads
"""Decode JSON text (orjson's own function: a pass over the log calls it for every row)."""


def chain_hash(
    previous: str,
    *,
    position: int,
    stream_id: str,
    version: int,
    type_name: str,
    schema_version: int,
    data: Any,
    effective_date: date,
    recorded_at: datetime,
    actor: str,
    agency: str,
    command_id: str | None,
    key: bytes | None = None,
) -> str:
    """The hash of one event, chained to the hash of the event before it; keyed with ``key``."""
    body = [
        previous,
        position,
        stream_id,
        version,
        type_name,
        schema_version,
        data,
        effective_date.isoformat(),
        recorded_at.isoformat(timespec="microseconds"),
        actor,
        agency,
        command_id,
    ]
    text = orjson.dumps(body, option=orjson.OPT_SORT_KEYS)
    return digest(text, key)


def hash_tail(effective_date: date, recorded_at: datetime, actor: str, agency: str,
              command_id: str | None) -> bytes:
    """The end of ``chain_hash``'s body after the payload (shared by the events of one
    append with the same date): what ``chain_hash_dumped`` takes as ``tail``."""
    tail = [
        effective_date.isoformat(),
        recorded_at.isoformat(timespec="microseconds"),
        actor,
        agency,
        command_id,
    ]
    return orjson.dumps(tail)[1:]


def chain_hash_dumped(
    previous: str,
    head: tuple[int, str, int, str, int],
    data: bytes,
    tail: bytes,
    key: bytes | None = None,
) -> str:
    """``chain_hash`` of a payload already dumped (``dump_bytes``), byte for byte the same.

    ``head`` is (position, stream id, version, type name, schema version) and ``tail``
    what ``hash_tail`` gives. The append path dumps each payload once for the row and
    reuses those bytes here, instead of dumping it again inside the hashed list
    (``tests/unit/test_codec_hash.py`` holds the two equal).
    """
    text = b"".join((orjson.dumps([previous, *head])[:-1], b",", data, b",", tail))
    return digest(text, key)


def row_chain_hash(
    previous: str, row: Sequence[Any], data: Any = None, key: bytes | None = None
) -> str:
    """``chain_hash`` of a row as the store selects it (``ledger.events.store.SELECT``:
    payload and dates as text), without building the event first.

    With ``data`` None the payload is hashed as its stored text: the same bytes as
    ``chain_hash`` whenever that text is canonical (``dumps``, as SQLite keeps it), so a
    pass over the log need not decode and re-encode what it only hashes. PostgreSQL keeps
    ``jsonb``, whose text is not canonical: give the decoded payload there. The dates are
    rewritten as ``chain_hash`` writes them (SQLite's ``YYYY-MM-DD HH:MM:SS.ffffff`` needs
    only its ``T``; PostgreSQL drops trailing zeros of the microseconds). A hash that does
    not match is no verdict: the caller judges that row by ``chain_hash`` of the decoded
    event (``ChainWalk``)."""
    position, stream, version, kind, schema, stored, day, moment, actor, agency, command = row[:11]
    if len(day) != 10:
        day = date.fromisoformat(day).isoformat()
    if len(moment) == 26 and moment[10] == " ":
        moment = f"{moment[:10]}T{moment[11:]}"
    else:
        moment = datetime.fromisoformat(moment).isoformat(timespec="microseconds")
    payload = orjson.Fragment(stored) if data is None else data
    body = [previous, position, stream, version, kind, schema, payload, day, moment, actor,
            agency, command]  # fmt: skip
    text = orjson.dumps(body, option=orjson.OPT_SORT_KEYS)
    return digest(text, key)


def digest(text: bytes, key: bytes | None) -> str:
    """The chain's digest of a hashed body: SHA-256, or HMAC-SHA256 under the chain key
    from the ``log.keyed`` marker on (``ledger.events.chainkey``)."""
    if key is None:
        return hashlib.sha256(text).hexdigest()
    return hmac.new(key, text, hashlib.sha256).hexdigest()
