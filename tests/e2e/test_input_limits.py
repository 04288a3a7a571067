"""Values no one can mean are refused at every door: one line naming the field and what is
allowed, a non-zero exit, and the log unchanged (on SQLite and on PostgreSQL alike).

Dates before 2008-05-01 or after today, days set too far ahead, a fact dated more than
30 days back without ``--backdated``, numbers in other scripts or out of range, control
characters, escape sequences, bytes that are not UTF-8, empty names and overlong text.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from ledger.bootstrap import bootstrap
from ledger.commands.requests import RecordReceipt, record_receipt
from ledger.config import Config
from ledger.dates import FixedClock
from ledger.projections.queries import RequestFilter, list_requests, show_request
from ledger.projections.reports import ReportQuery, annual_report
from tests.e2e.cli_runner import LedgerCli, history_config

TODAY = "2021-06-30"


def receive(request_id: str, on: str, extra: str = "") -> str:
    """The command line of an in-person receipt from a natural person."""
    return (
        f"record receive {request_id} --date {on} --channel in-person --applicant natural {extra}"
    )


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> LedgerCli:
    """A desk with the default backdating window (30 days) and one open request, OPEN."""
    folder = tmp_path_factory.mktemp("limits")
    history_config(folder, backdate_days=30)
    cli = LedgerCli(folder / "desk.db", TODAY)
    cli.ok(receive("OPEN", "2021-06-21"))
    return cli


def refused(desk: LedgerCli, *args: str, today: str | None = None) -> str:
    """Run a command that must be refused: one line, non-zero, the log as it was."""
    before = desk.snapshot()
    line = desk(*args, today=today).refusal()
    assert desk.snapshot() == before
    return line


@pytest.mark.parametrize(
    ("line", "needle"),
    [
        (receive("R-1", "2007-12-31", "--backdated 旧档"), "--date: 2007-12-31 is before 2008-05-01"),
        (receive("R-1", "1900-01-01", "--backdated 旧档"), "--date: 1900-01-01 is before 2008-05-01"),
        (receive("R-1", "0001-01-01", "--backdated 旧档"), "--date: 0001-01-01 is before"),
        (receive("R-1", "2021-07-01"), "--date: 2021-07-01 is after today (2021-06-30)"),
        (receive("R-1", "2021-05-01"), "--date: 2021-05-01 is more than 30 days before today"),
        (receive("R-1", "2015-06-28"), "say why with --backdated REASON"),
        ("record decide OPEN --date 2021-05-20 --outcome disclosed", "--backdated REASON"),
        ("record defer OPEN --date 2021-06-29 --until 9999-12-31 --reason 大量", "--until: 9999-12-31 is more than 3 years ahead"),
        ("record clarify OPEN --date 2021-06-29 --reply-by 2031-01-01", "--reply-by: 2031-01-01 is more than 3 years ahead"),
        ("record consult OPEN --date 2021-06-29 --party 某公司 --received 2021-07-02", "--received: 2021-07-02 is after today"),
    ],
)  # fmt: skip
def test_a_date_no_one_can_mean_is_refused(desk: LedgerCli, line: str, needle: str) -> None:
    """Facts before 2008-05-01 or after today, late facts without a reason, and dates set
    more than three years ahead are refused in one line naming the option."""
    assert needle in refused(desk, line)


@pytest.mark.parametrize("today", ["9999-12-31", "1999-01-01"])
def test_a_pinned_today_outside_the_calendar_is_refused(desk: LedgerCli, today: str) -> None:
    """LEDGER_TODAY must be a day from 2008-05-01 to 2099-12-31; else one line, no traceback."""
    line = refused(desk, "list", today=today)
    assert line == (
        f"ledger: LEDGER_TODAY: {today} is not allowed; use a date from 2008-05-01 to 2099-12-31"
    )


def test_a_late_fact_with_a_reason_is_recorded_and_kept(tmp_path: Path) -> None:
    """With --backdated the late receipt is recorded, its reason kept in the event and
    shown beside the entry, which is marked as recorded late."""
    history_config(tmp_path, backdate_days=30)
    cli = LedgerCli(tmp_path / "desk.db", TODAY)
    cli.ok(receive("LATE", "2021-03-01", "--backdated 纸质档案补录"))
    assert re.search(r"\[recorded \d+ days after its date: 纸质档案补录\]", cli("show", "LATE").out)
    events = cli("show", "LATE", "--format", "json").json()["events"]
    assert events[0]["data"]["backdated"] == "纸质档案补录"


def test_show_list_and_statistics_mark_what_was_recorded_late(tmp_path: Path) -> None:
    """Recorded on 2021-06-30 (Asia/Shanghai), a receipt dated 2021-03-01 is marked late in
    show, list and the processing statistics; one dated 2021-06-28 is not."""
    recorded = datetime(2021, 6, 30, 2, 0)  # naive UTC: 10:00 in Shanghai
    config = Config(backdate_days=30)
    url = f"sqlite:///{tmp_path / 'desk.db'}"
    app = bootstrap(
        url, config, actor="clerk", now=lambda: recorded, clock=FixedClock(date(2021, 6, 30))
    )
    try:
        record_receipt(
            app.desk(backdated="纸质档案补录"),
            RecordReceipt(date(2021, 3, 1), "in-person", "natural", "LATE"),
        )
        record_receipt(
            app.desk(), RecordReceipt(date(2021, 6, 28), "in-person", "natural", "ONTIME")
        )
        late = show_request(app, "LATE").as_dict()["events"][0]
        timely = show_request(app, "ONTIME").as_dict()["events"][0]
        assert (late["days_late"], timely["days_late"]) == (121, None)
        rows = {r.id: r.recorded_late for r in list_requests(app, RequestFilter())}
        assert rows == {"LATE": True, "ONTIME": False}
        stats = annual_report(app, ReportQuery(2021)).stats
        assert stats is not None
        assert stats.recorded_late == 1
    finally:
        app.close()


def _stat(data: object, key: str) -> object:
    """The first value under ``key`` anywhere in a JSON document."""
    if isinstance(data, dict):
        if key in data:
            return data[key]
        found = [_stat(v, key) for v in data.values()]
    elif isinstance(data, list):
        found = [_stat(v, key) for v in data]
    else:
        return None
    return next((f for f in found if f is not None), None)


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("record", "extend", "OPEN", "--date", "2021-06-29", "--days", "٣", "--approver", "王"), "--days: '٣' is not a whole number; use digits 0–9 from 1 to 366"),
        (("record", "extend", "OPEN", "--date", "2021-06-29", "--days", "0", "--approver", "王"), "--days: 0 is not allowed; use a number from 1 to 366"),
        (("record", "extend", "OPEN", "--date", "2021-06-29", "--days", "99999999999999", "--approver", "王"), "--days: 99999999999999 is not allowed"),
        (("record", "extend", "OPEN", "--date", "2021-06-29", "--days", "3", "--approver", ""), "--approver: is empty"),
        (("record", "extend", "OPEN", "--date", "2021-06-29", "--days", "3", "--approver", "王\x1b[31m"), "--approver: contains the control character U+001B"),
        (("record", "consult", "OPEN", "--date", "2021-06-29", "--party", "某\x00公司"), "--party: contains the control character U+0000"),
        (("record", "consult", "OPEN", "--date", "2021-06-29", "--party", "某" * 101), "--party: is 101 characters long; at most 100 allowed"),
        (("record", "defer", "OPEN", "--date", "2021-06-29", "--until", "2021-12-31", "--reason", "一\n二"), "--reason: contains the control character U+000A"),
        (("record", "receive", "R-2", "--date", "2021-06-29", "--channel", "in-person", "--applicant", "natural", "--subject", "x" * 501), "--subject: is 501 characters long; at most 500 allowed"),
        (("record", "receive", "R-2", "--date", "2021-06-29", "--channel", "in-person", "--applicant", "natural", "--subject", "\udcff\udcfe"), "--subject: contains bytes that are not UTF-8"),
        (("record", "receive", "R-2", "--date", "2021-06-29", "--channel", "in-person", "--applicant", "natural", "--actor", ""), "--actor: is empty"),
        (("record", "receive", "R-2", "--date", "2021-06-29", "--channel", "in-person", "--applicant", "natural", "--backdated", "\x07"), "--backdated: contains the control character U+0007"),
        (("agency", "add", "zj", "--name", "局" * 101), "--name: is 101 characters long; at most 100 allowed"),
        (("list", "--due-within", "٣"), "--due-within: '٣' is not a whole number"),
        (("report", "99999"), "YEAR: 99999 is not allowed; use a number from 2008 to 2099"),
        (("close-year", "1999"), "YEAR: 1999 is not allowed"),
    ],
)  # fmt: skip
def test_a_bad_value_is_refused_naming_the_field(
    desk: LedgerCli, args: tuple[str, ...], needle: str
) -> None:
    """Numbers in other scripts or out of range, control characters, escape sequences,
    bytes that are not UTF-8, empty names and overlong text: one line naming the field."""
    assert needle in refused(desk, *args)


def test_bytes_that_are_not_utf8_on_the_command_line_are_refused(desk: LedgerCli) -> None:
    """A real process given raw bytes 0xFF 0xFE as --subject refuses them in one line."""
    before = desk.snapshot()
    ran = desk.process(
        "record", "receive", "R-3", "--date", "2021-06-29", "--channel", "in-person",
        "--applicant", "natural", "--subject", "\udcff\udcfe",
    )  # fmt: skip
    assert "--subject: contains bytes that are not UTF-8" in ran.refusal()
    assert desk.snapshot() == before


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("option", "value", "needle"),
    [
        ("--party", "某\x00公司", "--party: contains the control character U+0000"),
        ("--party", "某" * 101, "--party: is 101 characters long; at most 100 allowed"),
    ],
)
def test_postgresql_refuses_what_sqlite_refuses(
    pg_url: str, tmp_path: Path, option: str, value: str, needle: str
) -> None:
    """On PostgreSQL a NUL byte or an overlong name gets the same one-line refusal as on
    SQLite, not "database unavailable", and nothing is written."""
    cli = LedgerCli(tmp_path / "unused.db", TODAY, init=False)
    assert cli("--db", pg_url, "init").code == 0
    cli.ok("--db", pg_url, *receive("PG-1", "2021-06-21").split())
    engine = sa.create_engine(pg_url)
    try:
        count = "SELECT count(*) FROM events"
        with engine.connect() as conn:
            before = conn.exec_driver_sql(count).scalar()
        args = ("--db", pg_url, "record", "consult", "PG-1", "--date", "2021-06-29")
        line = cli(*args, option, value).refusal()
        with engine.connect() as conn:
            after = conn.exec_driver_sql(count).scalar()
    finally:
        engine.dispose()
    assert needle in line
    assert after == before


def test_the_payload_refuses_the_same_text_below_the_cli() -> None:
    """An event built by any door (an import, a script) checks its text the same way."""
    from ledger.errors import InvalidInput
    from ledger.events.requests import ConsultationStarted

    with pytest.raises(
        InvalidInput, match=re.escape("party: contains the control character U+0000")
    ):
        ConsultationStarted(party="a\x00b")
