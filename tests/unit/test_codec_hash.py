"""The append path's hash (payload dumped once, ``chain_hash_dumped``) is byte for byte
``codec.chain_hash``: the hashes of logs already stored must not change."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from ledger.events import codec

texts = st.text(max_size=30)
json_values: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | texts,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4),
    max_leaves=12,
)


@given(
    previous=st.sampled_from([codec.GENESIS, "ab" * 32]),
    position=st.integers(1, 2**40),
    stream_id=texts,
    version=st.integers(1, 10**6),
    type_name=texts,
    schema_version=st.integers(1, 9),
    data=st.dictionaries(texts, json_values, max_size=6),
    effective=st.dates(date(1900, 1, 1), date(2200, 1, 1)),
    recorded=st.datetimes(datetime(1970, 1, 1), datetime(2200, 1, 1), timezones=st.just(UTC)),
    actor=texts,
    agency=texts,
    command_id=st.none() | texts,
    key=st.none() | st.binary(min_size=32, max_size=32),
)
def test_hash_of_a_dumped_payload_is_the_chain_hash(
    previous: str, position: int, stream_id: str, version: int, type_name: str,
    schema_version: int, data: dict[str, Any], effective: date, recorded: datetime,
    actor: str, agency: str, command_id: str | None, key: bytes | None,
) -> None:  # fmt: skip
    expected = codec.chain_hash(
        previous, position=position, stream_id=stream_id, version=version,
        type_name=type_name, schema_version=schema_version, data=data,
        effective_date=effective, recorded_at=recorded, actor=actor, agency=agency,
        command_id=command_id, key=key,
    )  # fmt: skip
    tail = codec.hash_tail(effective, recorded, actor, agency, command_id)
    head = (position, stream_id, version, type_name, schema_version)
    assert codec.chain_hash_dumped(previous, head, codec.dump_bytes(data), tail, key) == expected
