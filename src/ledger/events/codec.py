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


def loads(text: str | bytes) -> Any:
    """Decode JSON text."""
    return orjson.loads(text)


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
    if key is None:
        return hashlib.sha256(text).hexdigest()
    return hmac.new(key, text, hashlib.sha256).hexdigest()


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
    if key is None:
        return hashlib.sha256(text).hexdigest()
    return hmac.new(key, text, hashlib.sha256).hexdigest()
