"""The annual report as data: what the projection produces and every renderer reads.

Frozen dataclasses with no knowledge of any format. Counts are keyed by the stable codes
of :mod:`ledger.codes` and :mod:`ledger.report.editions`, never by Chinese labels, so
a projection fills them without knowing how the report is worded. Missing keys mean
zero: each mapping is normalised on construction into a read-only mapping holding every
key, and anything unknown, negative or of the wrong type is refused with the field named.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date
from decimal import Decimal
from types import MappingProxyType

from ledger import codes
from ledger.errors import InvalidInput
from ledger.i18n import _
from ledger.report import editions

Figure = int | Decimal
"""A table 2 figure: a count, or an amount of money (万元) as a Decimal."""

CHANNELS: tuple[str, ...] = codes.CHANNELS.codes
"""How a request arrived (Art. 31), the codes of :data:`ledger.codes.CHANNELS`."""
APPLICANTS: tuple[str, ...] = codes.APPLICANTS.codes
OUTCOMES: tuple[str, ...] = codes.OUTCOMES.codes

MONTHS = 12
OLDEST_OPEN_LIMIT = 10
_APPLICANT_NAMES = codes.APPLICANTS.labels()


def _count(value: object, where: str) -> int:
    """A non-negative whole number, or a refusal naming the field."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInput(
            _("{where}: {value!r} is not a count; use a whole number >= 0").format(
                where=where, value=value
            )
        )
    return value


def _per_applicant(counts: Mapping[str, int], where: str) -> Mapping[str, int]:
    """Counts for all six applicant columns (missing ones are 0), read-only."""
    unknown = sorted(set(counts) - set(APPLICANTS))
    if unknown:
        raise InvalidInput(
            _("{where}: {code!r} is not an applicant category; use one of {listed}").format(
                where=where, code=unknown[0], listed=", ".join(APPLICANTS)
            )
        )
    return MappingProxyType(
        {code: _count(counts.get(code, 0), f"{where}[{code}]") for code in APPLICANTS}
    )


def with_total(counts: Mapping[str, int]) -> dict[str, int]:
    """A row of table 3: the six applicant columns and 总计, their sum."""
    row = {code: counts.get(code, 0) for code in APPLICANTS}
    row["total"] = sum(row.values())
    return row


@dataclass(frozen=True)
class Table3:
    """三、收到和处理政府信息公开申请情况: requests per applicant column.

    ``new``: received in the year; ``carried_in``: carried over out of the previous year;
    ``decided``: outcome code → applicant → requests decided in the year;
    ``carried_out``: still open at the end of the year.
    """

    new: Mapping[str, int] = field(default_factory=dict)
    carried_in: Mapping[str, int] = field(default_factory=dict)
    decided: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    carried_out: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = sorted(set(self.decided) - set(OUTCOMES))
        if unknown:
            raise InvalidInput(
                _("table3.decided: {code!r} is not an outcome; use one of {listed}").format(
                    code=unknown[0], listed=", ".join(OUTCOMES)
                )
            )
        decided = {
            code: _per_applicant(self.decided.get(code, {}), f"table3.decided[{code}]")
            for code in OUTCOMES
        }
        object.__setattr__(self, "new", _per_applicant(self.new, "table3.new"))
        object.__setattr__(self, "carried_in", _per_applicant(self.carried_in, "table3.carried_in"))
        object.__setattr__(
            self, "carried_out", _per_applicant(self.carried_out, "table3.carried_out")
        )
        object.__setattr__(self, "decided", MappingProxyType(decided))

    def outcome_row(self, codes: Iterable[str]) -> dict[str, int]:
        """The row for some outcome codes: per applicant the sum over the codes, and 总计."""
        chosen = tuple(codes)
        return with_total({code: sum(self.decided[o][code] for o in chosen) for code in APPLICANTS})

    def decided_total_row(self) -> dict[str, int]:
        """（七）总计: all requests decided in the year, per applicant column."""
        return self.outcome_row(OUTCOMES)

    def reconciliation_errors(self) -> list[str]:
        """Columns where new + carried in ≠ total decided + carried out (the 勾稽关系).

        Checking the six applicant columns is enough: 总计 is their sum.
        """
        decided = self.decided_total_row()
        errors = []
        for code in APPLICANTS:
            came = self.new[code] + self.carried_in[code]
            went = decided[code] + self.carried_out[code]
            if came != went:
                errors.append(
                    _(
                        "column {code} ({name}): new {new} + carried in {carried_in} = {came}, "
                        "but decided {decided} + carried out {carried_out} = {went}"
                    ).format(
                        code=code,
                        name=_APPLICANT_NAMES[code],
                        new=self.new[code],
                        carried_in=self.carried_in[code],
                        came=came,
                        decided=decided[code],
                        carried_out=self.carried_out[code],
                        went=went,
                    )
                )
        return errors


def _figure(value: object, where: str, signed: bool) -> Figure:
    """A table 2 figure: an int or a Decimal; negative only where the column allows it."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise InvalidInput(
            _("{where}: {value!r} is not a figure; use an int, or a Decimal amount").format(
                where=where, value=value
            )
        )
    if value < 0 and not signed:
        raise InvalidInput(
            _("{where}: {value} is negative; only 'change' (本年增/减) may be").format(
                where=where, value=value
            )
        )
    return value


@dataclass(frozen=True)
class Table2:
    """二、主动公开政府信息情况: item key → figure key → figure.

    Keys are those of the report's edition (:data:`ledger.report.editions`), e.g. 2019
    ``{"licensing": {"previous": 22, "change": 0, "decisions": 200}}``, 2021
    ``{"fees": {"fee-amount": Decimal("1.25")}}``. Missing items and figures read as 0;
    the report checks the keys against its edition.
    """

    items: Mapping[str, Mapping[str, Figure]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        clean = {
            item: MappingProxyType(
                {
                    key: _figure(value, f"table2[{item}][{key}]", key in editions.SIGNED_FIGURES)
                    for key, value in figures.items()
                }
            )
            for item, figures in self.items.items()
        }
        object.__setattr__(self, "items", MappingProxyType(clean))

    def figure(self, item: str, key: str) -> Figure:
        """One figure, 0 when it was not filled."""
        return self.items.get(item, {}).get(key, 0)

    def check(self, edition_name: str) -> None:
        """Refuse item or figure keys the edition does not have."""
        known = editions.edition(edition_name).table2_keys()
        for item, figures in self.items.items():
            if item not in known:
                raise InvalidInput(
                    _(
                        "table2: item {item!r} is not in the {name} edition; use one of {listed}"
                    ).format(item=item, name=edition_name, listed=", ".join(known))
                )
            for key in figures:
                if key not in known[item]:
                    raise InvalidInput(
                        _(
                            "table2[{item}]: figure {key!r} is not in the {name} edition; "
                            "use one of {listed}"
                        ).format(
                            item=item,
                            key=key,
                            name=edition_name,
                            listed=", ".join(sorted(known[item])),
                        )
                    )


@dataclass(frozen=True)
class Table4Group:
    """One column group of table 4: cases filed in the year, by outcome known at 31 Dec."""

    maintained: int = 0
    corrected: int = 0
    other: int = 0
    pending: int = 0

    def __post_init__(self) -> None:
        for column in fields(self):
            _count(getattr(self, column.name), f"table4.{column.name}")

    @property
    def total(self) -> int:
        """总计: the sum of the four outcome columns."""
        return self.maintained + self.corrected + self.other + self.pending

    def values(self) -> dict[str, int]:
        """The five columns in official order, keyed as in ``editions.TABLE4_COLUMNS``."""
        counts = {column.name: getattr(self, column.name) for column in fields(self)}
        return {**counts, "total": self.total}


@dataclass(frozen=True)
class Table4:
    """四、政府信息公开行政复议、行政诉讼情况."""

    review: Table4Group = field(default_factory=Table4Group)
    litigation_direct: Table4Group = field(default_factory=Table4Group)
    litigation_after_review: Table4Group = field(default_factory=Table4Group)

    def group(self, key: str) -> Table4Group:
        """A group by its key in ``editions.TABLE4_GROUPS`` (or the event log's spelling,
        ``litigation-direct``)."""
        name = key.replace("-", "_")
        groups = [group for group, _ in editions.TABLE4_GROUPS]
        if name not in groups:
            raise InvalidInput(
                _("table4: {key!r} is not a group; use {listed}").format(
                    key=key, listed=", ".join(groups)
                )
            )
        group: Table4Group = getattr(self, name)
        return group


@dataclass(frozen=True)
class OpenRequest:
    """A request still open at the end of the year."""

    request_id: str
    received: date
    working_days_open: int


def _months(values: Sequence[int], where: str) -> tuple[int, ...]:
    """Twelve monthly counts (an empty sequence means all zero)."""
    if not values:
        return (0,) * MONTHS
    if len(values) != MONTHS:
        raise InvalidInput(
            _("{where}: {count} values; give one per month, 12 in all").format(
                where=where, count=len(values)
            )
        )
    return tuple(_count(v, f"{where}[{i + 1}]") for i, v in enumerate(values))


@dataclass(frozen=True)
class ProcessingStats:
    """How the year's requests were handled: beyond the statutory tables, never in them.

    Working days exclude paused days (clarification, consultation, fee notice).
    ``received_by_month`` maps each channel of :data:`CHANNELS` to 12 monthly counts
    (January first); ``answered_by_month`` holds 12 counts of requests answered.
    """

    answered_on_time: int = 0
    answered_late: int = 0
    median_working_days: float | None = None
    mean_working_days: float | None = None
    longest_working_days: int | None = None
    extensions_used: int = 0
    clarifications_used: int = 0
    clarifications_late: int = 0  # notices after the 7th working day (Art. 30)
    recorded_late: int = 0  # requests with a fact recorded well after its date (lateness.py)
    oldest_open: tuple[OpenRequest, ...] = ()
    received_by_month: Mapping[str, Sequence[int]] = field(default_factory=dict)
    answered_by_month: Sequence[int] = ()

    def __post_init__(self) -> None:
        unknown = sorted(set(self.received_by_month) - set(CHANNELS))
        if unknown:
            raise InvalidInput(
                _("stats.received_by_month: {code!r} is not a channel; use one of {listed}").format(
                    code=unknown[0], listed=", ".join(CHANNELS)
                )
            )
        if len(self.oldest_open) > OLDEST_OPEN_LIMIT:
            raise InvalidInput(
                _("stats.oldest_open: {count} requests; list at most ten").format(
                    count=len(self.oldest_open)
                )
            )
        received = {
            channel: _months(
                self.received_by_month.get(channel, ()), f"stats.received_by_month[{channel}]"
            )
            for channel in CHANNELS
        }
        object.__setattr__(self, "received_by_month", MappingProxyType(received))
        object.__setattr__(
            self, "answered_by_month", _months(self.answered_by_month, "stats.answered_by_month")
        )
        object.__setattr__(self, "oldest_open", tuple(self.oldest_open))

    def received_per_month(self) -> tuple[int, ...]:
        """Requests received in each month, all channels together."""
        return tuple(sum(self.received_by_month[c][m] for c in CHANNELS) for m in range(MONTHS))


@dataclass(frozen=True)
class Narrative:
    """The written sections 一、五、六: plain text, paragraphs separated by blank lines.

    A paragraph starting with ``#`` is a sub-heading (e.g. ``# （一）主要做法``); a single
    line break inside a paragraph is kept as a line break.
    """

    overview: str = ""
    problems: str = ""
    other_matters: str = ""

    def section(self, key: str) -> str:
        """The text of a section by its key in ``editions.HEADINGS``."""
        texts = {
            "overview": self.overview,
            "problems": self.problems,
            "other-matters": self.other_matters,
        }
        return texts[key]


def paragraphs(text: str) -> list[str]:
    """The paragraphs of a narrative text, blank-line separated, stripped."""
    blocks: list[str] = []
    current: list[str] = []
    for line in text.splitlines():
        if line.strip():
            current.append(line.strip())
        elif current:
            blocks.append("\n".join(current))
            current = []
    if current:
        blocks.append("\n".join(current))
    return blocks


@dataclass(frozen=True)
class AnnualReport:
    """One agency's report for one year, in one edition.

    ``edition`` defaults to the year's own (:func:`editions.edition_for_year`) and
    ``title`` to the official wording; both are filled in on construction.
    ``label_overrides`` maps official labels to the agency's local wording.
    ``as_of`` (a date, or a naive-UTC datetime as ledger records moments) says which
    state of the log the report shows; it is printed outside the official tables, with
    ``log_head``: the anchor line (``ledger.projections.anchors``) of the last event
    recorded by then, so that anyone holding the report can prove the log it came from
    unchanged (``ledger verify --against``).
    """

    year: int
    agency: str
    edition: str = ""
    title: str = ""
    table2: Table2 = field(default_factory=Table2)
    table3: Table3 = field(default_factory=Table3)
    table4: Table4 = field(default_factory=Table4)
    narrative: Narrative = field(default_factory=Narrative)
    stats: ProcessingStats | None = None
    label_overrides: Mapping[str, str] = field(default_factory=dict)
    date_signed: date | None = None
    as_of: date | None = None
    log_head: str | None = None

    def __post_init__(self) -> None:
        if not self.edition:
            object.__setattr__(self, "edition", editions.edition_for_year(self.year))
        editions.edition(self.edition)
        if not self.title:
            object.__setattr__(self, "title", editions.default_title(self.agency, self.year))
        self.table2.check(self.edition)
        unknown = editions.unknown_overrides(self.edition, self.label_overrides)
        if unknown:
            raise InvalidInput(
                _(
                    "label_overrides: {label!r} is not a label of the {name} edition; overrides "
                    "map an official label, exactly as printed, to the local wording"
                ).format(label=unknown[0], name=self.edition)
            )
        object.__setattr__(self, "label_overrides", MappingProxyType(dict(self.label_overrides)))

    def label(self, official: str) -> str:
        """The label this agency prints for an official label."""
        return editions.apply_overrides(official, self.label_overrides)
