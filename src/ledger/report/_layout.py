"""The report's tables laid out once, for every renderer.

Two views of each statutory table:

- a :class:`Grid`: the published table, cell by cell with its merges, as 国办 formats
  draw it (docx, xlsx and html draw this; it is what the seed's published tables hold);
- records: one per data row with stable keys, codes and numbers (text, md, csv and json
  read these, since a terminal or a tool has no merged cells).

Labels pass through the agency's overrides here, so no renderer has to remember to.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from ledger.dates import SHANGHAI
from ledger.errors import IntegrityFailure
from ledger.i18n import _
from ledger.report import editions as ed
from ledger.report.model import APPLICANTS, AnnualReport, Figure, with_total

Role = Literal["head", "label", "value"]


@dataclass(frozen=True)
class Cell:
    """One cell of a published table; spans count grid columns and rows."""

    text: str
    role: Role = "value"
    colspan: int = 1
    rowspan: int = 1
    value: Figure | None = None


@dataclass(frozen=True)
class Placed:
    """A cell at its top-left grid position."""

    row: int
    col: int
    cell: Cell


@dataclass(frozen=True)
class Grid:
    """A published table: rows of the cells that start in them (as HTML lists them)."""

    columns: int
    rows: tuple[tuple[Cell, ...], ...]

    @property
    def header_rows(self) -> int:
        """How many leading rows hold only header cells (repeated on each page in Word)."""
        count = 0
        for row in self.rows:
            if not row or any(cell.role != "head" for cell in row):
                break
            count += 1
        return count

    def placed(self) -> list[Placed]:
        """Every cell with its grid position, skipping positions covered from above."""
        taken: set[tuple[int, int]] = set()
        out: list[Placed] = []
        for r, row in enumerate(self.rows):
            col = 0
            for cell in row:
                while (r, col) in taken:
                    col += 1
                out.append(Placed(r, col, cell))
                taken.update(
                    (r + dr, col + dc) for dr in range(cell.rowspan) for dc in range(cell.colspan)
                )
                col += cell.colspan
            if col > self.columns:
                raise AssertionError(f"grid row {r} is {col} columns wide, not {self.columns}")
        return out

    def word_cells(self) -> list[list[Cell]]:
        """Cells per row as a Word table stores them: a vertically merged cell leaves an
        empty continuation cell, as wide as itself, in each row below its first."""
        placed = self.placed()
        starts = {(p.row, p.col): p.cell for p in placed}
        covering = {(p.row + dr, p.col): p.cell for p in placed for dr in range(1, p.cell.rowspan)}
        rows: list[list[Cell]] = []
        for r in range(len(self.rows)):
            cells: list[Cell] = []
            col = 0
            while col < self.columns:
                if (r, col) in starts:
                    cells.append(starts[(r, col)])
                elif (r, col) in covering:
                    above = covering[(r, col)]
                    cells.append(Cell("", above.role, colspan=above.colspan))
                else:
                    raise AssertionError(f"grid has a hole at row {r}, column {col}")
                col += cells[-1].colspan
            rows.append(cells)
        return rows

    def word_rows(self) -> list[list[str]]:
        """Cell texts per row as a Word table stores them (see :meth:`word_cells`)."""
        return [[cell.text for cell in row] for row in self.word_cells()]


def number(value: Figure) -> str:
    """A figure as printed: integers plainly, amounts without exponent."""
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def _value(value: Figure, colspan: int = 1) -> Cell:
    return Cell(number(value), "value", colspan=colspan, value=value)


def _head(text: str, colspan: int = 1, rowspan: int = 1) -> Cell:
    return Cell(text, "head", colspan, rowspan)


def _label(text: str, colspan: int = 1, rowspan: int = 1) -> Cell:
    return Cell(text, "label", colspan, rowspan)


# --- table 2 --------------------------------------------------------------------------

TABLE2_COLUMNS = 4


@dataclass(frozen=True)
class Table2Record:
    """One item of table 2 with its clause, its figure columns and its figures."""

    clause: str
    item: str
    label: str
    official_label: str
    figures: tuple[tuple[str, str, Figure], ...]  # (key, column label, figure)


def table2_sections(report: AnnualReport) -> list[tuple[str, list[str], list[Table2Record]]]:
    """Per clause: its label, its column labels (信息内容 first) and its item records."""
    out = []
    for section in ed.edition(report.edition).table2:
        columns = [report.label(ed.TABLE2_ITEM_COLUMN)]
        columns += [report.label(label) for _, label in section.figures]
        records = [
            Table2Record(
                clause=report.label(section.clause),
                item=item,
                label=report.label(label),
                official_label=label,
                figures=tuple(
                    (key, report.label(flabel), report.table2.figure(item, key))
                    for key, flabel in section.figures
                ),
            )
            for item, label in section.items
        ]
        out.append((report.label(section.clause), columns, records))
    return out


def _spread(count: int) -> list[int]:
    """Column spans for ``count`` figure cells across the 3 figure columns: the last
    cell takes what is left, as the formats draw rows with fewer figures."""
    spans = [1] * count
    spans[-1] += (TABLE2_COLUMNS - 1) - count
    return spans


def table2_grid(report: AnnualReport) -> Grid:
    """二、主动公开政府信息情况 as published: one table, a heading row per clause."""
    rows: list[tuple[Cell, ...]] = []
    for clause, columns, records in table2_sections(report):
        spans = _spread(len(columns) - 1)
        rows.append((_head(clause, TABLE2_COLUMNS),))
        rows.append(
            (_head(columns[0]), *(_head(c, s) for c, s in zip(columns[1:], spans, strict=True)))
        )
        for record in records:
            values = [f for _, _, f in record.figures]
            rows.append(
                (_label(record.label), *(_value(v, s) for v, s in zip(values, spans, strict=True)))
            )
    return Grid(TABLE2_COLUMNS, tuple(rows))


# --- table 3 --------------------------------------------------------------------------

TABLE3_LABEL_COLUMNS = 3
TABLE3_KEYS: tuple[str, ...] = (*APPLICANTS, "total")


@dataclass(frozen=True)
class Table3Record:
    """One data row of table 3: where it sits, what it counts, and its seven numbers."""

    key: str
    part: ed.Part
    label: str
    official_label: str
    section: str  # 三、本年度办理结果 for outcome rows and （七）总计, else ""
    group: str  # （三）不予公开 etc., else ""
    codes: tuple[str, ...]
    values: dict[str, int]  # applicant codes and "total"


def table3_columns(report: AnnualReport) -> list[tuple[str, str, str]]:
    """(key, label, group label) for the seven number columns of table 3."""
    org = report.label(ed.ORGANISATIONS)
    cols = [
        (code, report.label(label), org if code in ed.ORGANISATION_CODES else "")
        for code, label in ed.APPLICANT_COLUMNS
    ]
    return [*cols, ("total", report.label(ed.TOTAL), "")]


def table3_records(report: AnnualReport) -> list[Table3Record]:
    """The data rows of table 3 in official order, with their numbers."""
    t3 = report.table3
    fixed = {
        "new": with_total(t3.new),
        "carried-in": with_total(t3.carried_in),
        "total": t3.decided_total_row(),
        "carried-out": with_total(t3.carried_out),
    }
    return [
        Table3Record(
            key=row.key,
            part=row.part,
            label=report.label(row.label),
            official_label=row.label,
            section=report.label(ed.DECIDED) if row.part in ("decided", "total") else "",
            group=report.label(row.group) if row.group else "",
            codes=row.codes,
            values=fixed[row.part] if row.part in fixed else t3.outcome_row(row.codes),
        )
        for row in ed.edition(report.edition).table3
    ]


def _table3_header(report: AnnualReport) -> list[tuple[Cell, ...]]:
    names = table3_columns(report)
    return [
        (
            _head(report.label(ed.TABLE3_NOTE), TABLE3_LABEL_COLUMNS, 3),
            _head(report.label(ed.APPLICANT_HEADER), len(names)),
        ),
        (
            _head(names[0][1], rowspan=2),
            _head(report.label(ed.ORGANISATIONS), len(ed.ORGANISATION_CODES)),
            _head(names[-1][1], rowspan=2),
        ),
        tuple(_head(label) for _, label, group in names if group),
    ]


def _numbers(values: dict[str, int]) -> tuple[Cell, ...]:
    return tuple(_value(values[key]) for key in TABLE3_KEYS)


def table3_grid(report: AnnualReport) -> Grid:
    """三、收到和处理政府信息公开申请情况 as published, merges included.

    Three label columns: 三、本年度办理结果 runs down the first beside every outcome row
    and （七）总计; a group heading such as （三）不予公开 runs down the second beside its
    numbered rows; a row without a group spans the second and third.
    """
    records = table3_records(report)
    decided = [r for r in records if r.section]
    group_size = Counter(r.group for r in decided if r.group)
    started: set[str] = set()
    rows = _table3_header(report)
    for r in records:
        cells: list[Cell] = []
        if not r.section:
            cells.append(_label(r.label, TABLE3_LABEL_COLUMNS))
        else:
            if r is decided[0]:
                cells.append(_label(r.section, rowspan=len(decided)))
            if r.group and r.group not in started:
                started.add(r.group)
                cells.append(_label(r.group, rowspan=group_size[r.group]))
            cells.append(_label(r.label, 1 if r.group else 2))
        rows.append((*cells, *_numbers(r.values)))
    return Grid(TABLE3_LABEL_COLUMNS + len(TABLE3_KEYS), tuple(rows))


# --- table 4 --------------------------------------------------------------------------


@dataclass(frozen=True)
class Table4Record:
    """One column group of table 4 (行政复议 or one kind of 行政诉讼) and its five numbers."""

    key: str
    label: str
    parent: str  # 行政诉讼 for the two litigation groups, else ""
    values: dict[str, int]


def table4_columns(report: AnnualReport) -> list[tuple[str, str]]:
    """(key, label) of the five outcome columns of each group."""
    return [(key, report.label(label)) for key, label in ed.TABLE4_COLUMNS]


def table4_records(report: AnnualReport) -> list[Table4Record]:
    """The three groups of table 4 in official order."""
    return [
        Table4Record(
            key=key,
            label=report.label(label),
            parent="" if key == "review" else report.label(ed.LITIGATION),
            values=report.table4.group(key).values(),
        )
        for key, label in ed.TABLE4_GROUPS
    ]


def table4_grid(report: AnnualReport) -> Grid:
    """四、政府信息公开行政复议、行政诉讼情况 as published: 15 columns, merged headers."""
    records = table4_records(report)
    width = len(ed.TABLE4_COLUMNS)
    columns = [label for _, label in table4_columns(report)]
    rows = (
        (
            _head(records[0].label, width, 2),
            _head(report.label(ed.LITIGATION), width * 2),
        ),
        tuple(_head(r.label, width) for r in records[1:]),
        tuple(_head(label) for _ in records for label in columns),
        tuple(_value(r.values[key]) for r in records for key, _ in ed.TABLE4_COLUMNS),
    )
    return Grid(width * len(records), rows)


# --- the whole report -----------------------------------------------------------------


def grids(report: AnnualReport) -> list[tuple[str, Grid]]:
    """The three statutory tables, keyed by their section."""
    return [
        ("proactive", table2_grid(report)),
        ("requests", table3_grid(report)),
        ("review", table4_grid(report)),
    ]


def heading(report: AnnualReport, key: str) -> str:
    """A section heading as the agency prints it."""
    return report.label(ed.HEADINGS[key])


def is_subheading(paragraph: str) -> bool:
    """A narrative paragraph marked ``# …`` is a sub-heading."""
    return paragraph.startswith("#")


def subheading_text(paragraph: str) -> str:
    """The words of a ``# …`` sub-heading."""
    return paragraph.lstrip("#").strip()


def moment_text(moment: date) -> str:
    """A date, or a naive-UTC moment shown in Asia/Shanghai, as a reader expects it."""
    if isinstance(moment, datetime):
        local = moment.replace(tzinfo=UTC).astimezone(SHANGHAI)
        return local.strftime("%Y-%m-%d %H:%M")
    return moment.isoformat()


def moment_iso(moment: date) -> str:
    """A date, or a naive-UTC moment as ISO 8601 with the Shanghai offset, for tools."""
    if isinstance(moment, datetime):
        local = moment.replace(tzinfo=UTC).astimezone(SHANGHAI)
        return local.isoformat(timespec="seconds")
    return moment.isoformat()


def signature(report: AnnualReport) -> list[str]:
    """The lines at the end of the report: the agency, and the date when signed."""
    lines = [report.agency]
    if report.date_signed is not None:
        d = report.date_signed
        lines.append(ed.signed_date(d.year, d.month, d.day))
    return lines


def as_of_line(report: AnnualReport) -> str:
    """The footer-like note on the state of the log, or "" when not given."""
    return ed.as_of_note(moment_text(report.as_of)) if report.as_of is not None else ""


def head_line(report: AnnualReport) -> str:
    """The note on the log's head as of the report's moment, or "" when not known."""
    return ed.log_head_note(report.log_head) if report.log_head is not None else ""


def ensure_reconciled(report: AnnualReport) -> None:
    """Refuse to print a table 3 whose columns do not add up (the official 勾稽关系)."""
    errors = report.table3.reconciliation_errors()
    if errors:
        raise IntegrityFailure(
            _(
                "report {year} ({agency}): table 3 does not reconcile (new + carried in must equal "
                "decided + carried out): {listed}"
            ).format(year=report.year, agency=report.agency, listed="; ".join(errors))
        )


# --- processing statistics ------------------------------------------------------------


def stats_summary(report: AnnualReport) -> list[tuple[str, str, str]]:
    """(key, label, value) lines of the statistics summary; "—" where nothing was answered."""
    stats = report.stats
    if stats is None:
        return []
    out = []
    for key, label in ed.STATS_LABELS.items():
        raw = getattr(stats, key)
        if raw is None:
            text = "—"
        elif isinstance(raw, float):
            # Half-up, as a reader rounds: 7.25 days reads 7.3, not binary float's 7.2.
            text = str(Decimal(repr(raw)).quantize(Decimal("0.1"), ROUND_HALF_UP))
        else:
            text = str(raw)
        out.append((key, label, text))
    return out


def monthly_rows(report: AnnualReport) -> tuple[list[str], list[list[int]]]:
    """The monthly table: column labels, then per month the channels, total, answered."""
    stats = report.stats
    if stats is None:
        return [], []
    columns = [ed.MONTH_COLUMN, *ed.CHANNEL_LABELS.values(), ed.RECEIVED_TOTAL, ed.ANSWERED]
    totals = stats.received_per_month()
    rows = [
        [
            *(stats.received_by_month[channel][m] for channel in ed.CHANNEL_LABELS),
            totals[m],
            stats.answered_by_month[m],
        ]
        for m in range(12)
    ]
    return columns, rows


def oldest_rows(report: AnnualReport) -> list[tuple[str, str, str]]:
    """The oldest requests still open at year end: id, received date, working days open."""
    if report.stats is None:
        return []
    return [
        (o.request_id, o.received.isoformat(), str(o.working_days_open))
        for o in report.stats.oldest_open
    ]


def iter_sections(report: AnnualReport) -> Iterator[tuple[str, str]]:
    """(key, heading) of the six sections in official order."""
    for key in ed.SECTION_ORDER:
        yield key, heading(report, key)
