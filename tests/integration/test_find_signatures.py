"""``ledger find`` through the subjects' keyed signatures (``ledger.search``): the requests it
finds are exactly those found by opening every subject, on SQLite and PostgreSQL; an
erasure zeroes the signature; a correction, a rebuild and ``ledger init`` keep them true."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.bootstrap import App, bootstrap, init_database
from ledger.commands import corrections as fix
from ledger.commands.applicants import erase_texts
from ledger.commands.requests import RecordReceipt, issue_decision, record_receipt
from ledger.config import Config
from ledger.dates import FixedClock
from ledger.events.requests import ReceiptCorrected, stream_of
from ledger.events.store import ANY, NewEvent
from ledger.projections.queries import _subjects_containing, find_requests
from ledger.projections.tables import SqlViewTable, current_table, rebuild_projections
from ledger.search import SIGNATURE_COLUMNS

LETTERS = "学区划分方案校车路线公开信息政府aAbBcCxXİ"
SUBJECTS = st.text(alphabet=LETTERS, min_size=1, max_size=24)
NUMBER = itertools.count(1)


@pytest.fixture
def app(db_url: str) -> Iterator[App]:
    application = bootstrap(
        db_url, Config(backdate_days=3650), actor="clerk", clock=FixedClock(date(2021, 6, 30))
    )
    yield application
    application.close()


def record(app: App, subject: str, rid: str | None = None) -> str:
    """A new request with this subject; its id."""
    rid = rid or f"S-{next(NUMBER)}"
    cmd = RecordReceipt(date(2021, 6, 1), "in-person", "natural", rid, subject=subject)
    record_receipt(app.desk(), cmd)
    return rid


def table_of(app: App) -> SqlViewTable:
    table = current_table(app.store)
    assert isinstance(table, SqlViewTable)
    return table


def by_signatures(app: App, wanted: str) -> set[str]:
    table = table_of(app)
    return _subjects_containing(app, wanted, table.subjects(wanted=wanted))


def by_opening_all(app: App, wanted: str) -> set[str]:
    return _subjects_containing(app, wanted, table_of(app).subjects())


def signatures(app: App, rid: str) -> tuple[int | None, ...]:
    columns = ", ".join(SIGNATURE_COLUMNS)
    rows = app.store.db.fetch(f"SELECT {columns} FROM request_view WHERE request_id = ?", (rid,))  # type: ignore[attr-defined]
    return tuple(rows[0])


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    subjects=st.lists(SUBJECTS, min_size=1, max_size=4),
    picks=st.lists(st.tuples(st.integers(0, 3), st.integers(0, 24), st.integers(1, 4)), max_size=4),
    others=st.lists(SUBJECTS, max_size=3),
)
def test_signatures_find_exactly_what_opening_every_subject_finds(
    app: App, subjects: list[str], picks: list[tuple[int, int, int]], others: list[str]
) -> None:
    """Random subjects (Chinese and Latin letters, both cases) and words (parts of them in
    any case, and random ones): the rows the signatures let through, once opened, match
    exactly as opening every subject does."""
    for subject in subjects:
        record(app, subject)
    words = [s[start : start + size] for i, start, size in picks if (s := subjects[i % len(subjects)])]
    words += [w.upper() for w in words] + others
    for word in words:
        wanted = word.strip().lower()
        if wanted:
            assert by_signatures(app, wanted) == by_opening_all(app, wanted), word


def test_every_row_written_has_its_signature_and_few_are_opened(app: App) -> None:
    """A receipt writes its subject's signature with its row (no NULL left), and a word in
    no subject sends (almost) no row to be opened."""
    for rid, subject in (("A", "2020年学区划分方案"), ("B", "校车路线"), ("C", "School bus routes")):
        record(app, subject, rid)
    assert app.store.db.scalar("SELECT count(*) FROM request_view WHERE sig0 IS NULL") == 0  # type: ignore[attr-defined]
    sent = [rid for page in table_of(app).subjects(wanted="学区") for rid, _subject in page]
    assert sent == ["A"]  # another row: a false match, about one in a billion here
    assert by_signatures(app, "bus") == {"C"}
    assert by_signatures(app, "公开") == set()


def test_an_erased_subject_is_not_found_and_its_signature_is_zeros(app: App) -> None:
    """Erasing a request's texts zeroes its signature in the same transaction; the word is
    found no more, by the signatures nor by opening; other requests are untouched."""
    gone = record(app, "校车路线 张三")
    kept = record(app, "校车时刻表")
    erase_texts(app.desk(), gone, "申请人要求")
    assert signatures(app, gone) == (0,) * 8
    assert None not in signatures(app, kept)
    assert signatures(app, kept) != (0,) * 8
    assert by_signatures(app, "张三") == by_opening_all(app, "张三") == set()
    assert [f.row.id for f in find_requests(app, "校车", personal=False)] == [kept]
    rebuild_projections(app.store)  # a rebuild signs it again from the opened text: none
    assert signatures(app, gone) == (0,) * 8


def test_a_corrected_subject_is_signed_anew(app: App) -> None:
    """A correction of the subject writes the new text's signature: the new word is found,
    the old one is not."""
    rid = record(app, "学区划分")
    fix.correct(app.desk(), fix.Correction(rid, "typo", subject="校车路线"))
    assert by_signatures(app, "校车") == {rid}
    assert by_signatures(app, "学区") == set()


def test_steps_keep_the_signature_and_a_subject_changed_back_is_found(app: App) -> None:
    """A step after the receipt (its text not at hand) keeps the row's signature; a
    correction naming a text the request already has (its mark, not a new text) leaves the
    row to be opened or signs it anew, never keeping the other subject's signature."""
    rid = record(app, "学区划分")
    first = table_of(app).get(rid)
    assert first is not None
    before = signatures(app, rid)
    issue_decision(app.desk(), rid, date(2021, 6, 10), "disclosed")
    assert signatures(app, rid) == before
    fix.correct(app.desk(), fix.Correction(rid, "typo", subject="校车路线"))
    assert by_signatures(app, "学区") == set()
    back = ReceiptCorrected(reason="the first subject was right", subject=first.subject)
    app.store.append(
        stream_of(rid), [NewEvent(back, date(2021, 6, 12))],
        expected_version=ANY, actor="clerk", agency="default",
    )  # fmt: skip
    for word in ("学区", "校车"):
        assert by_signatures(app, word) == by_opening_all(app, word), word
    assert by_signatures(app, "学区") == {rid}


def unsign_all(app: App) -> None:
    """Every row without a signature, as migration 0009 leaves the rows it finds."""
    nulls = ", ".join(f"{c} = NULL" for c in SIGNATURE_COLUMNS)
    with app.store.db.writing(exclusive=False) as conn:  # type: ignore[attr-defined]
        conn.execute(f"UPDATE request_view SET {nulls}")


def test_init_and_rebuild_fill_the_signatures_a_row_lacks(app: App, db_url: str) -> None:
    """Rows without a signature (books upgraded to 0009) are still found, opened one by one;
    ``ledger init`` signs them (and says how many), and so does a rebuild."""
    rid = record(app, "政府信息公开")
    erased = record(app, "学区划分")
    erase_texts(app.desk(), erased, "申请人要求")
    unsign_all(app)
    assert by_signatures(app, "公开") == {rid}
    assert init_database(db_url).signed == 2
    assert init_database(db_url).signed == 0
    assert None not in signatures(app, rid)
    assert signatures(app, erased) == (0,) * 8
    assert by_signatures(app, "公开") == {rid}
    unsign_all(app)
    rebuild_projections(app.store)
    assert None not in signatures(app, rid)
    assert by_signatures(app, "公开") == {rid}
    assert by_signatures(app, "学区") == set()


def test_a_bulk_catch_up_signs_the_rows_it_wrote(app: App) -> None:
    """A projection that catches up more than ``ANALYZE_AFTER`` events (books restored
    under it) signs the rows it wrote from subjects it had to open."""
    from ledger.events.store import ANALYZE_AFTER
    from ledger.projections.tables import REQUESTS, request_projection

    rids = [record(app, f"第{i}号宅基地审批") for i in range(ANALYZE_AFTER // 2 + 1)]
    projection = request_projection(app.store)
    assert projection is not None
    with projection.table.transaction():
        projection.table.clear()
        projection.table.set_checkpoint(REQUESTS, 0)
    projection.catch_up(app.store)
    assert app.store.db.scalar("SELECT count(*) FROM request_view WHERE sig0 IS NULL") == 0  # type: ignore[attr-defined]
    assert by_signatures(app, "第7号") == by_opening_all(app, "第7号") == {rids[7]}
