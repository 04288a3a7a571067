"""A request's folded state as its projection row keeps it (``request_view.state``).

The row carries the state so that the projection applies the events being appended to
it, without reading the stream again, and so that the alerts and the annual report read
the folded requests they need by an indexed query instead of replaying the log. The
timeline and the list of applied events are left out: nothing reading a row shows a
timeline, and a retraction (which re-folds the applied events) re-reads its stream.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any, Final

import orjson

from ledger.projections.requests import (
    Clarification,
    Consultation,
    Extension,
    FeeNotice,
    RequestState,
)


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _req(text: str) -> date:
    return date.fromisoformat(text)


NO_STEPS: Final = '"clarifications":[],"consultations":[],"fees":[],"extensions":[]'
"""Text found in a snapshot exactly when the request had no clarification, consultation,
fee notice or extension: the keys are written in this order, without spaces (orjson),
and a quotation mark inside a string is always escaped, so no text can imitate it. The
migration that keeps the report's step columns (0011) picks the rows to set by its
absence."""
NOT_CARRIED: Final = '"carried_out_of":[]'
"""Text found in a snapshot exactly when no year close carried the request over. The
migration that keeps the carried years on the row (0014) picks the rows to set by its
absence."""


def carried_text(carried_out_of: Iterable[int]) -> str | None:
    """The years a request was carried over out of as its row keeps them
    (``request_view.carried_years``): ``,2021,2022,`` in ascending order, None when none.

    Text rather than a list, so that both databases test a year with the same cheap
    function (``instr``/``strpos`` of ``,2021,``: the commas keep one year from matching
    inside another) on a column a few bytes long, NULL (nothing to read) on almost every
    row; ascending, so the same years give the same text whatever order the closes (and
    their revocations) were recorded in."""
    years = sorted(set(carried_out_of))
    return f",{','.join(map(str, years))}," if years else None


def snapshot(state: RequestState) -> str:
    """The state as compact JSON text, the same for the same state however it was folded."""
    data: dict[str, Any] = {
        "agency": state.agency,
        "version": state.version,
        "channel": state.channel,
        "applicant": state.applicant,
        "applicant_ref": state.applicant_ref,
        "subject": state.subject,
        "received_on": state.received_on.isoformat(),
        "clarifications": [
            [c.requested_on.isoformat(), c.reply_by.isoformat(), _iso(c.clarified_on)]
            for c in state.clarifications
        ],
        "consultations": [
            [c.party, c.started_on.isoformat(), _iso(c.ended_on), _iso(c.received_on), c.kind]
            for c in state.consultations
        ],
        "fees": [
            [f.notice_on.isoformat(), f.amount, f.method, _iso(f.paid_on), _iso(f.received_on)]
            for f in state.fees
        ],
        "extensions": [[x.granted_on.isoformat(), x.days, x.approver] for x in state.extensions],
        "deferred_until": _iso(state.deferred_until),
        "outcome": state.outcome,
        "decided_on": _iso(state.decided_on),
        "withdrawn": state.withdrawn,
        "recorded_due": _iso(state.recorded_due),
        "recorded_provisional": state.recorded_provisional,
        "deadline_recorded": state.deadline_recorded,
        "carried_out_of": state.carried_out_of,
        "retracted": sorted(state.retracted),
        "recorded_late": state.recorded_late,
        "first_position": state.first_position,
        "last_effective": state.last_effective.isoformat(),
    }
    return orjson.dumps(data).decode()


def restore(request_id: str, text: str | bytes) -> RequestState:
    """The state a snapshot holds (without timeline or applied events)."""
    d = orjson.loads(text)
    return RequestState(
        id=request_id,
        agency=d["agency"],
        version=d["version"],
        channel=d["channel"],
        applicant=d["applicant"],
        applicant_ref=d["applicant_ref"],
        subject=d["subject"],
        received_on=_req(d["received_on"]),
        **_steps(d),
        deferred_until=_day(d["deferred_until"]),
        outcome=d["outcome"],
        decided_on=_day(d["decided_on"]),
        withdrawn=d["withdrawn"],
        recorded_due=_day(d["recorded_due"]),
        recorded_provisional=d["recorded_provisional"],
        deadline_recorded=d["deadline_recorded"],
        carried_out_of=list(d["carried_out_of"]),
        retracted=set(d["retracted"]),
        recorded_late=d["recorded_late"],
        first_position=d["first_position"],
        last_effective=_req(d["last_effective"]),
    )


def _steps(d: dict[str, Any]) -> dict[str, Any]:
    """The clarifications, consultations, fee notices and extensions of a snapshot (most
    lists are empty: no list is built for those)."""
    clarifications, consultations = d["clarifications"], d["consultations"]
    fees, extensions = d["fees"], d["extensions"]
    return {
        "clarifications": [
            Clarification(_req(a), _req(b), _day(c)) for a, b, c in clarifications
        ]
        if clarifications
        else [],
        "consultations": [
            Consultation(p, _req(s), _day(e), _day(r), k) for p, s, e, r, k in consultations
        ]
        if consultations
        else [],
        "fees": [FeeNotice(_req(n), a, m, _day(p), _day(r)) for n, a, m, p, r in fees]
        if fees
        else [],
        "extensions": [Extension(_req(g), days, who) for g, days, who in extensions]
        if extensions
        else [],
    }


def running(text: str | bytes) -> tuple[bool, bool]:
    """Whether a clarification runs (the last one not yet answered, as
    ``RequestState.open_clarification`` says) and a consultation runs (one not ended),
    read from a snapshot without restoring it: what migration 0010 sets on the open rows
    it finds (``request_view.clarifying``, ``consulting``), for a tenth of the cost of
    restoring each state."""
    d = orjson.loads(text)
    clarifications = d["clarifications"]
    asked = bool(clarifications) and clarifications[-1][2] is None
    return asked, any(c[2] is None for c in d["consultations"])
