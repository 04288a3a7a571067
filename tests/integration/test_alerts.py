"""`ledger alerts --as-of` over histories recorded through the desk handlers on SQLite."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from wcwidth import wcswidth

from ledger.bootstrap import App, bootstrap
from ledger.cli import cli
from ledger.commands.years import close_year
from ledger.events.annual import NarrativeRecorded, annual_stream
from ledger.events.store import ANY, NewEvent
from tests.alert_history import consult, desk, june_2024, receive


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A private SQLite file, and no user configuration in the way."""
    monkeypatch.delenv("LEDGER_CONFIG", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    return f"sqlite:///{tmp_path / 'alerts.db'}"


@pytest.fixture
def app(db: str) -> Iterator[App]:
    application = bootstrap(db)
    yield application
    application.close()


def alerts(db: str, *args: str) -> list[dict[str, Any]]:
    """Run ``ledger alerts --format json`` and decode the list."""
    result = CliRunner().invoke(cli, ["--db", db, "alerts", "--format", "json", *args])
    assert result.exit_code == 0, result.output
    decoded: list[dict[str, Any]] = json.loads(result.stdout)
    return decoded


def brief(found: list[dict[str, Any]]) -> list[tuple[int, str, str | None, str]]:
    return [(a["working_days"], a["kind"], a["request"], a["date"]) for a in found]


def test_every_condition_listed_most_urgent_first(app: App, db: str) -> None:
    """As of 2024-06-14 the alerts are exactly the history's conditions, most overdue first, ties by kind."""
    june_2024(app)
    found = alerts(db, "--as-of", "2024-06-14")
    assert brief(found) == [
        (-31, "overdue", "late-big", "2024-04-29"),
        (-25, "fee-unpaid", "fee", "2024-05-10"),
        (-18, "no-clarification", "reply", "2024-05-20"),
        (-13, "overdue", "late", "2024-05-27"),
        (-13, "consultation-expired", "consult", "2024-05-27"),
        (-9, "overdue", "decided-later", "2024-05-31"),
        (0, "due-soon", "today", "2024-06-14"),
        (1, "due-soon", "soon", "2024-06-17"),
        (2, "clarification-notice", "notice", "2024-06-18"),
    ]
    assert all(
        set(a) == {"kind", "request", "agency", "date", "working_days", "message"} for a in found
    )
    assert {a["agency"] for a in found} == {"default"}
    assert found[0]["message"] == (
        "request late-big was due 2024-04-29 and is undecided (31 working days late): "
        "issue the decision now (ledger record decide late-big)"
    )
    assert (
        found[6]["message"]
        == "request today is due today (2024-06-14): decide or extend it (Art. 33)"
    )


def test_within_sets_how_far_ahead_to_warn(app: App, db: str) -> None:
    """--within 0 keeps only what is due today among the warnings ahead; a wider window reaches further due dates."""
    june_2024(app)
    narrow = alerts(db, "--as-of", "2024-06-14", "--within", "0")
    assert [a["request"] for a in narrow if a["working_days"] >= 0] == ["today"]
    wide = alerts(db, "--as-of", "2024-06-14", "--within", "6")
    assert brief(wide)[-4:] == [
        (0, "due-soon", "today", "2024-06-14"),
        (1, "due-soon", "soon", "2024-06-17"),
        (2, "clarification-notice", "notice", "2024-06-18"),
        (6, "due-soon", "consult", "2024-06-24"),
    ]
    widest = alerts(db, "--as-of", "2024-06-14", "--within", "17")
    assert brief(widest)[-1] == (17, "due-soon", "far", "2024-07-09")


def test_facts_after_the_as_of_day_do_not_count(app: App, db: str) -> None:
    """A decision recorded for a later day leaves the request overdue as of the earlier day, and clears it after."""
    june_2024(app)
    before = alerts(db, "--as-of", "2024-06-19")
    after = alerts(db, "--as-of", "2024-06-20")
    assert "decided-later" in [a["request"] for a in before]
    assert "decided-later" not in [a["request"] for a in after]


ORDER = ["late-big", "fee", "reply", "late", "consult", "decided-later", "today", "soon", "notice"]


def test_text_format_is_a_table_in_the_same_order(app: App, db: str) -> None:
    """On a wide terminal the text form lists one alert per line under a header, in the JSON order."""
    june_2024(app)
    args = ["--db", db, "alerts", "--as-of", "2024-06-14"]
    result = CliRunner().invoke(cli, args, env={"COLUMNS": "400"})
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["days", "kind", "request", "agency", "date", "message"]
    assert [line.split()[2] for line in lines[1:]] == ORDER
    assert lines[1].split()[:2] == ["-31", "overdue"]


def test_narrow_text_wraps_each_message_under_its_alert(app: App, db: str) -> None:
    """On an 80-column terminal each alert's line is followed by its whole message, wrapped and
    indented, in the JSON order, and no line is wider than 80 columns."""
    june_2024(app)
    args = ["--db", db, "alerts", "--as-of", "2024-06-14"]
    result = CliRunner().invoke(cli, args, env={"COLUMNS": "80"})
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["days", "kind", "request", "agency", "date"]
    facts = [line for line in lines[1:] if not line.startswith("      ")]
    assert [line.split()[2] for line in facts] == ORDER
    assert max(wcswidth(line) for line in lines) <= 80
    messages = " ".join(line.strip() for line in lines if line.startswith("      "))
    for alert in alerts(db, "--as-of", "2024-06-14"):
        assert alert["message"] in messages


def test_no_alerts_says_so(app: App, db: str) -> None:
    """An empty log has nothing to act on, and says so in one line."""
    result = CliRunner().invoke(cli, ["--db", db, "alerts", "--as-of", "2024-06-14"])
    assert result.stdout == "no alerts as of 2024-06-14\n"


def test_alerts_on_books_that_do_not_exist_are_refused(tmp_path: Path) -> None:
    """A mistyped --db is not an empty set of books with "no alerts": it is refused, nothing made."""
    where = tmp_path / "no-such-folder" / "ledger.db"
    result = CliRunner().invoke(cli, ["--db", str(where), "alerts"])
    assert result.exit_code != 0
    assert f"no ledger books at {where}; `ledger init --db {where}` creates them" in str(
        result.exception
    )
    assert not where.parent.exists()


def test_year_close_and_annual_report_until_done(app: App, db: str) -> None:
    """After 1 January the ended year must be closed and its report published by 31 January; doing both clears them."""
    receive(app, "dec", date(2024, 12, 20))
    found = alerts(db, "--as-of", "2025-01-03")
    assert brief(found) == [
        (-2, "year-not-closed", None, "2024-12-31"),
        (17, "annual-report", None, "2025-01-31"),
    ]
    assert found[0]["message"] == (
        "year 2024 of default has ended and is not closed: "
        "run ledger close-year 2024 --agency default to carry over its open requests"
    )
    close_year(desk(app, date(2025, 1, 3)), 2024, "default")
    assert [a["kind"] for a in alerts(db, "--as-of", "2025-01-03")] == ["annual-report"]
    signed = NarrativeRecorded(year=2024, overview="本年度…", signed_on=date(2025, 1, 14))
    app.store.append(
        annual_stream("default", 2024),
        [NewEvent(signed, date(2025, 1, 14))],
        expected_version=ANY,
        actor="author",
        agency="default",
    )
    assert alerts(db, "--as-of", "2025-01-14") == []
    assert [a["kind"] for a in alerts(db, "--as-of", "2025-01-13")] == ["annual-report"]


def test_provisional_due_date_and_agency_filter(app: App, db: str) -> None:
    """A due date counted into a year without an official schedule is flagged, per agency."""
    receive(app, "p-1", date(2026, 12, 21), agency="dept")
    receive(app, "d-1", date(2026, 12, 21))
    found = alerts(db, "--as-of", "2026-12-22", "--agency", "dept")
    assert brief(found) == [(19, "provisional", "p-1", "2027-01-19")]  # 2027-01-01 off by law
    assert found[0]["agency"] == "dept"
    assert "no official schedule for 2027" in found[0]["message"]
    assert "ledger calendar add 2027" in found[0]["message"]
    everyone = alerts(db, "--as-of", "2026-12-22")
    assert sorted(a["request"] for a in everyone) == ["d-1", "p-1"]


def test_clarification_prompt_only_for_untouched_2019_regime_requests(app: App, db: str) -> None:
    """The 7-day clarification prompt skips requests already worked on and those under the 2007 Regulation."""
    receive(app, "new", date(2021, 3, 1))
    receive(app, "worked", date(2021, 3, 1))
    consult(app, "worked", date(2021, 3, 2), "某公司")
    receive(app, "old", date(2019, 3, 1))
    found = alerts(db, "--as-of", "2021-03-08")
    prompts = [a for a in found if a["kind"] == "clarification-notice"]
    assert brief(prompts) == [(2, "clarification-notice", "new", "2021-03-10")]
    assert alerts(db, "--as-of", "2019-03-07", "--within", "5") == []


def test_a_government_reports_by_31_march(tmp_path: Path) -> None:
    """An agency registered as a government is reminded of its report for 31 March, not 31 January."""
    from ledger.bootstrap import bootstrap
    from ledger.events.agencies import AgencyRegistered, agency_stream
    from ledger.events.store import ANY, NewEvent
    from ledger.projections.alerts import compute_alerts
    from ledger.projections.calendar import load_calendar

    app = bootstrap(f"sqlite:///{tmp_path / 'g.db'}")
    for code, level in (("zf", "government"), ("jyj", "department")):
        event = AgencyRegistered(code=code, name=code, level=level)  # type: ignore[arg-type]
        new = [NewEvent(event, date(2020, 1, 2))]
        app.store.append(agency_stream(code), new, expected_version=ANY, actor="x", agency=code)
    found = compute_alerts(app.store, load_calendar(app.store), date(2021, 1, 20), 3)
    app.close()
    reports = {a.agency: a.date for a in found if a.kind == "annual-report"}
    assert reports == {"zf": date(2021, 3, 31), "jyj": date(2021, 1, 31)}


def test_the_config_file_level_overrides_the_recorded_one(tmp_path: Path) -> None:
    """[agencies.CODE] level in the config file moves that agency's report reminder, in `ledger alerts` too."""
    from ledger.events.agencies import AgencyRegistered, agency_stream

    db = f"sqlite:///{tmp_path / 'g.db'}"
    app = bootstrap(db)
    event = AgencyRegistered(code="zf", name="zf", level="department")
    app.store.append(
        agency_stream("zf"),
        [NewEvent(event, date(2020, 1, 2))],
        expected_version=ANY,
        actor="x",
        agency="zf",
    )
    app.close()
    config = tmp_path / "ledger.toml"
    config.write_text(
        '[agencies.zf]\nname = "镇海区人民政府"\nlevel = "government"\n', encoding="utf-8"
    )
    args = [
        "--db",
        db,
        "--config",
        str(config),
        "alerts",
        "--format",
        "json",
        "--as-of",
        "2021-01-20",
    ]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    found = [a for a in json.loads(result.stdout) if a["kind"] == "annual-report"]
    assert [(a["agency"], a["date"]) for a in found] == [("zf", "2021-03-31")]
    recorded = [a for a in alerts(db, "--as-of", "2021-01-20") if a["kind"] == "annual-report"]
    assert [(a["agency"], a["date"]) for a in recorded] == [("zf", "2021-01-31")]
