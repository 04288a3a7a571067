"""How the store takes free text out of events (``ledger.texts``), on the memory store."""

from __future__ import annotations

from datetime import date

import pytest

from ledger.commands import requests as cmd
from ledger.commands._context import Desk
from ledger.errors import InvalidInput, RuleViolation
from ledger.events.memory import MemoryStore
from ledger.events.requests import stream_of
from ledger.projections.requests import fold
from ledger.texts import MARK, Resolver, mark, ref_of

TODAY = date(2021, 6, 30)
PARTY = "某建设公司（张某）"


@pytest.fixture
def desk() -> Desk:
    return Desk(MemoryStore(), "clerk", "default", TODAY)


def payloads(desk: Desk) -> list[dict[str, object]]:
    return [e.data for e in desk.store.read_stream(stream_of("R1"))]


def test_a_consultation_ends_on_the_text_of_its_start(desk: Desk) -> None:
    """The end names the start's text by the same reference (no second copy); a derived
    deadline reason quotes the party by its mark; the fold closes the consultation; the
    same party cannot be consulted twice at once, typed the same way."""
    cmd.record_receipt(desk, cmd.RecordReceipt(date(2021, 3, 1), "fax", "other", "R1",
                                               subject="张某的房屋"))  # fmt: skip
    cmd.start_consultation(desk, "R1", date(2021, 3, 2), PARTY)
    with pytest.raises(RuleViolation, match="already awaiting an opinion"):
        cmd.start_consultation(desk, "R1", date(2021, 3, 3), PARTY)
    cmd.end_consultation(desk, "R1", date(2021, 3, 5), PARTY)
    data = payloads(desk)
    started = next(d for d in data if "kind" in d)
    ended = data[-2]
    assert "party" not in started
    assert "party" not in ended
    assert ended["party_ref"] == started["party_ref"]
    reasons = [str(d["reason"]) for d in data if "due" in d]
    assert f"consultation with {mark(str(started['party_ref']))}" in reasons
    assert not any(PARTY in r or "张某" in r for r in reasons)
    state = fold("R1", desk.store.read_stream(stream_of("R1")))
    assert state is not None
    assert state.consultations[0].ended_on == date(2021, 3, 5)
    assert ref_of(state.subject) is not None
    names = Resolver(desk.store.texts)
    assert names.fill(state.subject) == "张某的房屋"
    assert [names.fill(r) for r in reasons][1] == f"consultation with {PARTY}"


def test_a_typed_text_cannot_pass_for_a_mark(desk: Desk) -> None:
    """The mark's character is refused inside every typed text (and trimmed at its ends,
    as Python's strip counts it as space), so no subject is read as a reference to another
    request's text."""
    with pytest.raises(InvalidInput, match="U\\+001F"):
        cmd.record_receipt(desk, cmd.RecordReceipt(date(2021, 3, 1), "fax", "other", "R1",
                                                   subject="见" + MARK + "0" * 32))  # fmt: skip
    cmd.record_receipt(desk, cmd.RecordReceipt(date(2021, 3, 1), "fax", "other", "R1",
                                               subject=MARK + "0" * 32))  # fmt: skip
    state = fold("R1", desk.store.read_stream(stream_of("R1")))
    assert state is not None
    assert Resolver(desk.store.texts).fill(state.subject) == "0" * 32
