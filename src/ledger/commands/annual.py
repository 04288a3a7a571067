"""Recording what tables 2 and 4 and the narrative need (Art. 50; docs/rules.md)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from ledger import limits
from ledger.codes import CASE_KINDS, CASE_OUTCOMES, DOCUMENT_KINDS
from ledger.commands._context import Desk
from ledger.commands._once import once_stored
from ledger.commands.facts import fact_date, stamped
from ledger.commands.requests import check_id
from ledger.commands.years import check_year_open
from ledger.errors import InvalidInput, NotFound, RuleViolation
from ledger.events import annual as ev
from ledger.events.store import ANY, NO_STREAM, AppendResult, NewEvent
from ledger.events.types import Event
from ledger.i18n import _


def _check_date(desk: Desk, on: date, what: str, agency: str | None = None) -> None:
    """A day a person can mean (:func:`fact_date`), not in a year the owning agency has
    closed (unless amending)."""
    fact_date(desk, on, "--date")
    check_year_open(desk, agency or desk.agency, on, what)


@once_stored
def file_case(
    desk: Desk, case_id: str, on: date, kind: str, request_id: str | None
) -> AppendResult:
    """A review or lawsuit about a disclosure decision was filed (table 4)."""
    check_id(case_id, "ID")
    code = CASE_KINDS.parse(kind)
    _check_date(desk, on, "record case")
    stream = ev.case_stream(case_id)
    if desk.store.stream_version(stream):
        raise RuleViolation(
            _("record case: case {case_id} already exists; choose another id").format(
                case_id=case_id
            )
        )
    event = ev.CaseFiled(case_id=case_id, kind=code, request_id=request_id)
    return desk.store.append(
        stream,
        [NewEvent(e, on) for e in stamped(desk, [event], on)],
        expected_version=NO_STREAM,
        command_id=desk.command_id,
        actor=desk.actor,
        agency=desk.agency,
    )


def _close_stream(
    desk: Desk, stream: str, event: Event, on: date, what: str, thing: str
) -> AppendResult:
    """Append the one event that ends a case or a document, checking it may end now.

    ``thing`` names it in messages ("case FY-1"); the event's type says what ending it
    is, so a second one is refused. The closed-year guard uses the stream's own agency.
    """
    events = desk.store.read_stream(stream)
    if not events:
        raise NotFound(_("{what}: no {thing}; record it first").format(what=what, thing=thing))
    if any(e.type == event.type for e in events):
        raise RuleViolation(
            _("{what}: {thing} has already been recorded as ended").format(what=what, thing=thing)
        )
    began, agency = events[0].effective_date, events[0].agency
    if on < began:
        raise RuleViolation(
            _("{what}: --date {on} is before it began ({began})").format(
                what=what, on=on, began=began
            )
        )
    _check_date(desk, on, what, agency)
    new = [NewEvent(e, on) for e in stamped(desk, [event], on)]
    return desk.store.append(
        stream,
        new,
        expected_version=len(events),
        command_id=desk.command_id,
        actor=desk.actor,
        agency=agency,
    )


@once_stored
def conclude_case(desk: Desk, case_id: str, on: date, outcome: str) -> AppendResult:
    """The case ended with the decision upheld, corrected, or otherwise."""
    code = CASE_OUTCOMES.parse(outcome)
    event = ev.CaseConcluded(outcome=code)
    return _close_stream(
        desk,
        ev.case_stream(case_id),
        event,
        on,
        "record case-end",
        _("case {id}").format(id=case_id),
    )


@once_stored
def issue_document(
    desk: Desk, document_id: str, on: date, kind: str, title: str, published: date | None
) -> AppendResult:
    """A rule or normative document was made (and published on ``published``)."""
    check_id(document_id, "ID")
    code = DOCUMENT_KINDS.parse(kind)
    _check_date(desk, on, "record document")
    if published is not None:
        limits.check_ahead_date(published, "--published", desk.today)
    if published is not None and published < on:
        raise RuleViolation(
            _("record document: --published {published} is before it was made ({on})").format(
                published=published, on=on
            )
        )
    stream = ev.document_stream(document_id)
    if desk.store.stream_version(stream):
        raise RuleViolation(
            _("record document: document {document_id} already exists").format(
                document_id=document_id
            )
        )
    event = ev.DocumentIssued(
        document_id=document_id, kind=code, title=title, published_on=published
    )
    return desk.store.append(
        stream,
        [NewEvent(e, on) for e in stamped(desk, [event], on)],
        expected_version=NO_STREAM,
        command_id=desk.command_id,
        actor=desk.actor,
        agency=desk.agency,
    )


@once_stored
def repeal_document(desk: Desk, document_id: str, on: date) -> AppendResult:
    """The document was repealed (废止)."""
    stream = ev.document_stream(document_id)
    thing = _("document {id}").format(id=document_id)
    return _close_stream(desk, stream, ev.DocumentRepealed(), on, "record repeal", thing)


def _item_and_keys(year: int, item: str) -> tuple[str, dict[str, str]]:
    """The item code and its figure labels → keys in the year's edition."""
    from ledger.report import editions  # not loaded by the other record commands

    edition = editions.edition(editions.edition_for_year(year))
    for section in edition.table2:
        for code, label in section.items:
            if item in (code, label):
                return code, {k: k for k, _ in section.figures} | {
                    lab: k for k, lab in section.figures
                }
    names = [f"{c} ({lab})" for s in edition.table2 for c, lab in s.items]
    raise InvalidInput(
        _("ITEM: {item!r} is not in the {name} table 2; use one of {listed}").format(
            item=item, name=edition.name, listed=", ".join(names)
        )
    )


def _figure(name: str, value: str, key: str) -> str:
    """A figure as stored: a whole count, or a finite non-negative amount of money."""
    from ledger.report import editions

    try:
        number = Decimal(value.strip())
    except InvalidOperation:
        raise InvalidInput(
            _("FIGURE: {name}={value!r} is not a number").format(name=name, value=value)
        ) from None
    if not number.is_finite():
        raise InvalidInput(
            _("FIGURE: {name}={value} is not a number").format(name=name, value=value)
        )
    if number < 0 and key not in editions.SIGNED_FIGURES:
        raise InvalidInput(
            _("FIGURE: {name}={value} is negative; only 'change' (本年增/减) may be").format(
                name=name, value=value
            )
        )
    if key not in editions.AMOUNT_FIGURES and number != number.to_integral_value():
        raise InvalidInput(
            _("FIGURE: {name}={value} is not a whole number; {key} counts items").format(
                name=name, value=value, key=key
            )
        )
    return value.strip()


@once_stored
def record_figures(desk: Desk, year: int, item: str, pairs: list[str]) -> AppendResult:
    """A table 2 item's figures for a year, given as KEY=VALUE (keys or Chinese labels)."""
    limits.check_year(year, "YEAR", desk.today)
    code, keys = _item_and_keys(year, item)
    figures: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        key = keys.get(name.strip())
        if not sep or key is None:
            allowed = ", ".join(f"{k} ({label})" for label, k in keys.items() if label != k)
            raise InvalidInput(
                _("FIGURE: {pair!r} is not KEY=VALUE with KEY one of {allowed}").format(
                    pair=pair, allowed=allowed
                )
            )
        figures[key] = _figure(name, value, key)
    if not figures:
        raise InvalidInput(_("FIGURE: give at least one KEY=VALUE"))
    if year > desk.today.year:
        raise RuleViolation(_("record figures: {year} has not begun").format(year=year))
    event = ev.FiguresRecorded(year=year, item=code, figures=figures)
    stream = ev.annual_stream(desk.agency, year)
    return desk.store.append(
        stream,
        [NewEvent(event, desk.today)],
        expected_version=ANY,
        command_id=desk.command_id,
        actor=desk.actor,
        agency=desk.agency,
    )


SECTION_NAMES = {
    "overview": ("总体情况", "一、总体情况"),
    "problems": ("存在的主要问题及改进情况", "五、存在的主要问题及改进情况"),
    "other_matters": ("其他需要报告的事项", "六、其他需要报告的事项"),
}


def parse_narrative(text: str, source: str) -> dict[str, str]:
    """Split a Markdown file into the three written sections by their ``#`` headings.

    A top-level heading names the section (``# 总体情况`` or ``# 一、总体情况``); deeper
    headings inside it become the report's sub-headings.
    """
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("# "):
            title = line[2:].strip()
            key = next((k for k, names in SECTION_NAMES.items() if title in names), None)
            if key is None:
                allowed = ", ".join(n[0] for n in SECTION_NAMES.values())
                raise InvalidInput(
                    _("{source}:{number}: section {title!r} is unknown; use {allowed}").format(
                        source=source, number=number, title=title, allowed=allowed
                    )
                )
            current = sections.setdefault(key, [])
        elif current is not None:
            current.append("# " + line.lstrip("#").strip() if line.startswith("##") else line)
        elif line.strip():
            raise InvalidInput(
                _("{source}:{number}: text before the first '# section' heading").format(
                    source=source, number=number
                )
            )
    return {k: "\n".join(v).strip() for k, v in sections.items()}


@once_stored
def record_narrative(desk: Desk, year: int, path: Path, signed: date | None) -> AppendResult:
    """The written sections of the year's report, from a Markdown file."""
    limits.check_year(year, "YEAR", desk.today)
    if signed is not None:
        limits.check_ahead_date(signed, "--signed", desk.today)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(
            _("--file: cannot read {path}: {exc}").format(path=path, exc=exc)
        ) from None
    sections = parse_narrative(text, str(path))
    if not sections:
        raise InvalidInput(
            _("--file: {path} has no '# 总体情况' (or other) section").format(path=path)
        )
    return record_sections(desk, year, sections, signed)


@once_stored
def record_sections(
    desk: Desk, year: int, sections: dict[str, str], signed: date | None
) -> AppendResult:
    """The written sections of the year's report, as text (read from a file, an import)."""
    if not any(text.strip() for text in sections.values()):
        raise InvalidInput(_("narrative: every section is empty; write at least 总体情况"))
    if year > desk.today.year:
        raise RuleViolation(_("record narrative: {year} has not begun").format(year=year))
    event = ev.NarrativeRecorded(year=year, signed_on=signed, **sections)
    stream = ev.annual_stream(desk.agency, year)
    return desk.store.append(
        stream,
        [NewEvent(event, desk.today)],
        expected_version=ANY,
        command_id=desk.command_id,
        actor=desk.actor,
        agency=desk.agency,
    )
