"""A register row → the desk commands it implies, each with the day it happened.

Every step is run as the desk runs it (``ledger.commands.requests``), so an imported
row is checked by the same rules as one typed at the desk. Each step carries a command
id made from the request's id and the step's own cells: importing the same row again
returns the first result instead of recording it twice, and a cell filled in later (an
answer date added to an open request) is a new step.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from ledger.applicants import Applicant
from ledger.codes import receipt_rule
from ledger.commands import requests as desk_commands
from ledger.commands._context import Desk
from ledger.commands.requests import IssueFeeNotice, Recorded, RecordReceipt
from ledger.errors import InvalidInput
from ledger.i18n import _
from ledger.register import cells
from ledger.register.cells import CellError
from ledger.register.layout import BY_KEY, DEFAULT_PARTY, PERSONAL, Column
from ledger.register.read import RawRow, text_of

COMMAND_PREFIX = "register-"
"""Command ids of register steps start with this (the rest is a content hash)."""


@dataclass(frozen=True)
class Step:
    """One desk command a row implies: the day, the column it came from, how to run it."""

    kind: str
    on: date
    column: Column
    value: Any
    content: tuple[str, ...]
    run: Callable[[Desk], Recorded]

    def command_id(self, request_id: str) -> str:
        """The step's command id: the same cells give the same id, run after run."""
        text = "\x1f".join((request_id, self.kind, *self.content))
        return COMMAND_PREFIX + hashlib.sha256(text.encode()).hexdigest()[:40]


@dataclass(frozen=True)
class Row:
    """A row read into its request id and steps (in the order the desk would run them)."""

    number: int
    request_id: str
    steps: tuple[Step, ...]


def _cell(row: RawRow, key: str) -> tuple[Column, Any]:
    return BY_KEY[key], row.cells.get(key)


def _date(row: RawRow, key: str) -> date | None:
    return cells.as_date(*_cell(row, key))


def _required(row: RawRow, key: str) -> Any:
    column, value = _cell(row, key)
    if cells.blank(value):
        raise CellError(column, value, _("is empty; this column is required"))
    return value


PARSERS: dict[str, Callable[[Column, Any], object]] = {
    "date": cells.as_date,
    "code": cells.as_code,
    "days": cells.as_days,
    "amount": cells.as_amount,
    "period": cells.as_period,
}


def cell_errors(row: RawRow) -> list[CellError]:
    """Every cell that cannot be read as its column holds, and every required one empty."""
    errors: list[CellError] = []
    for column in BY_KEY.values():
        value = row.cells.get(column.key)
        try:
            if column.required and cells.blank(value):
                raise CellError(column, value, _("is empty; this column is required"))
            PARSERS.get(column.kind, cells.as_text)(column, value)
        except CellError as exc:
            errors.append(exc)
    return errors


def parse_row(row: RawRow) -> tuple[Row | None, list[CellError]]:
    """The row's steps, or every bad cell of it (each a CellError)."""
    errors = cell_errors(row)
    if errors:
        return None, errors
    steps: list[Step] = []
    for build in (_receipt, _clarification, _consultation, _extension, _fee, _closure):
        try:
            steps += build(row)
        except CellError as exc:
            errors.append(exc)
    if errors:
        return None, errors
    request_id = steps[0].content[0]
    # The receipt first (a step dated before it is refused by the desk, naming the date),
    # then the steps in date order, ties in the order the desk would take them.
    ordered = sorted(enumerate(steps[1:]), key=lambda item: (item[1].on, item[0]))
    return Row(row.number, request_id, (steps[0], *(s for _key, s in ordered))), []


def _receipt(row: RawRow) -> list[Step]:
    id_column, raw_id = BY_KEY["id"], _required(row, "id")
    request_id = text_of(raw_id)
    try:
        desk_commands.check_id(request_id, id_column.header)
    except InvalidInput:
        raise CellError(
            id_column,
            raw_id,
            _("is not allowed as an id; use 1–64 letters, digits, '.', '_' or '-'"),
        ) from None
    column, value = _cell(row, "received")
    received = cells.as_date(column, _required(row, "received"))
    assert received is not None
    channel = cells.as_code(BY_KEY["channel"], _required(row, "channel"))
    applicant = cells.as_code(BY_KEY["applicant"], _required(row, "applicant"))
    subject = cells.as_text(*_cell(row, "subject"))
    assert channel is not None
    assert applicant is not None
    person = Applicant(**{c.key: cells.as_text(c, row.cells.get(c.key)) or None for c in PERSONAL})
    # 收到日期 is the legal date of receipt (Art. 31): the day signed for or confirmed for
    # those channels, so it is given as that day rather than moved to a working day.
    rule = receipt_rule(channel)
    cmd = RecordReceipt(
        date=received,
        confirmed=received if rule == "confirmed" else None,
        signed=received if rule == "signed" else None,
        channel=channel, applicant=applicant, request_id=request_id, subject=subject, person=person,
    )  # fmt: skip
    content = (request_id, received.isoformat(), channel, applicant, subject)
    return [
        Step(
            "receive",
            received,
            column,
            value,
            content,
            lambda d: desk_commands.record_receipt(d, cmd),
        )
    ]


def _clarification(row: RawRow) -> list[Step]:
    rid = text_of(row.cells.get("id"))
    notice, reply_by, clarified = (_date(row, k) for k in ("clarify_on", "reply_by", "clarified"))
    steps: list[Step] = []
    if notice is not None:
        if reply_by is None:
            raise CellError(
                BY_KEY["reply_by"],
                None,
                _("is empty; a clarification notice needs its reply-by date"),
            )
        column, value = _cell(row, "clarify_on")
        steps.append(Step(
            "clarify", notice, column, value, (notice.isoformat(), reply_by.isoformat()),
            lambda d: desk_commands.request_clarification(d, rid, notice, reply_by),
        ))  # fmt: skip
    elif reply_by is not None or clarified is not None:
        raise CellError(
            BY_KEY["clarify_on"],
            None,
            _("is empty; give the date the clarification notice went out"),
        )
    if clarified is not None:
        column, value = _cell(row, "clarified")
        steps.append(Step(
            "clarified", clarified, column, value, (clarified.isoformat(),),
            lambda d: desk_commands.record_clarified(d, rid, clarified),
        ))  # fmt: skip
    return steps


def _consultation(row: RawRow) -> list[Step]:
    rid = text_of(row.cells.get("id"))
    start, end = cells.as_period(*_cell(row, "consult_period"))
    start_col, end_col = _cell(row, "consult_period")[0], _cell(row, "consult_period")[0]
    if start is None:
        start, end = _date(row, "consult_start"), _date(row, "consult_end")
        start_col, end_col = BY_KEY["consult_start"], BY_KEY["consult_end"]
    party = cells.as_text(*_cell(row, "party")) or DEFAULT_PARTY
    if start is None:
        if end is not None:
            raise CellError(
                start_col, None, _("is empty; give the day the consultation letter went out")
            )
        return []
    steps = [Step(
        "consult", start, start_col, row.cells.get(start_col.key), (start.isoformat(), party),
        lambda d: desk_commands.start_consultation(d, rid, start, party),
    )]  # fmt: skip
    if end is not None:
        steps.append(Step(
            "consulted", end, end_col, row.cells.get(end_col.key), (end.isoformat(), party),
            lambda d: desk_commands.end_consultation(d, rid, end, party),
        ))  # fmt: skip
    return steps


def _extension(row: RawRow) -> list[Step]:
    rid = text_of(row.cells.get("id"))
    on = _date(row, "extend_on")
    days = cells.as_days(*_cell(row, "extend_days"))
    approver = cells.as_text(*_cell(row, "approver"))
    if on is None:
        if days is not None or approver:
            raise CellError(
                BY_KEY["extend_on"], None, _("is empty; give the day the extension was granted")
            )
        return []
    if days is None:
        raise CellError(
            BY_KEY["extend_days"], None, _("is empty; give the working days of extension (1–20)")
        )
    if not approver:
        raise CellError(BY_KEY["approver"], None, _("is empty; name who approved the extension"))
    column, value = _cell(row, "extend_on")
    return [Step(
        "extend", on, column, value, (on.isoformat(), str(days), approver),
        lambda d: desk_commands.grant_extension(d, rid, on, days, approver),
    )]  # fmt: skip


def _fee(row: RawRow) -> list[Step]:
    rid = text_of(row.cells.get("id"))
    on, paid = _date(row, "fee_on"), _date(row, "paid")
    amount = cells.as_amount(*_cell(row, "fee_amount"))
    if on is None:
        if paid is not None or amount is not None:
            raise CellError(
                BY_KEY["fee_on"], None, _("is empty; give the day the fee notice went out")
            )
        return []
    if amount is None:
        raise CellError(
            BY_KEY["fee_amount"], None, _("is empty; give the fee in yuan, e.g. 100.00")
        )
    column, value = _cell(row, "fee_on")
    cmd = IssueFeeNotice(rid, on, amount=amount)
    steps = [Step(
        "fee", on, column, value, (on.isoformat(), amount),
        lambda d: desk_commands.issue_fee_notice(d, cmd),
    )]  # fmt: skip
    if paid is not None:
        pcol, pval = _cell(row, "paid")
        steps.append(Step(
            "paid", paid, pcol, pval, (paid.isoformat(),),
            lambda d: desk_commands.record_payment(d, rid, paid),
        ))  # fmt: skip
    return steps


def _closure(row: RawRow) -> list[Step]:
    rid = text_of(row.cells.get("id"))
    decided, withdrawn = _date(row, "decided"), _date(row, "withdrawn")
    outcome = cells.as_code(*_cell(row, "outcome"))
    if decided is not None and withdrawn is not None:
        raise CellError(
            BY_KEY["withdrawn"],
            row.cells.get("withdrawn"),
            _("a request is either answered or withdrawn; clear one of 答复日期 and 撤回日期"),
        )
    if withdrawn is not None:
        column, value = _cell(row, "withdrawn")
        return [Step(
            "withdraw", withdrawn, column, value, (withdrawn.isoformat(),),
            lambda d: desk_commands.withdraw(d, rid, withdrawn),
        )]  # fmt: skip
    if decided is None:
        if outcome is not None:
            raise CellError(
                BY_KEY["decided"], None, _("is empty; an outcome needs the day it was answered")
            )
        return []
    if outcome is None:
        raise CellError(BY_KEY["outcome"], None, _("is empty; an answer needs its outcome"))
    column, value = _cell(row, "decided")
    return [Step(
        "decide", decided, column, value, (decided.isoformat(), outcome),
        lambda d: desk_commands.issue_decision(d, rid, decided, outcome),
    )]  # fmt: skip
