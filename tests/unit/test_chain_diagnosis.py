"""The kind of change ``chain_breaks`` names, for any one tampering of any chain."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from ledger.events import codec
from ledger.events.store import ChainCheck, chain_breaks

Row = dict[str, Any]


def _hash(previous: str, r: Row) -> str:
    return codec.chain_hash(
        previous, position=r["position"], stream_id=r["stream_id"], version=r["version"],
        type_name=r["type"], schema_version=r["schema_version"], data=r["data"],
        effective_date=r["effective_date"], recorded_at=r["recorded_at"], actor=r["actor"],
        agency=r["agency"], command_id=r["command_id"],
    )  # fmt: skip


def _chain(length: int) -> list[Row]:
    previous, rows = codec.GENESIS, []
    for n in range(1, length + 1):
        row: Row = {
            "position": n, "stream_id": f"s-{n}", "version": 1, "type": "test.noted",
            "schema_version": 1, "data": {"text": str(n)}, "effective_date": date(2020, 1, 2),
            "recorded_at": datetime(2020, 1, 2, 3, 4, n % 60), "actor": "x", "agency": "a",
            "command_id": None,
        }  # fmt: skip
        row["hash"] = previous = _hash(previous, row)
        rows.append(row)
    return rows


def _check(rows: list[Row]) -> ChainCheck:
    return chain_breaks(iter([(r["position"], r, r["hash"]) for r in rows]))


cases = st.integers(3, 30).flatmap(lambda n: st.tuples(st.just(n), st.integers(1, n - 1)))


@given(cases)
def test_an_edited_event_is_named_as_altered(case: tuple[int, int]) -> None:
    """Changing one event's contents is reported at its position as altered contents."""
    length, at = case
    rows = _chain(length)
    rows[at - 1] = {**rows[at - 1], "actor": "mallory"}
    check = _check(rows)
    assert (check.broken_at, check.verified) == (at, at - 1)
    assert (check.reason or "").startswith("altered contents")


@given(cases)
def test_a_deleted_event_is_named_as_deleted(case: tuple[int, int]) -> None:
    """Removing one event (not the last) is reported at its position as deleted."""
    length, at = case
    rows = _chain(length)
    del rows[at - 1]
    assert _check(rows) == ChainCheck(at - 1, at, f"deleted: position {at} is missing")


@given(cases)
def test_neighbours_that_changed_places_are_named_as_swapped(case: tuple[int, int]) -> None:
    """Two neighbouring events exchanging positions are reported as swapped at the first."""
    length, at = case
    rows = _chain(length)
    first, second = rows[at - 1], rows[at]
    rows[at - 1], rows[at] = {**second, "position": at}, {**first, "position": at + 1}
    check = _check(rows)
    assert check.broken_at == at
    assert check.reason == f"swapped: the events at {at} and {at + 1} changed places"


@given(cases, st.booleans())
def test_an_event_put_in_is_named_as_inserted(case: tuple[int, int], hashed: bool) -> None:
    """An event put in before another, hashed correctly or not, is reported as inserted."""
    length, at = case
    rows = _chain(length)
    new = {**rows[at - 1], "stream_id": "forged", "position": at}
    new["hash"] = _hash(rows[at - 2]["hash"], new) if hashed and at > 1 else "0" * 64
    shifted = [{**r, "position": r["position"] + 1} for r in rows[at - 1 :]]
    check = _check([*rows[: at - 1], new, *shifted])
    assert check.broken_at == at
    assert (check.reason or "").startswith("inserted: ")
