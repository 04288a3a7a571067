"""A demonstration history: the seed agency's real 2020 figures, a rich 2021, and today.

Every step goes through the same command handlers a desk uses, on the day it happened
(recorded that morning), so the demonstration obeys the Regulation's checks and
``--as-of`` shows what was known when. 2020 reproduces the published report of
宁波市镇海区教育局 (published 2021-01-14); 2021 uses every outcome, carry-overs, a withdrawal,
fees, pauses and reviews; a few requests received in the last weeks feed the alerts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from importlib import resources
from pathlib import Path
from typing import Any

from ledger.applicants import Applicant
from ledger.bootstrap import App
from ledger.calendar import WorkingCalendar
from ledger.codes import APPLICANTS, OUTCOMES
from ledger.commands import annual
from ledger.commands import requests as desk_cmd
from ledger.commands._context import Desk
from ledger.commands.agencies import register_agency
from ledger.commands.years import close_year
from ledger.dates import SHANGHAI
from ledger.errors import RuleViolation
from ledger.events.agencies import agency_stream
from ledger.events.store import Store
from ledger.i18n import _
from ledger.projections.alerts import Alert, compute_alerts

AGENCY = "zhjyj"
AGENCY_NAME = "宁波市镇海区教育局"
ACTOR = "demo"

Step = Callable[[Desk], object]


@dataclass
class Script:
    """Steps by day, run in date order (ties in the order they were written)."""

    steps: list[tuple[date, int, Step]] = field(default_factory=list)

    def on(self, day: date, step: Step) -> None:
        self.steps.append((day, len(self.steps), step))

    def receive(self, rid: str, day: date, channel: str, applicant: str, **kw: Any) -> date:
        """A receipt, recorded on its Art. 31 date of receipt (signed, confirmed, or the next
        working day for an online request sent on a closed day); that date."""
        cmd = desk_cmd.RecordReceipt(day, channel, applicant, rid, agency=AGENCY, **kw)
        when = desk_cmd.date_of_receipt(cmd, WorkingCalendar())
        self.on(when, lambda desk: desk_cmd.record_receipt(desk, cmd))
        return when

    def run(self, app: App, today: date) -> int:
        """Run the steps up to today (a demonstration never records the future)."""
        steps = [s for s in self.steps if s[0] <= today]
        store = app.store
        recorded_at = store.now
        try:
            for day, seq, step in sorted(steps, key=lambda s: (s[0], s[1])):
                moment = datetime.combine(day, time(10), SHANGHAI).astimezone(UTC)
                stamp = moment.replace(tzinfo=None) + timedelta(microseconds=seq)
                store.now = lambda stamp=stamp: stamp  # type: ignore[misc]
                step(app.desk(AGENCY, actor=ACTOR, today=day))
        finally:
            store.now = recorded_at
        return len(steps)


def _decide(rid: str, day: date, outcome: str) -> Step:
    return lambda desk: desk_cmd.issue_decision(desk, rid, day, outcome)


def _figures(year: int, item: str, figures: list[str]) -> Step:
    return lambda desk: annual.record_figures(desk, year, item, figures)


def _close(desk: Desk, year: int) -> object:
    return close_year(desk, year, AGENCY)


def _narrative(year: int, name: str, signed: date) -> Step:
    path = resources.files("ledger") / "data" / name
    return lambda desk: annual.record_narrative(desk, year, Path(str(path)), signed)


def _register(desk: Desk) -> object:
    return register_agency(desk, AGENCY, AGENCY_NAME)


def year_2020(s: Script) -> None:
    """The seed: two requests from natural persons, both disclosed; table 2 as published."""
    d = date
    s.on(d(2020, 1, 2), _register)
    s.receive(
        "zhjyj-2020-0001",
        d(2020, 5, 11),
        "online",
        "natural",
        confirmed=d(2020, 5, 12),
        subject="2020年学区划分方案",
    )
    s.on(d(2020, 5, 26), _decide("zhjyj-2020-0001", d(2020, 5, 26), "disclosed"))
    s.receive("zhjyj-2020-0002", d(2020, 9, 1), "in-person", "自然人", subject="民办学校招生计划")
    s.on(d(2020, 9, 1), _decide("zhjyj-2020-0002", d(2020, 9, 1), "予以公开"))
    s.on(
        d(2020, 6, 1),
        lambda desk: annual.issue_document(
            desk,
            "ZHJY-2020-1",
            d(2020, 6, 1),
            "规范性文件",
            "镇海区义务教育阶段招生实施办法",
            d(2020, 6, 3),
        ),
    )
    for item, figures in (
        ("行政许可", ["上一年项目数量=22", "本年增/减=0", "处理决定数量=200"]),
        ("其他对外管理服务事项", ["previous=0", "change=0", "decisions=0"]),
        ("行政处罚", ["previous=7", "change=0", "decisions=0"]),
        ("行政强制", ["previous=0", "change=0", "decisions=0"]),
        ("行政事业性收费", ["previous=8", "change=0"]),
        ("政府集中采购", ["count=0", "amount=0"]),
    ):
        s.on(d(2021, 1, 8), _figures(2020, item, figures))
    s.on(d(2021, 1, 1), lambda desk: close_year(desk, 2020, AGENCY))
    s.on(d(2021, 1, 12), _narrative(2020, "demo-2020.md", d(2021, 1, 14)))


APPLICANT_CYCLE = (*APPLICANTS.codes, APPLICANTS.codes[0])
SPECIAL = {"other.no-clarification", "other.fee-unpaid", "unavailable.still-unclear", "partial"}


def year_2021(s: Script) -> None:
    """Every outcome once, pauses of every kind, a withdrawal and three carry-overs."""
    d = date
    start = d(2021, 2, 22)
    plain = [o for o in OUTCOMES.codes if o not in SPECIAL]
    for n, outcome in enumerate(plain, start=1):
        rid, got = f"zhjyj-2021-{n:04d}", start + timedelta(days=9 * n)
        s.receive(
            rid,
            got,
            ("in-person", "online", "mail", "fax")[n % 4],
            APPLICANT_CYCLE[n % 7],
            signed=got if n % 4 == 2 else None,
        )
        s.on(
            got + timedelta(days=12 + n % 9),
            _decide(rid, got + timedelta(days=12 + n % 9), outcome),
        )
    # partial, after a consultation with a third party and an extension
    s.receive("zhjyj-2021-0101", d(2021, 3, 1), "online", "business")
    s.on(
        d(2021, 3, 3),
        lambda desk: desk_cmd.start_consultation(
            desk, "zhjyj-2021-0101", d(2021, 3, 3), "某建设工程有限公司"
        ),
    )
    s.on(
        d(2021, 3, 12),
        lambda desk: desk_cmd.end_consultation(
            desk, "zhjyj-2021-0101", d(2021, 3, 12), "某建设工程有限公司"
        ),
    )
    s.on(
        d(2021, 4, 6),
        lambda desk: desk_cmd.grant_extension(desk, "zhjyj-2021-0101", d(2021, 4, 6), 10, "王主任"),
    )
    s.on(d(2021, 4, 16), _decide("zhjyj-2021-0101", d(2021, 4, 16), "partial"))
    # clarification: corrected, still unclear
    s.receive("zhjyj-2021-0102", d(2021, 4, 12), "online", "natural")
    s.on(
        d(2021, 4, 14),
        lambda desk: desk_cmd.request_clarification(
            desk, "zhjyj-2021-0102", d(2021, 4, 14), d(2021, 4, 28)
        ),
    )
    s.on(
        d(2021, 4, 20),
        lambda desk: desk_cmd.record_clarified(desk, "zhjyj-2021-0102", d(2021, 4, 20)),
    )
    s.on(d(2021, 5, 10), _decide("zhjyj-2021-0102", d(2021, 5, 10), "unavailable.still-unclear"))
    # clarification never answered
    s.receive("zhjyj-2021-0103", d(2021, 5, 6), "mail-unsigned", "natural", confirmed=d(2021, 5, 7))
    s.on(
        d(2021, 5, 10),
        lambda desk: desk_cmd.request_clarification(
            desk, "zhjyj-2021-0103", d(2021, 5, 10), d(2021, 5, 25)
        ),
    )
    s.on(d(2021, 6, 1), _decide("zhjyj-2021-0103", d(2021, 6, 1), "other.no-clarification"))
    # fees: one paid (per page), one never paid
    fee = desk_cmd.IssueFeeNotice("zhjyj-2021-0104", d(2021, 6, 9), method="per-page", pages=150)
    s.receive("zhjyj-2021-0104", d(2021, 6, 7), "online", "business")
    s.on(d(2021, 6, 9), lambda desk: desk_cmd.issue_fee_notice(desk, fee))
    s.on(
        d(2021, 6, 15),
        lambda desk: desk_cmd.record_payment(desk, "zhjyj-2021-0104", d(2021, 6, 15)),
    )
    s.on(d(2021, 6, 30), _decide("zhjyj-2021-0104", d(2021, 6, 30), "disclosed"))
    unpaid = desk_cmd.IssueFeeNotice("zhjyj-2021-0105", d(2021, 7, 6), amount="300")
    s.receive("zhjyj-2021-0105", d(2021, 7, 5), "online", "legal")
    s.on(d(2021, 7, 6), lambda desk: desk_cmd.issue_fee_notice(desk, unpaid))
    s.on(d(2021, 8, 9), _decide("zhjyj-2021-0105", d(2021, 8, 9), "other.fee-unpaid"))
    # a withdrawal, and three requests still open at the end of the year
    s.receive("zhjyj-2021-0106", d(2021, 9, 6), "in-person", "natural")
    s.on(d(2021, 9, 8), lambda desk: desk_cmd.withdraw(desk, "zhjyj-2021-0106", d(2021, 9, 8)))
    for n, got in ((107, d(2021, 12, 6)), (108, d(2021, 12, 16)), (109, d(2021, 12, 20))):
        s.receive(f"zhjyj-2021-{n:04d}", got, "online", APPLICANT_CYCLE[n % 7])
    s.on(d(2022, 1, 1), lambda desk: close_year(desk, 2021, AGENCY))
    s.on(d(2022, 1, 12), _decide("zhjyj-2021-0107", d(2022, 1, 12), "disclosed"))
    s.on(d(2022, 1, 14), _decide("zhjyj-2021-0108", d(2022, 1, 14), "unavailable.not-held"))

    # found in February: 0109 had in fact been answered on 28 December (an amendment)
    def amend(desk: Desk) -> object:
        desk.amend = True
        desk.backdated = "the answer of 28 December was found in the file in February"
        return desk_cmd.issue_decision(desk, "zhjyj-2021-0109", d(2021, 12, 28), "disclosed")

    s.on(d(2022, 2, 10), amend)
    _year_2021_tables(s)


def _year_2021_tables(s: Script) -> None:
    """Reviews and lawsuits in several states; documents and figures in the 2021 format."""
    d = date
    s.on(
        d(2021, 5, 10),
        lambda desk: annual.file_case(
            desk, "FY-2021-01", d(2021, 5, 10), "行政复议", "zhjyj-2021-0003"
        ),
    )
    s.on(
        d(2021, 7, 1), lambda desk: annual.conclude_case(desk, "FY-2021-01", d(2021, 7, 1), "维持")
    )
    s.on(
        d(2021, 11, 22),
        lambda desk: annual.file_case(
            desk, "FY-2021-02", d(2021, 11, 22), "review", "zhjyj-2021-0005"
        ),
    )
    s.on(
        d(2022, 2, 15),
        lambda desk: annual.conclude_case(desk, "FY-2021-02", d(2022, 2, 15), "corrected"),
    )
    s.on(
        d(2021, 8, 2),
        lambda desk: annual.file_case(desk, "SS-2021-01", d(2021, 8, 2), "未经复议直接起诉", None),
    )
    s.on(
        d(2021, 12, 1),
        lambda desk: annual.conclude_case(desk, "SS-2021-01", d(2021, 12, 1), "纠正"),
    )
    s.on(
        d(2021, 9, 15),
        lambda desk: annual.file_case(desk, "SS-2021-02", d(2021, 9, 15), "复议后起诉", None),
    )
    s.on(
        d(2021, 3, 1),
        lambda desk: annual.issue_document(
            desk,
            "ZHJY-2021-1",
            d(2021, 3, 1),
            "normative",
            "镇海区校外培训机构管理办法",
            d(2021, 3, 3),
        ),
    )
    s.on(
        d(2021, 9, 1),
        lambda desk: annual.issue_document(
            desk, "ZHJY-2021-2", d(2021, 9, 1), "normative", "镇海区学生资助实施细则", d(2021, 9, 2)
        ),
    )
    s.on(d(2021, 10, 8), lambda desk: annual.repeal_document(desk, "ZHJY-2020-1", d(2021, 10, 8)))
    figures_2021 = {
        "licensing": ["decisions=186"],
        "penalty": ["decisions=3"],
        "enforcement": ["decisions=0"],
        "fees": ["fee-amount=0.85"],
    }
    for item, figures in figures_2021.items():
        s.on(d(2022, 1, 10), _figures(2021, item, figures))
    s.on(d(2022, 1, 20), _narrative(2021, "demo-2021.md", d(2022, 1, 25)))


RECENT = (
    ("校外培训机构白名单", Applicant(name="宁波某教育咨询有限公司", phone="0574-8600 1234")),
    ("学区房入学政策调研资料", Applicant(name="李华", phone="138-0574-0001")),
    ("民办学校收费标准备案材料", Applicant(name="某公益助学会")),
    ("镇海区中小学校车运营合同", Applicant(name="某律师事务所")),
    ("二〇二一年度教师招聘成绩公示", Applicant(name="张三", id_number="330211199001011234")),
)
"""The subjects and applicants of the recent requests (fictitious), for `ledger find`."""


def recent(s: Script, today: date) -> None:
    """A few requests of the last weeks, so that today's alerts have something to say.

    The first is asked to clarify the day after it was sent, or on its date of receipt
    when it was sent online on a closed day (received on the next working day, which a
    long holiday puts later still)."""
    received = []
    for n, ago in enumerate((41, 33, 26, 12, 3), start=1):
        got = today - timedelta(days=ago)
        subject, person = RECENT[n - 1]
        rid = f"zhjyj-{got.year}-9{n:03d}"
        when = s.receive(
            rid, got, "online", APPLICANT_CYCLE[n], subject=subject, person=person
        )
        received.append((rid, when))
    first, on = received[0]
    asked = max(today - timedelta(days=40), on)
    s.on(
        asked,
        lambda desk: desk_cmd.request_clarification(
            desk, first, asked, asked + timedelta(days=14)
        ),
    )
    for year in range(2022, today.year):
        s.on(date(year + 1, 1, 1), partial(_close, year=year))


def is_built(store: Store) -> bool:
    """Whether this database already holds the demonstration (so a rerun only prints)."""
    first = store.read_stream(agency_stream(AGENCY))[:1]
    return bool(first) and first[0].actor == ACTOR


def build(app: App, today: date | None = None) -> int:
    """Record the whole demonstration history up to today (default: the app's clock);
    refuses a log that has other events."""
    today = today or app.today()
    if app.store.last_position():
        raise RuleViolation(
            _(
                "demo: the database already has events that are not the demonstration; give --db a "
                "new file"
            )
        )
    script = Script()
    year_2020(script)
    year_2021(script)
    recent(script, today)
    return script.run(app, today)


@dataclass(frozen=True)
class DemoShown:
    """What ``ledger demo`` shows: what it recorded (if anything), a report, today's alerts."""

    built: bool
    steps: int
    events: int
    report: str
    as_of: date
    alerts: list[Alert]


def run_demo(app: App, year: int = 2020, within: int = 3) -> DemoShown:
    """Build the demonstration unless it is already recorded; its report for ``year`` as
    text, and the alerts as of today (``within`` working days ahead)."""
    from ledger.projections.annual import ReportRequest, build_report, collect
    from ledger.report.render import render

    built = not is_built(app.store)
    steps = build(app) if built else 0
    facts = collect(app.store)
    name, labels = facts.agency_names[AGENCY]
    report = build_report(facts, ReportRequest(year, frozenset({AGENCY}), None, name, labels))
    text = render(report, "text")
    assert isinstance(text, str)  # the text format is str
    day = app.today()
    found = compute_alerts(app.store, facts.calendar, day, within, AGENCY)
    return DemoShown(built, steps, app.store.last_position(), text, day, found)
