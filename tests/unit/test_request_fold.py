"""Replaying the log from scratch gives the state the desk saw after each step.

Random histories of desk steps go through the real command handlers onto the in-memory
store (refused steps included; the databases pass the same store contract). After every step, the request folded from scratch out of the
stored log must equal the state kept incrementally from the events each step appended;
and at the end every recorded ``request.deadline-set`` must equal the deadline re-derived
from the events before it — the audit "re-derive every recorded deadline" as a property.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger import codes
from ledger.clock import Deadline
from ledger.commands import requests as cmd
from ledger.commands._context import Desk
from ledger.errors import LedgerError
from ledger.events.memory import MemoryStore
from ledger.events.requests import stream_of
from ledger.events.store import Store, StoredEvent
from ledger.projections.requests import RequestState, apply, deadline, fold
from ledger.projections.views import all_requests
from ledger.texts import Resolver

TODAY = date(2026, 6, 30)
PARTIES = ("某建设公司", "市自然资源局")
OUTCOMES = ("disclosed", "partial", "予以公开", "other.no-clarification", "other.fee-unpaid",
            "unavailable.still-unclear")  # fmt: skip
CHANNELS = codes.CHANNELS.codes


@dataclass(frozen=True)
class Step:
    """One desk step: its kind, the days since the request's previous step, its argument."""

    kind: str
    gap: int
    arg: object


ARGS: dict[str, st.SearchStrategy[object]] = {
    "clarify": st.integers(1, 30),  # reply-by, days after the notice
    "clarified": st.none(),
    "extend": st.integers(1, 12),
    "consult": st.sampled_from(PARTIES),
    "consulted": st.sampled_from(PARTIES),
    "fee": st.integers(1, 250),  # pages; 30 or fewer are free and record nothing
    "paid": st.none(),
    "defer": st.integers(1, 90),  # until, days after the step
    "decide": st.sampled_from(OUTCOMES),
    "withdraw": st.none(),
}
OPENING = ("clarify", "extend", "consult", "fee", "defer")


def draw_step(data: st.DataObject, state: RequestState) -> Step:
    """A step for the request as it stands: mostly a fitting one, sometimes any at all.

    Drawing blindly, steps that need an earlier one (clarified, consulted, paid) are
    nearly always refused and histories stay short; refusals still come, by design.
    """
    fitting: list[str] = list(OPENING)
    parties = sorted({c.party for c in state.consultations if c.ended_on is None})
    if state.open_clarification is not None:
        fitting += ["clarified"] * 3
    if state.unpaid_fee is not None:
        fitting += ["paid"] * 3
    if parties:
        fitting += ["consulted"] * 3
    kind = data.draw(
        st.one_of(st.sampled_from(fitting), st.sampled_from(fitting), st.sampled_from(sorted(ARGS)))
    )
    arg_strategy = st.sampled_from(parties) if kind == "consulted" and parties else ARGS[kind]
    return Step(kind, data.draw(st.integers(0, 12)), data.draw(arg_strategy))


RECEIPTS = st.lists(
    st.tuples(
        # Both regimes (before/after 2019-05-15) and fee years (2021 on).
        st.dates(min_value=date(2019, 1, 1), max_value=date(2022, 12, 31)),
        st.sampled_from(CHANNELS),
        st.integers(0, 3),  # days from submission to the Art. 31 date
    ),
    min_size=1,
    max_size=3,
)


def run_step(desk: Desk, rid: str, step: Step, on: date) -> cmd.Recorded:
    """Apply one step through its command handler."""
    handlers: dict[str, Callable[[], cmd.Recorded]] = {
        "clarify": lambda: cmd.request_clarification(
            desk, rid, on, on + timedelta(days=int(str(step.arg)))
        ),
        "clarified": lambda: cmd.record_clarified(desk, rid, on),
        "extend": lambda: cmd.grant_extension(desk, rid, on, int(str(step.arg)), "王主任"),
        "consult": lambda: cmd.start_consultation(desk, rid, on, str(step.arg)),
        "consulted": lambda: cmd.end_consultation(desk, rid, on, str(step.arg)),
        "fee": lambda: cmd.issue_fee_notice(
            desk, cmd.IssueFeeNotice(rid, on, method="per-page", pages=int(str(step.arg)))
        ),
        "paid": lambda: cmd.record_payment(desk, rid, on),
        "defer": lambda: cmd.defer_deadline(
            desk, rid, on, on + timedelta(days=int(str(step.arg))), "大量申请"
        ),
        "decide": lambda: cmd.issue_decision(desk, rid, on, str(step.arg)),
        "withdraw": lambda: cmd.withdraw(desk, rid, on),
    }
    return handlers[step.kind]()


def replayed(store: Store, rid: str) -> RequestState | None:
    """The request folded from scratch out of the stored log."""
    return fold(rid, store.read_stream(stream_of(rid)))


def advance(state: RequestState, events: tuple[StoredEvent, ...]) -> None:
    """Fold the events a step appended into the incrementally kept state."""
    for event in events:
        apply(state, event)


def readable(due: Deadline, store: MemoryStore) -> Deadline:
    """The deadline as a person reads it: a stop's reason quoting a typed text (a party's
    name) holds that text's mark in a fold of the log, the text itself in the command's
    answer, which derived it before the texts were taken out."""
    if due.stopped_by is None:
        return due
    return replace(due, stopped_by=Resolver(store.texts).fill(due.stopped_by))


def check_recorded_deadlines(desk: Desk, rid: str) -> None:
    """Every deadline-set equals the deadline derived from the events before it."""
    events = desk.store.read_stream(stream_of(rid))
    for i, event in enumerate(events):
        if event.type != "request.deadline-set":
            continue
        before = fold(rid, events[:i])
        assert before is not None
        derived = deadline(before, desk.calendar)
        assert event.data["due"] == (derived.due.isoformat() if derived.due else None)
        assert event.data["provisional"] == derived.provisional
        assert (event.data["regime"], event.data["days_allowed"]) == (
            derived.regime,
            derived.days_allowed,
        )
    final = fold(rid, events)
    assert final is not None
    if not final.closed:  # what was last told equals what the log says now
        now = deadline(final, desk.calendar)
        assert (final.recorded_due, final.recorded_provisional) == (now.due, now.provisional)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(receipts=RECEIPTS, data=st.data())
def test_replay_equals_incremental_and_every_recorded_deadline_rederives(
    receipts: list[tuple[date, str, int]], data: st.DataObject
) -> None:
    """After any valid or refused step, replaying the log equals the incrementally folded state."""
    store = MemoryStore()
    desk = Desk(store, "clerk", "default", TODAY)
    states: dict[str, RequestState] = {}
    cursors: list[date] = []
    for n, (submitted, channel, delay) in enumerate(receipts):
        rid = f"P-{n}"
        later = submitted + timedelta(days=delay)
        receipt = cmd.RecordReceipt(
            submitted, channel, "natural", rid,
            confirmed=later if channel in ("mail-unsigned", "online", "fax") else None,
            signed=later if channel == "mail" else None,
        )  # fmt: skip
        recorded = cmd.record_receipt(desk, receipt)
        states[rid] = RequestState(rid, "default")
        advance(states[rid], recorded.events)
        assert states[rid] == replayed(store, rid) == recorded.state
        cursors.append(recorded.state.received_on)
    for _ in range(data.draw(st.integers(0, 20), label="steps")):
        which = data.draw(st.integers(0, len(receipts) - 1), label="request")
        rid = f"P-{which}"
        step = draw_step(data, states[rid])
        cursors[which] += timedelta(days=step.gap)
        head = store.last_position()
        try:
            recorded = run_step(desk, rid, step, cursors[which])
        except LedgerError:
            assert store.last_position() == head  # a refusal writes nothing
        else:
            advance(states[rid], recorded.events)
            assert recorded.state == states[rid]
            assert readable(recorded.deadline, store) == readable(
                deadline(states[rid], desk.calendar), store
            )
        assert replayed(store, rid) == states[rid]
    assert {s.id: s for s in all_requests(store, timeline=True)} == states
    for rid in states:
        check_recorded_deadlines(desk, rid)
