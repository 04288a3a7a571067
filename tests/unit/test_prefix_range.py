"""`prefix_range`: the range of the (stream, version) index that holds a prefix's streams."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ledger.events.store import prefix_range

# Any character a UTF-8 database stores (no surrogates), the extremes over-weighted.
CHARS = st.one_of(
    st.characters(blacklist_categories=("Cs",)),
    st.sampled_from(["\U0010ffff", "\ud7ff", "\ue000", "\x00", "-", "_", "%"]),
)
TEXT = st.text(CHARS, max_size=6)


@given(TEXT, TEXT, TEXT)
def test_the_range_holds_exactly_the_strings_with_the_prefix(
    prefix: str, tail: str, other: str
) -> None:
    """A string lies in the range (code-point order, as the index on either database
    compares ids) if and only if it starts with the prefix."""
    low, high = prefix_range(prefix)
    for candidate in (prefix + tail, other, other + prefix, prefix[:-1] + other):
        inside = low <= candidate and (high is None or candidate < high)
        assert inside == candidate.startswith(prefix), (prefix, candidate, high)


@given(TEXT)
def test_the_bound_is_storable(prefix: str) -> None:
    """The upper bound holds no surrogate: PostgreSQL could not encode it as UTF-8."""
    high = prefix_range(prefix)[1]
    assert high is None or not any(0xD800 <= ord(c) <= 0xDFFF for c in high)
