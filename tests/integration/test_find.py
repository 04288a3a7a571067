"""`find_requests`: a request found by id, subject and, for users allowed, its applicant's data."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from ledger.applicants import Applicant
from ledger.bootstrap import App, bootstrap
from ledger.commands.applicants import erase_applicant
from ledger.commands.requests import RecordReceipt, record_receipt
from ledger.config import Config
from ledger.dates import FixedClock
from ledger.errors import InvalidInput
from ledger.projections.queries import find_requests

ZHANG = Applicant(name="张三", id_number="330211198801012345", phone="138 1234-5678")
SMITH = Applicant(name="John Smith", phone="021-5555 0101", email="js@example.org")


@pytest.fixture
def app(db_url: str) -> Iterator[App]:
    """Three requests on SQLite or PostgreSQL: two by 张三, one by John Smith."""
    application = bootstrap(db_url, Config(backdate_days=3650), actor="clerk", clock=FixedClock(date(2021, 6, 30)))
    desk = application.desk()
    for rid, day, subject, who in (
        ("R-1", date(2021, 3, 1), "2020年学区划分方案", ZHANG),
        ("R-2", date(2021, 6, 1), "校车路线", ZHANG),
        ("R-3", date(2021, 6, 2), "School bus routes", SMITH),
    ):
        cmd = RecordReceipt(day, "in-person", "natural", rid, subject=subject, person=who)
        record_receipt(desk, cmd)
    yield application
    application.close()


def ids(app: App, text: str, personal: bool = True) -> list[str]:
    return [f.row.id for f in find_requests(app, text, personal=personal)]


def test_find_by_id_and_subject_for_everyone(app: App) -> None:
    """Part of an id or a subject finds the request, Latin letters in any case, without --personal."""
    assert ids(app, "r-2", personal=False) == ["R-2"]
    assert ids(app, "学区", personal=False) == ["R-1"]
    assert ids(app, "BUS", personal=False) == ["R-3"]
    found = find_requests(app, "学区", personal=False)[0]
    assert found.matched == ("subject",)
    assert found.row.subject == "2020年学区划分方案"


def test_find_by_name_phone_and_id_suffix_only_when_personal(app: App) -> None:
    """Name, phone digits (spaces and dashes ignored) and id-number suffix find all the
    applicant's requests, and only for a user allowed to see personal data."""
    for text in ("张三", "13812345678", "138-1234 5678", "2345", "012345"):
        assert sorted(ids(app, text)) == ["R-1", "R-2"], text
        assert ids(app, text, personal=False) == [], text
    assert ids(app, "smith") == ids(app, "55550101") == ["R-3"]
    assert find_requests(app, "张三", personal=True)[0].matched == ("applicant",)


def test_nothing_personal_is_found_after_erasure(app: App) -> None:
    """After `applicant erase`, the name, phone and id suffix find nothing, and neither does the
    subject of the applicant's request: it was erased with them (docs/reliability.md)."""
    erase_applicant(app.desk(), "R-1", "consent withdrawn")
    for text in ("张三", "13812345678", "2345", "学区"):
        assert ids(app, text) == [], text
    assert ids(app, "R-1") == ["R-1"]
    assert ids(app, "smith") == ["R-3"]
    assert ids(app, "erased") == []  # the placeholder a reader shows is not the subject


def test_wildcards_are_plain_characters(app: App) -> None:
    """SQL's wildcards in the text are matched as themselves: they find nothing here."""
    for text in ("%", "_", "R_1", "!"):
        assert ids(app, text) == [], text


def test_empty_text_is_refused(app: App) -> None:
    """An empty search text is refused in one line naming TEXT, not answered with everything."""
    with pytest.raises(InvalidInput, match="find: TEXT is empty"):
        find_requests(app, "  ", personal=True)
