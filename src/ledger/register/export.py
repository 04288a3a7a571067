"""The register written back as an office keeps it: one row per request, Chinese headers,
the layout the import reads (so an exported register imports into an empty database as
the same requests).

Personal data goes out only when asked, and each such export is recorded in the log
(``PersonalDataExported``, naming who ran it).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ledger.codes import APPLICANTS, CHANNELS, OUTCOMES
from ledger.commands._context import Desk
from ledger.events import requests as ev
from ledger.events.exports import PersonalDataExported, exports_stream
from ledger.events.store import ANY, NewEvent, Store
from ledger.projections.requests import RequestState, fold
from ledger.register.layout import COLUMNS, PERSONAL
from ledger.register.read import csv_text
from ledger.texts import Resolver

FORMATS = ("xlsx", "csv")


@dataclass(frozen=True)
class Exported:
    """What an export wrote: the file, its rows, whether personal data went with them."""

    file: Path
    rows: int
    personal: bool


def request_states(store: Store, year: int) -> Iterator[RequestState]:
    """The requests received in ``year``, in id order."""
    for stream in store.stream_ids(ev.stream_of("")):
        state = fold(ev.request_of(stream), store.read_stream(stream))
        if state is not None and state.received_on.year == year:
            yield state


def _d(value: date | None) -> str:
    return value.isoformat() if value else ""


def register_row(state: RequestState, person: dict[str, object] | None) -> dict[str, str]:
    """One request as register cells, by column key (the first clarification,
    consultation, extension and fee: a register row holds one of each)."""
    cells: dict[str, str] = {
        "id": state.id,
        "received": _d(state.received_on),
        "channel": CHANNELS.labels()[state.channel],
        "applicant": APPLICANTS.labels()[state.applicant],
        "subject": state.subject,
    }
    if state.clarifications:
        c = state.clarifications[0]
        cells.update(
            clarify_on=_d(c.requested_on), reply_by=_d(c.reply_by), clarified=_d(c.clarified_on)
        )
    if state.consultations:
        k = state.consultations[0]
        cells.update(party=k.party, consult_start=_d(k.started_on), consult_end=_d(k.ended_on))
    if state.extensions:
        x = state.extensions[0]
        cells.update(extend_on=_d(x.granted_on), extend_days=str(x.days), approver=x.approver)
    if state.fees:
        f = state.fees[0]
        cells.update(fee_on=_d(f.notice_on), fee_amount=f.amount, paid=_d(f.paid_on))
    if state.withdrawn:
        cells["withdrawn"] = _d(state.decided_on)
    elif state.outcome is not None:
        cells.update(decided=_d(state.decided_on), outcome=OUTCOMES.labels()[state.outcome])
    if person is not None:
        cells.update({c.key: str(person.get(c.key) or "") for c in PERSONAL})
    return cells


def _free_text(state: RequestState) -> list[str]:
    """The values of a register row that may be texts kept apart (``ledger.texts``)."""
    return [
        state.subject,
        *(c.party for c in state.consultations),
        *(x.approver for x in state.extensions),
    ]


def export_register(
    desk: Desk, year: int, fmt: str, output: Path, *, personal: bool = False
) -> Exported:
    """Write the register of ``year``; with ``personal``, record who exported the data."""
    columns = [c for c in COLUMNS if personal or c.kind != "personal"]
    rows: list[list[str]] = []
    states = list(request_states(desk.store, year))
    names = Resolver(desk.store.texts).prime(_free_text(s) for s in states)
    for state in states:
        person = None
        if personal and state.applicant_ref:
            person = desk.store.applicants.read(state.applicant_ref)
        cells = {k: names.fill(v) for k, v in register_row(state, person).items()}
        rows.append([cells.get(c.key, "") for c in columns])
    headers = [c.header for c in columns]
    if fmt == "csv":
        output.write_text(csv_text([headers, *rows]), encoding="utf-8-sig")
    else:
        _write_xlsx(output, headers, rows)
    if personal:
        event = PersonalDataExported(year=year, rows=len(rows), file=output.name, format=fmt)
        desk.store.append(
            exports_stream(desk.agency), [NewEvent(event, desk.today)],
            expected_version=ANY, actor=desk.actor, agency=desk.agency,
        )  # fmt: skip
    return Exported(output, len(rows), personal)


def _write_xlsx(output: Path, headers: list[str], rows: list[list[str]]) -> None:
    """A workbook of one sheet, header frozen, dates as text the import reads back."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("登记台账")
    sheet.freeze_panes = "A2"
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    book.save(output)
