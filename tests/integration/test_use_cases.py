"""The use cases called from Python, without click: typed arguments in, data out.

The CLI, the scheduler and the demonstration call these same functions, so each is
exercised here on a real SQLite file through the app the composition root builds.
``make_app`` is the one place these tests build it: another store (in memory, or
PostgreSQL) can be swapped in there without touching a test.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from ledger.applicants import Applicant
from ledger.bootstrap import App, bootstrap, init_database
from ledger.commands.agencies import register_agency
from ledger.commands.applicants import erase_applicant, show_applicant
from ledger.commands.imports import import_file, import_lines
from ledger.commands.requests import RecordReceipt, issue_decision, record_receipt
from ledger.config import Config
from ledger.dates import FixedClock, SystemClock, clock_from_env
from ledger.errors import IntegrityFailure, InvalidInput, NotFound
from ledger.events.agencies import agency_stream
from ledger.events.requests import stream_of
from ledger.projections.annual import collect
from ledger.projections.calendar import due_from, year_schedule
from ledger.projections.log import event_record, read_log, verify_log
from ledger.projections.queries import (
    RequestFilter,
    current_alerts,
    list_requests,
    show_request,
)
from ledger.projections.reports import ReportQuery, check_report, render_report
from ledger.report.render import BINARY_FORMATS, FORMATS

TODAY = date(2021, 6, 30)
ALLOWED = "use 1–64 letters, digits, '.', '_' or '-'"


def make_app(folder: Path, today: date = TODAY) -> App:
    """The app on a fresh database in ``folder``, with "today" fixed and no config file."""
    return bootstrap(
        f"sqlite:///{folder / 'ledger.db'}",
        Config(backdate_days=3650),
        actor="clerk",
        clock=FixedClock(today),
    )


@pytest.fixture
def app(tmp_path: Path) -> Iterator[App]:
    """An empty ledger of its own for one test."""
    application = make_app(tmp_path)
    yield application
    application.close()


def receive(app: App, request_id: str, on: date, agency: str | None = None) -> None:
    """An in-person receipt from a natural person, recorded at the default desk."""
    command = RecordReceipt(on, "in-person", "natural", request_id, agency=agency)
    record_receipt(app.desk(), command)


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    """Five requests as of 2021-06-30: overdue, new, decided, another agency's, last year's."""
    application = make_app(tmp_path_factory.mktemp("office"))
    receive(application, "LATE", date(2021, 3, 1))  # due 2021-03-29, still open
    receive(application, "NEW", date(2021, 6, 28))
    receive(application, "DONE", date(2021, 3, 1))
    issue_decision(application.desk(), "DONE", date(2021, 3, 15), "disclosed")
    receive(application, "OTHER", date(2021, 6, 25), agency="wsj")
    receive(application, "OLD", date(2020, 12, 1))
    issue_decision(application.desk(), "OLD", date(2020, 12, 10), "partial")
    yield application
    application.close()


# --- the clock and the desk -----------------------------------------------------------------


def test_a_fixed_clock_is_today_for_the_app_and_its_desks(app: App) -> None:
    """The app's clock gives today to the app and to every desk it builds."""
    assert app.today() == TODAY
    assert app.desk().today == TODAY
    assert app.desk(today=date(2021, 1, 4)).today == date(2021, 1, 4)


def test_ledger_today_is_read_into_a_fixed_clock_and_otherwise_the_wall_clock() -> None:
    """LEDGER_TODAY pins the day; without it the clock is the wall clock; a bad one is refused."""
    assert clock_from_env({"LEDGER_TODAY": "2021-03-01"}) == FixedClock(date(2021, 3, 1))
    assert isinstance(clock_from_env({}), SystemClock)
    with pytest.raises(InvalidInput, match="LEDGER_TODAY: '2021-3-1' is not a date"):
        clock_from_env({"LEDGER_TODAY": "2021-3-1"})


def test_the_desk_takes_the_configured_agency_and_checks_a_given_one(app: App) -> None:
    """A desk's agency is the one given, else the configured one; a bad code is refused."""
    assert app.desk().agency == "default"
    desk = app.desk("jyj", amend=True, actor="王")
    assert (desk.agency, desk.amend, desk.actor) == ("jyj", True, "王")
    with pytest.raises(InvalidInput, match=f"--agency: 'a b/c' is not allowed; {ALLOWED}"):
        app.desk("a b/c")


def test_a_configured_agency_outside_the_id_rule_is_refused(tmp_path: Path) -> None:
    """A configuration whose agency could not name a stream gives no desk."""
    app = bootstrap(f"sqlite:///{tmp_path / 'c.db'}", Config(agency="教育 局"))
    try:
        with pytest.raises(InvalidInput, match=r"agency \(configuration\): '教育 局'"):
            app.desk()
    finally:
        app.close()


# --- agencies ------------------------------------------------------------------------------


def test_registering_an_agency_records_its_name_labels_and_level(app: App) -> None:
    """The agency's name, local labels and level are in the log, where reports find them."""
    official = "一、本年新收政府信息公开申请数量"
    done = register_agency(
        app.desk(), "zhjyj", "宁波市镇海区教育局", {official: "一、本年新收到"}, "government"
    )
    assert (done.code, done.name, done.level) == ("zhjyj", "宁波市镇海区教育局", "government")
    assert done.position == app.store.last_position()
    stored = app.store.read_stream(agency_stream("zhjyj"))[0]
    assert (stored.effective_date, stored.actor, stored.agency) == (TODAY, "clerk", "zhjyj")
    assert collect(app.store).agency_names["zhjyj"] == (
        "宁波市镇海区教育局",
        {official: "一、本年新收到"},
    )


@pytest.mark.parametrize(
    ("code", "name", "labels", "level", "needle"),
    [
        ("bad code/x", "某局", {}, "department", f"CODE: 'bad code/x' is not allowed; {ALLOWED}"),
        ("jyj", " ", {}, "department", "--name: the agency's name is empty"),
        ("jyj", "某局", {}, "province", "--level: 'province' is not allowed"),
        ("jyj", "某局", {"不是标签": "x"}, "department", "--label: '不是标签' is not an official"),
    ],
)
def test_registering_an_agency_refuses_bad_input_and_writes_nothing(
    app: App, code: str, name: str, labels: dict[str, str], level: str, needle: str
) -> None:
    """A bad code, an empty name, an unknown level or label: one message, nothing written."""
    with pytest.raises(InvalidInput) as refused:
        register_agency(app.desk(), code, name, labels, level)
    assert needle in refused.value.message
    assert app.store.last_position() == 0


def test_a_receipt_for_an_agency_code_outside_the_id_rule_is_refused(app: App) -> None:
    """The receipt use case itself refuses a bad agency code, whoever calls it."""
    command = RecordReceipt(date(2021, 3, 1), "in-person", "natural", "R-1", agency="a b/c")
    with pytest.raises(InvalidInput, match=f"--agency: 'a b/c' is not allowed; {ALLOWED}"):
        record_receipt(app.desk(), command)
    assert app.store.last_position() == 0


# --- import ----------------------------------------------------------------------------------


def _line(stream: str, request_id: str, on: str) -> str:
    data = {"request_id": request_id, "channel": "in-person", "applicant": "natural",
            "received_on": on, "submitted_on": on}  # fmt: skip
    item = {"stream": stream, "type": "request.received", "data": data, "effective_date": on}
    return json.dumps(item)


def test_an_import_appends_every_line_as_the_desk_records(app: App, tmp_path: Path) -> None:
    """Lines from another system are appended in order, with the desk's actor and agency."""
    lines = [
        _line(stream_of("X-1"), "X-1", "2019-06-03"),
        _line(stream_of("X-2"), "X-2", "2019-06-04"),
    ]
    file = tmp_path / "history.jsonl"
    file.write_text("\n".join(lines) + "\n\n", encoding="utf-8")
    result = import_file(app.desk("jyj"), file)
    assert (result.requests, result.years, result.events) == ({"X-1", "X-2"}, {2019}, 4)
    received = list(app.store.read_all(types=["request.received"]))
    assert [e.stream_id for e in received] == [stream_of("X-1"), stream_of("X-2")]
    assert {(e.actor, e.agency) for e in received} == {("clerk", "jyj")}
    assert [r.id for r in list_requests(app)] == ["X-1", "X-2"]


def test_an_import_with_one_bad_line_writes_nothing(app: App) -> None:
    """Every line is checked before anything is written; the refusal names the line."""
    lines = [_line(stream_of("X-1"), "X-1", "2019-06-03"), '{"stream": "x"}']
    with pytest.raises(
        InvalidInput, match=r"upload:2: needs the keys stream \(or stream_id\), type"
    ):
        import_lines(app.desk(), lines, "upload")
    assert app.store.last_position() == 0


# --- applicants ------------------------------------------------------------------------------


def test_an_applicant_is_shown_then_erased_once(app: App) -> None:
    """The personal data is shown through the request; erased, only the reference remains."""
    person = Applicant(name="张三", phone="13800000000")
    command = RecordReceipt(date(2021, 3, 1), "in-person", "natural", "P-1", person=person)
    record_receipt(app.desk(), command)
    shown = show_applicant(app.desk(), "P-1")
    assert (shown.name, shown.phone, shown.erased_at) == ("张三", "13800000000", None)
    first = erase_applicant(app.desk(), "P-1", "consent withdrawn")
    assert (first.ref, first.already) == (shown.ref, False)
    after = show_applicant(app.desk(), "P-1")
    assert (after.ref, after.name, after.phone) == (shown.ref, None, None)
    assert after.erased_at is not None
    assert erase_applicant(app.desk(), "P-1", "consent withdrawn").already is True
    assert verify_log(app.store).verified == app.store.last_position()


def test_an_erasure_is_recorded_once_with_its_basis_and_without_the_data(app: App) -> None:
    """Erasing records applicant.erased (who, when, basis, the reference) once; an empty basis is refused."""
    person = Applicant(name="张三", phone="13800000000")
    record_receipt(app.desk(), RecordReceipt(date(2021, 3, 1), "in-person", "natural", "P-1",
                                             person=person))  # fmt: skip
    with pytest.raises(InvalidInput, match="--basis"):
        erase_applicant(app.desk(), "P-1", "  ")
    assert show_applicant(app.desk(), "P-1").name == "张三"  # nothing done
    erased = erase_applicant(app.desk(), "P-1", "《个人信息保护法》第四十七条")
    erase_applicant(app.desk(), "P-1", "again")
    events = list(app.store.read_all(types=["applicant.erased"]))
    assert len(events) == 1
    assert events[0].data == {"applicant_ref": erased.ref, "basis": "《个人信息保护法》第四十七条"}
    assert events[0].actor == app.desk().actor
    assert "张三" not in str(events[0])
    assert "13800000000" not in str(events[0])


def test_a_request_without_applicant_data_has_no_applicant_to_show(app: App) -> None:
    """Asking for the applicant of a request recorded without personal data is NotFound."""
    receive(app, "Q-1", date(2021, 3, 1))
    with pytest.raises(NotFound, match="no applicant data"):
        show_applicant(app.desk(), "Q-1")
    with pytest.raises(NotFound, match="no such request"):
        erase_applicant(app.desk(), "NOPE", "consent withdrawn")


# --- list and show ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (RequestFilter(), {"LATE", "NEW", "DONE", "OTHER", "OLD"}),
        (RequestFilter(only_open=True), {"LATE", "NEW", "OTHER"}),
        (RequestFilter(overdue=True), {"LATE"}),
        (RequestFilter(due_within=5), {"LATE"}),
        (RequestFilter(due_within=30), {"LATE", "NEW", "OTHER"}),
        (RequestFilter(received_in=2020), {"OLD"}),
        (RequestFilter(agency="wsj"), {"OTHER"}),
        (RequestFilter(only_open=True, agency="default"), {"LATE", "NEW"}),
    ],
)
def test_each_list_filter_keeps_only_its_requests(
    office: App, filters: RequestFilter, expected: set[str]
) -> None:
    """Each filter of ``ledger list`` is a field of RequestFilter; all given must hold."""
    assert {r.id for r in list_requests(office, filters)} == expected


def test_the_list_is_open_first_then_by_due_date(office: App) -> None:
    """Open requests come first, most urgent first; closed ones after, by due date."""
    rows = list_requests(office)
    assert [r.id for r in rows] == ["LATE", "OTHER", "NEW", "OLD", "DONE"]
    late = rows[0]
    assert (late.status, late.overdue, late.due_date) == ("open", True, date(2021, 3, 29))
    assert late.as_dict()["due_date"] == "2021-03-29"


def test_the_list_is_judged_as_of_the_day_asked(office: App) -> None:
    """As of a day before LATE's due date, it is not overdue."""
    early = list_requests(office, RequestFilter(overdue=True), as_of=date(2021, 3, 10))
    assert [r.id for r in early] == []


def test_show_returns_the_request_its_timeline_and_how_it_was_counted(office: App) -> None:
    """One request: its row, its events oldest first and, when asked, the counted days."""
    shown = show_request(office, "DONE", explain=True)
    assert (shown.row.outcome, shown.row.decided_on) == ("disclosed", date(2021, 3, 15))
    assert [e["type"] for e in shown.events][:1] == ["request.received"]
    assert "request.decision-issued" in [e["type"] for e in shown.events]
    assert shown.flags == []
    assert shown.explain
    assert shown.as_dict(with_explain=True)["explain"] == shown.explain
    assert "explain" not in shown.as_dict()
    assert show_request(office, "DONE").explain == []
    with pytest.raises(NotFound, match="request NOPE: no such request"):
        show_request(office, "NOPE")


def test_alerts_are_as_of_the_apps_today_unless_asked(office: App) -> None:
    """Without as_of the alerts are judged on the clock's day, LATE among them."""
    found = current_alerts(office)
    assert found.as_of == TODAY
    assert "LATE" in {a.request for a in found.alerts}
    assert current_alerts(office, agency="wsj").alerts == [
        a for a in found.alerts if a.agency == "wsj"
    ]


# --- the annual report -----------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_report_renders_in_every_registered_format(office: App, fmt: str) -> None:
    """Each format of the renderer registry renders the year: bytes or text as registered."""
    out = render_report(office, ReportQuery(2021), fmt).content
    assert isinstance(out, bytes) == (fmt in BINARY_FORMATS)
    assert len(out) > 100


def test_the_report_check_passes_and_an_unknown_agency_is_refused(office: App) -> None:
    """The tables reconcile; an agency with nothing in the log is refused, listing the known."""
    assert check_report(office, ReportQuery(2021)).startswith(
        "report 2021 (default, wsj): tables reconcile"
    )
    with pytest.raises(InvalidInput, match="'nobody' has nothing in the log; agencies: default"):
        render_report(office, ReportQuery(2021, ("nobody",)), "text")


def test_a_report_from_json_counts_the_years_requests(office: App) -> None:
    """The JSON edition of 2021 is the 2021 format, issued by the one agency asked for."""
    data = json.loads(render_report(office, ReportQuery(2021, ("wsj",)), "json").content)
    assert data["year"] == 2021
    assert data["agency"] == "wsj"


# --- the log, the schema and the calendar ----------------------------------------------------


def test_the_log_is_read_by_stream_and_position_and_verified(office: App) -> None:
    """The log reads in global order, per stream or after a position; the chain is intact."""
    every = list(read_log(office.store))
    assert [e.position for e in every] == list(range(1, len(every) + 1))
    assert {e.stream_id for e in read_log(office.store, stream_of("OLD"))} == {stream_of("OLD")}
    assert [e.position for e in read_log(office.store, since=3)][:1] == [4]
    assert event_record(every[0])["effective_date"] == "2021-03-01"
    checked = verify_log(office.store)
    assert checked.verified == len(every)
    assert checked.deadline_problem() is None


def test_verification_fails_at_the_first_event_that_does_not_match(tmp_path: Path) -> None:
    """A row changed behind ledger's back breaks the chain at its position."""
    app = make_app(tmp_path)
    receive(app, "R-1", date(2021, 3, 1))
    with app.engine.begin() as conn:
        conn.exec_driver_sql("DROP TRIGGER IF EXISTS events_no_update")
        conn.exec_driver_sql("UPDATE events SET actor = 'mallory' WHERE position = 1")
    with pytest.raises(IntegrityFailure, match="position 1"):
        verify_log(app.store)
    app.close()


def test_init_creates_the_schema_then_leaves_it(tmp_path: Path) -> None:
    """A new database gets the schema; a second run changes nothing."""
    url = f"sqlite:///{tmp_path / 'new.db'}"
    first = init_database(url)
    assert first.before is None
    assert first.changed
    again = init_database(url)
    assert not again.changed
    assert again.after == first.after


def test_the_calendar_answers_a_due_date_and_a_years_schedule(app: App) -> None:
    """20 working days from 2020-01-21 is 2020-02-26 (Spring Festival); 2020's schedule is
    the package's; a year without one has none."""
    answer = due_from(app.store, date(2020, 1, 21), explain=True)
    assert (answer.days, answer.due, answer.unscheduled) == (20, date(2020, 2, 26), ())
    assert answer.explain
    with pytest.raises(InvalidInput, match="--days: 99 is not allowed; 1 to 40"):
        due_from(app.store, date(2020, 1, 21), 99)
    assert year_schedule(app.store, 2020).source == "chinesecalendar package"
    assert year_schedule(app.store, 2090).schedule is None
