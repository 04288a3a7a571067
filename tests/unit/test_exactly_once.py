"""A retried desk command is stored once; a command that loses a race is retried on fresh state."""

from __future__ import annotations

import json
from datetime import date

import pytest

from ledger.commands import requests as cmd
from ledger.commands._context import Desk
from ledger.commands._once import RACE_RETRIES, exactly_once
from ledger.commands.agencies import register_agency
from ledger.commands.annual import file_case
from ledger.commands.imports import import_lines
from ledger.commands.years import close_year
from ledger.errors import ConcurrencyError, RequestOutrun
from ledger.events.memory import MemoryStore
from ledger.events.requests import stream_of
from ledger.events.years import year_prefix

TODAY = date(2021, 6, 30)


def desk_with(store: MemoryStore, command_id: str | None) -> Desk:
    return Desk(store, "clerk", "default", TODAY, command_id=command_id)


def test_a_retried_receipt_returns_the_first_request() -> None:
    """The same command id twice records one request, and the retry names the same id."""
    store = MemoryStore()
    receipt = cmd.RecordReceipt(date(2021, 3, 1), "in-person", "natural")
    first = cmd.record_receipt(desk_with(store, "c-1"), receipt)
    again = cmd.record_receipt(desk_with(store, "c-1"), receipt)
    assert again.request_id == first.request_id == "default-2021-0001"
    assert again.events == first.events
    assert "already recorded" in again.note
    assert store.last_position() == 2


def test_a_retried_decision_is_not_refused_as_a_step_on_a_closed_request() -> None:
    """A decision whose reply was lost, retried with its id, answers with the first result."""
    store = MemoryStore()
    receipt = cmd.RecordReceipt(date(2021, 3, 1), "in-person", "natural", "R1")
    cmd.record_receipt(desk_with(store, None), receipt)
    decide = desk_with(store, "c-2")
    first = cmd.issue_decision(decide, "R1", date(2021, 3, 5), "disclosed")
    head = store.last_position()
    again = cmd.issue_decision(decide, "R1", date(2021, 3, 5), "disclosed")
    assert again.state.outcome == first.state.outcome == "disclosed"
    assert store.last_position() == head


def test_a_different_command_id_is_a_new_command() -> None:
    """Another id is another command: a second receipt gets the next number."""
    store = MemoryStore()
    receipt = cmd.RecordReceipt(date(2021, 3, 1), "in-person", "natural")
    cmd.record_receipt(desk_with(store, "c-1"), receipt)
    second = cmd.record_receipt(desk_with(store, "c-3"), receipt)
    assert second.request_id == "default-2021-0002"


def test_lost_races_are_retried_a_bounded_number_of_times() -> None:
    """A handler that keeps losing races on a request runs RACE_RETRIES times, then the
    clerk is told which request other desks kept changing (exit status 3), not the
    store's stream and versions."""
    runs: list[int] = []

    @exactly_once(lambda _desk, _cid: None)
    def always_loses(_desk: Desk) -> str:
        runs.append(1)
        raise ConcurrencyError(stream_of("R1"), 3, 4)

    with pytest.raises(RequestOutrun) as refused:
        always_loses(desk_with(MemoryStore(), None))
    assert len(runs) == RACE_RETRIES
    assert refused.value.exit_code == 3
    assert f"steps on request R1 each time this command had read it ({RACE_RETRIES} tries" in (
        refused.value.message
    )
    assert "version" not in refused.value.message


def test_a_race_lost_every_time_on_another_stream_is_told_as_the_store_tells_it() -> None:
    """A stream that is no request's (an agency's annual record) keeps the store's words."""

    @exactly_once(lambda _desk, _cid: None)
    def always_loses(_desk: Desk) -> str:
        raise ConcurrencyError("annual-default-2021", 3, 4)

    with pytest.raises(ConcurrencyError, match="expected version 3, but it is at version 4"):
        always_loses(desk_with(MemoryStore(), None))


def test_a_race_lost_once_succeeds_on_fresh_state() -> None:
    """A handler that loses one race and then wins returns its result."""
    outcomes = iter([ConcurrencyError("request-R1", 1, 2), None])

    @exactly_once(lambda _desk, _cid: None)
    def wins_second(_desk: Desk) -> str:
        failure = next(outcomes)
        if failure is not None:
            raise failure
        return "recorded"

    assert wins_second(desk_with(MemoryStore(), None)) == "recorded"


def test_a_retried_correction_is_stored_once() -> None:
    """A correction retried with its command id answers with the first result, not "nothing changes"."""
    from ledger.commands.corrections import Correction, correct

    store = MemoryStore()
    receipt = cmd.RecordReceipt(date(2021, 3, 1), "in-person", "natural", "R1")
    cmd.record_receipt(desk_with(store, None), receipt)
    cmd.issue_decision(desk_with(store, None), "R1", date(2021, 3, 5), "disclosed")
    fix = Correction("R1", "typed the wrong outcome", outcome="partial")
    first = correct(desk_with(store, "c-9"), fix)
    head = store.last_position()
    again = correct(desk_with(store, "c-9"), fix)
    assert again.events == first.events
    assert again.state is not None
    assert again.state.outcome == "partial"
    assert store.last_position() == head


def test_a_retried_year_close_returns_the_first_carry_overs() -> None:
    """close-year retried with its id answers with the requests it carried over, adding nothing."""
    store = MemoryStore()
    receipt = cmd.RecordReceipt(date(2020, 12, 1), "in-person", "natural", "R1")
    cmd.record_receipt(desk_with(store, None), receipt)
    first = close_year(desk_with(store, "close-1"), 2020, "default")
    size = store.last_position()
    again = close_year(desk_with(store, "close-1"), 2020, "default")
    assert first.carried_over == again.carried_over == ("R1",)
    assert not again.already_closed
    assert store.last_position() == size


def test_a_retried_agency_registration_is_stored_once() -> None:
    """agency add retried with its id stores one registration and answers with it."""
    store = MemoryStore()
    first = register_agency(desk_with(store, "add-1"), "zjj", "某某局")
    again = register_agency(desk_with(store, "add-1"), "zjj", "某某局")
    assert again == first
    assert store.last_position() == 1


def test_a_retried_annual_record_is_stored_once() -> None:
    """A case filed, retried with its id, is not refused as already existing: one event."""
    store = MemoryStore()
    first = file_case(desk_with(store, "case-1"), "FY-1", date(2021, 3, 1), "review", None)
    again = file_case(desk_with(store, "case-1"), "FY-1", date(2021, 3, 1), "review", None)
    assert again.events == first.events
    assert again.replayed
    assert store.last_position() == 1


def test_an_amending_import_line_overtaken_by_close_year_is_decided_afresh(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An import with --amend whose line, dated in 2020, read 2020 as open (so it was no
    amendment) while another desk closed 2020 before the line's append: the append is
    refused as a lost race and the line run again, decided afresh, goes in as the
    amendment it now is (not refused as needing the --amend it was given).

    A store without transactions (no import batch holds the append lock meanwhile); the
    other desk closes 2020 right after the write pass lists the year streams, the check
    pass having listed them once first (its scratch layer keeps them)."""
    store = MemoryStore()
    receipt = cmd.RecordReceipt(date(2020, 12, 1), "in-person", "natural", "R1")
    cmd.record_receipt(desk_with(store, None), receipt)
    listed, listings = store.stream_ids, []

    def overtaken(prefix: str) -> list[str]:
        ids = listed(prefix)
        if prefix == year_prefix("default"):
            listings.append(len(ids))
            if len(listings) == 2:
                close_year(Desk(store, "head", "default", TODAY), 2020, "default")
        return ids

    monkeypatch.setattr(store, "stream_ids", overtaken)
    decided = {"stream": stream_of("R1"), "type": "request.decision-issued",
               "data": {"outcome": "disclosed"}, "effective_date": "2020-12-28"}  # fmt: skip
    amending = Desk(store, "clerk", "default", TODAY, amend=True)
    import_lines(amending, [json.dumps(decided)], "history.jsonl")
    # the check's; the write's, overtaken; the closing desk's own; the write's again
    assert listings == [0, 0, 0, 1]
    assert [e.type for e in store.read_stream(stream_of("R1"))][-4:] == [
        "request.carried-over",  # by the other desk's close of 2020
        "request.decision-issued",
        "request.amendment-recorded",
        "request.carry-over-revoked",
    ]
