"""A notice is recorded once per command id, and a step another desk records between the
notice's read and its append makes the letter be written again from the new facts (or,
lost every time, a refusal naming the request), on SQLite and PostgreSQL.

Two apps on one database are two desks (each its own connection). The interleaving is
made deterministic the way ``test_closed_year_race`` makes it: the clerk's store is
wrapped so that, right before its append, the other desk records a step on the request
(an extension of 1 working day: the extension letter then says something else).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest

from ledger.applicants import Applicant
from ledger.bootstrap import App, bootstrap
from ledger.commands._once import RACE_RETRIES
from ledger.commands.applicants import erase_applicant
from ledger.commands.requests import RecordReceipt, grant_extension, record_receipt
from ledger.config import Config
from ledger.dates import FixedClock
from ledger.errors import InvalidInput, NoticeOutrun, RuleViolation
from ledger.events.requests import stream_of
from ledger.notices import NoticeOrder, issue_notice
from ledger.notices.render import text_hash

TODAY = date(2021, 3, 25)
EXTENSION = NoticeOrder("R1", "extension", "text")
NOTICE = "request.notice-issued"


@pytest.fixture
def apps(db_url: str) -> Iterator[tuple[App, App]]:
    """The clerk's and the head's apps on one database: R1 received on 1 March 2021 from
    张三, extended by 5 working days on 20 March."""
    config = Config(backdate_days=3650)
    clerk = bootstrap(db_url, config, actor="clerk", clock=FixedClock(TODAY))
    desk = clerk.desk()
    receipt = RecordReceipt(date(2021, 3, 1), "in-person", "natural", "R1",
                            person=Applicant(name="张三"))  # fmt: skip
    record_receipt(desk, receipt)
    grant_extension(desk, "R1", date(2021, 3, 20), 5, "王主任")
    head = bootstrap(db_url, config, actor="head", clock=FixedClock(TODAY), ensure=False)
    yield clerk, head
    head.close()
    clerk.close()


def types(app: App) -> list[str]:
    return [e.type for e in app.store.read_stream(stream_of("R1"))]


def _racing(monkeypatch: pytest.MonkeyPatch, apps: tuple[App, App], times: int) -> list[int]:
    """Before each of the clerk store's next ``times`` appends, the head extends R1 by one
    more working day: a step recorded after the notice read the request. The versions the
    head's steps left the stream at."""
    clerk, head = apps
    real: Callable[..., Any] = clerk.store.append
    left = iter(range(times))
    versions: list[int] = []

    def racing(*args: Any, **kwargs: Any) -> Any:
        if next(left, None) is not None:
            done = grant_extension(head.desk(), "R1", TODAY, 1, "王主任")
            versions.append(done.state.version)
        return real(*args, **kwargs)

    monkeypatch.setattr(clerk.store, "append", racing)
    return versions


def test_a_retried_notice_is_recorded_once(apps: tuple[App, App]) -> None:
    """The same command id twice: one notice-issued event, the same letter, and a note
    that it was already recorded; another id is another notice."""
    clerk, _head = apps
    first = issue_notice(clerk, EXTENSION, clerk.desk(command_id="notice-1"))
    again = issue_notice(clerk, EXTENSION, clerk.desk(command_id="notice-1"))
    assert types(clerk).count(NOTICE) == 1
    assert first.event is not None
    assert again.event is not None
    assert again.event.position == first.event.position
    assert again.text == first.text
    assert not first.note
    assert "notice-1 was already recorded" in again.note
    issue_notice(clerk, EXTENSION, clerk.desk(command_id="notice-2"))
    assert types(clerk).count(NOTICE) == 2


def test_a_retry_after_a_later_step_gives_the_letter_first_recorded(apps: tuple[App, App]) -> None:
    """A retry after the head extended R1 again: the letter as first recorded (5 days,
    word for word the hashed text), not one of the later extension; nothing new."""
    clerk, head = apps
    first = issue_notice(clerk, EXTENSION, clerk.desk(command_id="notice-1"))
    grant_extension(head.desk(), "R1", TODAY, 2, "王主任")
    size = len(types(clerk))
    again = issue_notice(clerk, EXTENSION, clerk.desk(command_id="notice-1"))
    assert again.text == first.text
    assert again.notice.facts["days"] == 5
    assert len(types(clerk)) == size


def test_a_retry_whose_letter_cannot_be_rebuilt_writes_nothing(apps: tuple[App, App]) -> None:
    """A retry after the applicant's name was erased: the letter first recorded named
    张三 and cannot be written again word for word, so the retry says so and gives no
    letter; nothing is recorded."""
    clerk, _head = apps
    issue_notice(clerk, EXTENSION, clerk.desk(command_id="notice-1"))
    erase_applicant(clerk.desk(), "R1", "consent withdrawn")
    size = len(types(clerk))
    with pytest.raises(RuleViolation, match=r"notice-1 was already recorded .*word for word"):
        issue_notice(clerk, EXTENSION, clerk.desk(command_id="notice-1"))
    assert len(types(clerk)) == size


def test_an_id_given_to_another_command_is_refused(apps: tuple[App, App]) -> None:
    """A command id a step was recorded under does not issue a notice: refused, nothing new."""
    clerk, _head = apps
    grant_extension(clerk.desk(command_id="step-1"), "R1", TODAY, 1, "王主任")
    size = len(types(clerk))
    with pytest.raises(InvalidInput, match="step-1 was given to another command"):
        issue_notice(clerk, EXTENSION, clerk.desk(command_id="step-1"))
    assert len(types(clerk)) == size


def test_a_step_recorded_meanwhile_rewrites_the_letter(
    apps: tuple[App, App], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The head extends R1 by 1 day between the clerk's read and append: the clerk's
    append is refused, the letter is written again from the new events (the 1-day
    extension) and recorded after the head's step, with the hash of that letter."""
    clerk, _head = apps
    versions = _racing(monkeypatch, apps, 1)
    issued = issue_notice(clerk, EXTENSION, clerk.desk(command_id="notice-1"))
    assert issued.notice.facts["days"] == 1
    assert issued.event is not None
    assert issued.event.version == versions[0] + 1
    assert issued.event.data["text_sha256"] == text_hash(issued.text)
    assert types(clerk).count(NOTICE) == 1


def test_a_request_that_keeps_changing_is_refused_naming_it(
    apps: tuple[App, App], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another desk records a step before every append: after RACE_RETRIES tries the
    clerk is told that R1 changed meanwhile and to write the notice again (exit status
    3); no notice is recorded, only the head's steps."""
    clerk, _head = apps
    before = len(types(clerk))
    versions = _racing(monkeypatch, apps, RACE_RETRIES)
    with pytest.raises(NoticeOutrun) as refused:
        issue_notice(clerk, EXTENSION, clerk.desk(command_id="notice-1"))
    assert refused.value.exit_code == 3
    assert "request R1 changed while its letter was being written" in refused.value.message
    assert "`ledger show R1`" in refused.value.message
    assert NOTICE not in types(clerk)
    assert len(types(clerk)) == before + len(versions) * 2  # each: extension + deadline
    assert len(versions) == RACE_RETRIES
