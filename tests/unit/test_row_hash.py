"""``codec.row_chain_hash`` (verify's hash of a row as selected) equals ``chain_hash``.

verify hashes SQLite's stored payload text as it is and PostgreSQL's decoded payload; both
must give the hash the append computed from the event, for any payload and any moment,
with and without the chain key. Non-canonical text must not match (verify then judges
the row by ``chain_hash`` itself).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from ledger.events import codec

scalars = st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=12)
scalars |= st.floats(allow_nan=False, allow_infinity=False)
payloads = st.dictionaries(
    st.text(max_size=8),
    st.recursive(scalars, lambda inner: st.lists(inner, max_size=3)
                 | st.dictionaries(st.text(max_size=5), inner, max_size=3), max_leaves=8),
    max_size=6,
)  # fmt: skip
moments = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1))
keys = st.none() | st.binary(min_size=32, max_size=32)


def _hashes(
    data: dict[str, Any], moment: datetime, key: bytes | None, command: str | None
) -> tuple[str, list[Any]]:
    """The append's hash of an event, and its row as SQLite selects it."""
    effective = moment.date()
    fields = (7, "request-R1", 2, "request.received", 1)
    expected = codec.chain_hash(
        "ab" * 32, position=7, stream_id="request-R1", version=2, type_name="request.received",
        schema_version=1, data=data, effective_date=effective, recorded_at=moment,
        actor="desk", agency="a", command_id=command, key=key,
    )  # fmt: skip
    row = [*fields, codec.dumps(data), effective.isoformat(),
           moment.isoformat(" ", "microseconds"), "desk", "a", command, expected]  # fmt: skip
    return expected, row


@given(payloads, moments, keys, st.none() | st.text(max_size=10))
def test_sqlite_text_hashes_as_the_event(
    data: dict[str, Any], moment: datetime, key: bytes | None, command: str | None
) -> None:
    """The stored canonical text, hashed as it is, gives the append's hash."""
    expected, row = _hashes(data, moment, key, command)
    assert codec.row_chain_hash("ab" * 32, row, key=key) == expected


@given(payloads, moments, keys)
def test_postgresql_text_hashes_as_the_event_with_its_payload_decoded(
    data: dict[str, Any], moment: datetime, key: bytes | None
) -> None:
    """jsonb's text (spaced) and a timestamp without trailing zeros, payload decoded."""
    expected, row = _hashes(data, moment, key, "c1")
    row[5] = json.dumps(data, separators=(", ", ": "))
    row[7] = str(moment)  # PostgreSQL-like: no fraction when it is zero
    assert codec.row_chain_hash("ab" * 32, row, codec.loads(row[5]), key) == expected


def test_non_canonical_text_does_not_match() -> None:
    """The same payload spaced as jsonb prints it gives another hash, not a false match."""
    moment = datetime(2021, 5, 6, 10, 0, 0, 120188)
    expected, row = _hashes({"b": 1, "a": [1, 2]}, moment, None, None)
    assert codec.row_chain_hash("ab" * 32, row) == expected
    row[5] = '{"a": [1, 2], "b": 1}'
    assert codec.row_chain_hash("ab" * 32, row) != expected
    assert codec.row_chain_hash("ab" * 32, row, codec.loads(row[5])) == expected
    row[6] = date(2021, 5, 7).isoformat()
    assert codec.row_chain_hash("ab" * 32, row, codec.loads(row[5])) != expected
