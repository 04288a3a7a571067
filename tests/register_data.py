"""A generated history of requests, written as a register workbook or recorded at desks.

Both the import tests and the benchmark build their register from here, so that the
workbook and the desk-built history are the same facts.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from ledger.bootstrap import App
from ledger.commands import requests as desk

OUTCOMES = ("予以公开", "部分公开", "本机关不掌握相关政府信息", "重复申请", "属于国家秘密")
CHANNELS = ("当面提交", "互联网", "传真")
APPLICANTS = ("自然人", "商业企业", "科研机构")
HEADERS = (
    "受理编号", "收到日期", "收到方式", "申请人类型", "申请内容", "姓名", "补正告知日期",
    "补正答复期限", "补正收到日期", "延期日期", "延期天数", "延期批准人", "答复日期", "答复结果",
)  # fmt: skip


@dataclass(frozen=True)
class Request:
    """One generated request and its steps."""

    id: str
    received: date
    channel: str
    applicant: str
    name: str
    clarify: tuple[date, date, date] | None
    extend: date | None
    decided: date | None
    outcome: str

    def cells(self) -> list[object]:
        c = self.clarify
        return [
            self.id, self.received, self.channel, self.applicant, f"申请{self.id}", self.name,
            c[0] if c else None, c[1].isoformat() if c else None, c[2].strftime("%Y年%-m月%-d日") if c else None,
            self.extend, 10 if self.extend else None, "王局长" if self.extend else None,
            self.decided.strftime("%Y/%-m/%-d") if self.decided else None,
            self.outcome if self.decided else None,
        ]  # fmt: skip


def _weekday(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def generate(count: int, first_year: int = 2021, years: int = 3, seed: int = 7) -> list[Request]:
    """``count`` requests spread over ``years`` years; some clarified, extended, still open."""
    rng = random.Random(seed)
    start = date(first_year, 1, 4)
    span = (date(first_year + years - 1, 12, 20) - start).days
    out = []
    for n in range(count):
        received = _weekday(start + timedelta(days=span * n // count))
        clarify = None
        if rng.random() < 0.2:
            notice = _weekday(received + timedelta(days=2))
            clarify = (notice, notice + timedelta(days=15), _weekday(notice + timedelta(days=4)))
        base = clarify[2] if clarify else received
        extend = _weekday(base + timedelta(days=7)) if rng.random() < 0.15 else None
        decided = None if rng.random() < 0.1 else _weekday(base + timedelta(days=rng.randint(3, 14)))
        if decided is not None and extend is not None and decided <= extend:
            decided = _weekday(extend + timedelta(days=2))
        out.append(Request(
            f"R{received.year}-{n:05d}", received, rng.choice(CHANNELS), rng.choice(APPLICANTS),
            f"申请人{n % 50}", clarify, extend, decided, rng.choice(OUTCOMES),
        ))  # fmt: skip
    return out


def write_workbook(path: Path, requests: list[Request], title: bool = True) -> None:
    """The register as an office keeps it: a merged title row, the header, one row each."""
    from openpyxl import Workbook

    book = Workbook(write_only=not title)
    sheet = book.active if title else book.create_sheet("台账")
    if title:
        sheet.append(["某某局政府信息公开申请登记台账"])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=6)
    sheet.append(list(HEADERS))
    for request in requests:
        sheet.append(request.cells())
    book.save(path)


def record_at_desks(app: App, requests: list[Request]) -> None:
    """The same history typed at the desk, step by step on each step's day.

    Each step is its desk command; the requests are committed a batch at a time (as an
    import writes), which changes nothing recorded and spares a disk flush per step.
    """
    from ledger.events.batches import Batches

    with Batches(app.store) as batches:
        for r in batches.each(requests):
            _record_one(app, r)


def _record_one(app: App, r: Request) -> None:
    """One request's steps at the desk, in date order."""
    from ledger.applicants import Applicant
    from ledger.codes import APPLICANTS as APPLICANT_CODES
    from ledger.codes import CHANNELS as CHANNEL_CODES
    from ledger.codes import receipt_rule

    steps: list[tuple[date, int, object]] = []
    cmd = desk.RecordReceipt(
        date=r.received, channel=CHANNEL_CODES.parse(r.channel),
        applicant=APPLICANT_CODES.parse(r.applicant), request_id=r.id,
        subject=f"申请{r.id}", person=Applicant(name=r.name),
        confirmed=r.received if receipt_rule(CHANNEL_CODES.parse(r.channel)) == "confirmed" else None,
    )  # fmt: skip
    steps.append((r.received, 0, lambda d, c=cmd: desk.record_receipt(d, c)))
    if r.clarify:
        n, by, done = r.clarify
        steps.append((n, 1, lambda d, r=r, n=n, by=by: desk.request_clarification(d, r.id, n, by)))
        steps.append((done, 2, lambda d, r=r, done=done: desk.record_clarified(d, r.id, done)))
    if r.extend:
        e = r.extend
        steps.append((e, 3, lambda d, r=r, e=e: desk.grant_extension(d, r.id, e, 10, "王局长")))
    if r.decided:
        dd = r.decided
        steps.append((dd, 4, lambda d, r=r, dd=dd: desk.issue_decision(d, r.id, dd, r.outcome)))
    for on, _order, run in sorted(steps, key=lambda s: (s[0], s[1])):
        run(app.desk(today=on))  # type: ignore[operator]
