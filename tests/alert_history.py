"""Histories for the alert and reminder tests, built through the desk's own handlers.

Each step runs on a desk whose "today" is the step's date, as a clerk recording it that
day would; the handlers check every rule, so a history here is one a desk could record.
"""

from __future__ import annotations

from datetime import date

from ledger.bootstrap import App
from ledger.commands import requests as cmd
from ledger.commands._context import Desk

AGENCY = "default"


def desk(app: App, on: date, agency: str = AGENCY) -> Desk:
    """The desk of a clerk recording on ``on``."""
    return Desk(store=app.store, actor="clerk", agency=agency, today=on)


def receive(app: App, request_id: str, on: date, agency: str = AGENCY) -> None:
    """A request handed in at the counter on ``on``."""
    receipt = cmd.RecordReceipt(
        date=on, channel="in-person", applicant="natural", request_id=request_id, agency=agency
    )
    cmd.record_receipt(desk(app, on, agency), receipt)


def decide(app: App, request_id: str, on: date, outcome: str = "disclosed") -> None:
    cmd.issue_decision(desk(app, on), request_id, on, outcome)


def clarify(app: App, request_id: str, on: date, reply_by: date) -> None:
    cmd.request_clarification(desk(app, on), request_id, on, reply_by)


def consult(app: App, request_id: str, on: date, party: str) -> None:
    cmd.start_consultation(desk(app, on), request_id, on, party)


def charge(app: App, request_id: str, on: date, amount: str = "100") -> None:
    cmd.issue_fee_notice(desk(app, on), cmd.IssueFeeNotice(request_id, on, amount=amount))


def extend(app: App, request_id: str, on: date, days: int) -> None:
    cmd.grant_extension(desk(app, on), request_id, on, days, "办公室主任")


def june_2024(app: App) -> None:
    """Requests in every state that matters on 2024-06-14 (a Friday; 10 June is 端午).

    late-big  received 04-01, due 04-29: 31 working days overdue
    fee       fee notice 04-10 unpaid: 20 working days ended 05-10
    reply     clarification 05-08, reply by 05-20: nothing came back
    late      received 04-26, due 05-27: 13 working days overdue
    consult   letter to 某公司 05-07, no opinion: 15 working days ended 05-27
    decided-later  due 05-31, decided only on 06-20 (after the as-of day)
    soon      received 05-17, due 06-17
    today     received 05-16, due 06-14
    notice    received 06-06, untouched: 7th working day 06-18
    far       received 06-03, extended 5 days: due well after the window
    decided   decided in time: nothing to do
    """
    receive(app, "late-big", date(2024, 4, 1))
    receive(app, "fee", date(2024, 4, 8))
    charge(app, "fee", date(2024, 4, 10))
    receive(app, "decided", date(2024, 4, 1))
    decide(app, "decided", date(2024, 4, 15))
    receive(app, "late", date(2024, 4, 26))
    receive(app, "reply", date(2024, 5, 6))
    clarify(app, "reply", date(2024, 5, 8), date(2024, 5, 20))
    receive(app, "consult", date(2024, 5, 6))
    consult(app, "consult", date(2024, 5, 7), "某公司")
    receive(app, "decided-later", date(2024, 5, 6))
    receive(app, "today", date(2024, 5, 16))
    receive(app, "soon", date(2024, 5, 17))
    receive(app, "far", date(2024, 6, 3))
    extend(app, "far", date(2024, 6, 4), 5)
    receive(app, "notice", date(2024, 6, 6))
    decide(app, "decided-later", date(2024, 6, 20))
