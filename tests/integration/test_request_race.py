"""A step another desk records on the same request between a command's read and its
append makes the command run again on the fresh request; lost every time, the clerk is
told which request kept changing (``RequestOutrun``, exit status 3) and nothing of the
command is recorded, on SQLite and PostgreSQL.

Two apps on one database are two desks (each its own connection); the interleaving is
made deterministic as in ``test_notice_once``: right before each of the clerk's appends,
the head records a step on the request (an extension of one working day).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest

from ledger.bootstrap import App, bootstrap
from ledger.commands._once import RACE_RETRIES
from ledger.commands.requests import RecordReceipt, grant_extension, issue_decision, record_receipt
from ledger.config import Config
from ledger.dates import FixedClock
from ledger.errors import RequestOutrun
from ledger.events.requests import stream_of

TODAY = date(2021, 3, 25)


@pytest.fixture
def apps(db_url: str) -> Iterator[tuple[App, App]]:
    """The clerk's and the head's apps on one database: R1 received on 1 March 2021."""
    config = Config(backdate_days=3650)
    clerk = bootstrap(db_url, config, actor="clerk", clock=FixedClock(TODAY))
    record_receipt(clerk.desk(), RecordReceipt(date(2021, 3, 1), "in-person", "natural", "R1"))
    head = bootstrap(db_url, config, actor="head", clock=FixedClock(TODAY), ensure=False)
    yield clerk, head
    head.close()
    clerk.close()


def _racing(monkeypatch: pytest.MonkeyPatch, apps: tuple[App, App], times: int) -> None:
    """Before each of the clerk store's next ``times`` appends, the head extends R1."""
    clerk, head = apps
    real: Callable[..., Any] = clerk.store.append
    left = iter(range(times))

    def racing(*args: Any, **kwargs: Any) -> Any:
        if next(left, None) is not None:
            grant_extension(head.desk(), "R1", TODAY, 1, "王主任")
        return real(*args, **kwargs)

    monkeypatch.setattr(clerk.store, "append", racing)


def types(app: App) -> list[str]:
    return [e.type for e in app.store.read_stream(stream_of("R1"))]


def test_a_decision_overtaken_once_is_decided_on_the_fresh_request(
    apps: tuple[App, App], monkeypatch: pytest.MonkeyPatch
) -> None:
    """One step recorded meanwhile: the decision goes in after it."""
    clerk, _head = apps
    _racing(monkeypatch, apps, 1)
    done = issue_decision(clerk.desk(), "R1", TODAY, "disclosed")
    assert done.state.outcome == "disclosed"
    assert types(clerk)[-1] == "request.decision-issued"
    assert types(clerk).count("request.extension-granted") == 1


def test_a_decision_overtaken_every_time_names_the_request(
    apps: tuple[App, App], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A step recorded before every append: after RACE_RETRIES tries the clerk is told
    that other desks kept recording on R1 (exit status 3, no stream or version named),
    and no decision is recorded, only the head's steps."""
    clerk, _head = apps
    _racing(monkeypatch, apps, RACE_RETRIES)
    with pytest.raises(RequestOutrun) as refused:
        issue_decision(clerk.desk(), "R1", TODAY, "disclosed")
    assert refused.value.exit_code == 3
    assert refused.value.request_id == "R1"
    assert "`ledger show R1`" in refused.value.message
    assert "request.decision-issued" not in types(clerk)
    assert types(clerk).count("request.extension-granted") == RACE_RETRIES
