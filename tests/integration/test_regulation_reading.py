"""The rules of the Regulation as ledger reads them (docs/regulation-reading.md), one test each.

Each test records a request's steps through the commands on a real SQLite file and checks
the refusal or the date the rule gives; its docstring names the article.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from ledger.bootstrap import App, bootstrap
from ledger.commands import requests as cmd
from ledger.commands._context import Desk
from ledger.config import Config
from ledger.errors import RuleViolation
from ledger.projections.requests import deadline

TODAY = date(2026, 6, 30)


@pytest.fixture
def app(tmp_path: Path) -> Iterator[App]:
    """The application on a fresh SQLite file."""
    application = bootstrap(f"sqlite:///{tmp_path / 'desk.db'}", Config(), actor="clerk")
    yield application
    application.close()


@pytest.fixture
def desk(app: App) -> Desk:
    """A desk with today pinned to 2026-06-30."""
    return Desk(app.store, "clerk", "default", TODAY)


def receive(desk: Desk, request_id: str, on: date, channel: str = "in-person") -> cmd.Recorded:
    """Record a receipt from a natural person."""
    return cmd.record_receipt(desk, cmd.RecordReceipt(on, channel, "natural", request_id))


def test_a_second_fee_notice_after_payment_is_refused(desk: Desk) -> None:
    """One fee per request (国办函〔2020〕109号; Art. 42): a paid notice bars a second one."""
    receive(desk, "R1", date(2026, 3, 2))
    cmd.issue_fee_notice(desk, cmd.IssueFeeNotice("R1", date(2026, 3, 3), amount="100"))
    cmd.record_payment(desk, "R1", date(2026, 3, 5))
    before = desk.store.read_stream("request-R1")
    with pytest.raises(RuleViolation) as refused:
        cmd.issue_fee_notice(desk, cmd.IssueFeeNotice("R1", date(2026, 3, 6), amount="50"))
    assert str(refused.value) == (
        "record fee: request R1 already had a fee notice on 2026-03-03 (paid 2026-03-05); "
        "the fee measures (国办函〔2020〕109号) allow one fee per request"
    )
    assert len(desk.store.read_stream("request-R1")) == len(before)


def test_a_second_fee_notice_while_unpaid_is_refused(desk: Desk) -> None:
    """One fee per request (国办函〔2020〕109号; Art. 42): an unpaid notice bars a second one."""
    receive(desk, "R1", date(2026, 3, 2))
    cmd.issue_fee_notice(desk, cmd.IssueFeeNotice("R1", date(2026, 3, 3), amount="100"))
    with pytest.raises(RuleViolation, match=r"\(unpaid\); the fee measures"):
        cmd.issue_fee_notice(desk, cmd.IssueFeeNotice("R1", date(2026, 3, 4), amount="50"))
    assert deadline(cmd.load(desk, "R1"), desk.calendar).due is None
