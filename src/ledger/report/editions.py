"""The official formats of the annual report, and the one place that spells their labels.

Regulation Art. 49 and 50 require every agency to publish an annual report
(《政府信息公开工作年度报告》) in the format the General Office of the State Council sets:

- edition ``"2019"``: 《中华人民共和国政府信息公开工作年度报告格式（试行）》,
  国办公开办函〔2019〕60号, used for report years 2019 and 2020;
- edition ``"2021"``: 《政府信息公开工作年度报告格式》, 国办公开办函〔2021〕30号, report years
  2021 on. It splits row （六）其他处理 of table 3 into three rows and restructures table 2;
  tables 3 and 4 are otherwise identical.

Every label here is the official one, character for character. An agency that published a
local variant (the seed wrote 本年新收到 / 上年转结 / 转结下年度) keeps its wording through label
overrides (:func:`apply_overrides`), never by editing these tables. The few Chinese words
for the processing statistics, which are not part of any official format, live at the end
of this module so that no renderer spells Chinese text of its own.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Literal

from ledger.codes import (
    APPLICANTS,
    CASE_KINDS,
    CASE_OUTCOMES,
    CHANNELS,
    DOCUMENT_KINDS,
    OUTCOMES,
)
from ledger.errors import InvalidInput
from ledger.i18n import _

EDITIONS: tuple[str, ...] = ("2019", "2021")
FIRST_REPORT_YEAR = 2019
FIRST_YEAR_OF_2021_EDITION = 2021

# --- section headings (both editions) ------------------------------------------------

HEADINGS: dict[str, str] = {
    "overview": "一、总体情况",
    "proactive": "二、主动公开政府信息情况",
    "requests": "三、收到和处理政府信息公开申请情况",
    "review": "四、政府信息公开行政复议、行政诉讼情况",
    "problems": "五、存在的主要问题及改进情况",
    "other-matters": "六、其他需要报告的事项",
}
SECTION_ORDER: tuple[str, ...] = tuple(HEADINGS)

# --- table 3 (both editions) ----------------------------------------------------------

TABLE3_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
APPLICANT_HEADER = "申请人情况"
(_ORGANISATION_GROUP,) = APPLICANTS.groups
ORGANISATIONS = _ORGANISATION_GROUP.label
TOTAL = "总计"
APPLICANT_COLUMNS: tuple[tuple[str, str], ...] = tuple(APPLICANTS.labels().items())
"""Applicant code and column label, in the official column order (总计 follows); the
column labels are the categories' names in :data:`ledger.codes.APPLICANTS`."""
ORGANISATION_CODES: tuple[str, ...] = APPLICANTS.in_group(_ORGANISATION_GROUP.code)

NEW = "一、本年新收政府信息公开申请数量"
CARRIED_IN = "二、上年结转政府信息公开申请数量"
DECIDED = "三、本年度办理结果"
DECIDED_TOTAL = "（七）总计"
CARRIED_OUT = "四、结转下年度继续办理"

Part = Literal["new", "carried-in", "decided", "total", "carried-out"]


@dataclass(frozen=True)
class Table3Row:
    """One row of table 3: its own label, the group it sits in, and what it counts.

    ``group`` is the label of the （三）/（四）/（五）/（六） heading the row is listed under in
    the published table ("" for a row with no such heading); ``codes`` are the outcome
    codes the row adds up (empty for the intake and carry-over rows and the total).
    """

    key: str
    label: str
    part: Part
    codes: tuple[str, ...] = ()
    group: str = ""


def _decided(code: str, label: str, group: str = "") -> Table3Row:
    return Table3Row(key=code, label=label, part="decided", codes=(code,), group=group)


_GROUP_HEADINGS: tuple[str, ...] = (
    "（三）不予公开",
    "（四）无法提供",
    "（五）不予处理",
    "（六）其他处理",
)
"""The headings of the outcome groups, in the order of :data:`ledger.codes.OUTCOMES`'s groups."""
_GROUP_HEADING: dict[str, str] = {
    g.code: heading for g, heading in zip(OUTCOMES.groups, _GROUP_HEADINGS, strict=True)
}

_ROW_LABELS_2021: tuple[str, ...] = (
    "（一）予以公开",
    "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
    "1.属于国家秘密",
    "2.其他法律行政法规禁止公开",
    "3.危及“三安全一稳定”",
    "4.保护第三方合法权益",
    "5.属于三类内部事务信息",
    "6.属于四类过程性信息",
    "7.属于行政执法案卷",
    "8.属于行政查询事项",
    "1.本机关不掌握相关政府信息",
    "2.没有现成信息需要另行制作",
    "3.补正后申请内容仍不明确",
    "1.信访举报投诉类申请",
    "2.重复申请",
    "3.要求提供公开出版物",
    "4.无正当理由大量反复申请",
    "5.要求行政机关确认或重新出具已获取信息",
    "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    "3.其他",
)
"""The 2021 format's outcome rows, one per code of :data:`ledger.codes.OUTCOMES` in its
order (checked below: each row label carries the outcome's Chinese name)."""
_ROW_LABEL_2021: dict[str, str] = dict(zip(OUTCOMES.codes, _ROW_LABELS_2021, strict=True))

_INTAKE: tuple[Table3Row, ...] = (
    Table3Row("new", NEW, "new"),
    Table3Row("carried-in", CARRIED_IN, "carried-in"),
)
_CLOSING: tuple[Table3Row, ...] = (
    Table3Row("total", DECIDED_TOTAL, "total"),
    Table3Row("carried-out", CARRIED_OUT, "carried-out"),
)
_MERGED_2019: str = OUTCOMES.groups[-1].code
"""The outcome group the 2019 format counts in one row, （六）其他处理; 2021 splits it."""


def _outcome_rows(merged: str | None) -> tuple[Table3Row, ...]:
    """A row per outcome in the official order; the codes of group ``merged`` in one row
    labelled with the group's heading (the 2019 format's （六）其他处理)."""
    rows: list[Table3Row] = []
    for entry in OUTCOMES.entries:
        heading = _GROUP_HEADING.get(entry.group, "")
        if entry.group and entry.group == merged:
            if not rows or rows[-1].label != heading:
                rows.append(Table3Row("other-processing", heading, "decided", ()))
            last = rows[-1]
            rows[-1] = Table3Row(last.key, last.label, "decided", (*last.codes, entry.code))
        else:
            rows.append(_decided(entry.code, _ROW_LABEL_2021[entry.code], heading))
    return tuple(rows)


_TABLE3_2019: tuple[Table3Row, ...] = (*_INTAKE, *_outcome_rows(_MERGED_2019), *_CLOSING)
_TABLE3_2021: tuple[Table3Row, ...] = (*_INTAKE, *_outcome_rows(None), *_CLOSING)

# --- table 2 (per edition) ------------------------------------------------------------

TABLE2_ITEM_COLUMN = "信息内容"


@dataclass(frozen=True)
class Table2Section:
    """One clause block of table 2: its heading row, its figure columns and its items.

    ``figures`` and ``items`` are (stable key, official label) pairs; the keys are what
    :class:`ledger.report.model.Table2` is filled with.
    """

    clause: str
    figures: tuple[tuple[str, str], ...]
    items: tuple[tuple[str, str], ...]


def _documents(*labels: str) -> tuple[tuple[str, str], ...]:
    """The document items of 第二十条第（一）项: the document kinds of ledger.codes, labelled."""
    return tuple(zip(DOCUMENT_KINDS.codes, labels, strict=True))


_ITEMS_2019 = ("previous", "上一年项目数量"), ("change", "本年增/减")
_TABLE2_2019: tuple[Table2Section, ...] = (
    Table2Section(
        "第二十条第（一）项",
        (("made", "本年新制作数量"), ("published", "本年新公开数量"), ("total", "对外公开总数量")),
        _documents("规章", "规范性文件"),
    ),
    Table2Section(
        "第二十条第（五）项",
        (*_ITEMS_2019, ("decisions", "处理决定数量")),
        (("licensing", "行政许可"), ("other-services", "其他对外管理服务事项")),
    ),
    Table2Section(
        "第二十条第（六）项",
        (*_ITEMS_2019, ("decisions", "处理决定数量")),
        (("penalty", "行政处罚"), ("enforcement", "行政强制")),
    ),
    Table2Section("第二十条第（八）项", _ITEMS_2019, (("fees", "行政事业性收费"),)),
    Table2Section(
        "第二十条第（九）项",
        (("count", "采购项目数量"), ("amount", "采购总金额")),
        (("procurement", "政府集中采购"),),
    ),
)
_DECISIONS_2021 = (("decisions", "本年处理决定数量"),)
_TABLE2_2021: tuple[Table2Section, ...] = (
    Table2Section(
        "第二十条第（一）项",
        (("issued", "本年制发件数"), ("repealed", "本年废止件数"), ("in-force", "现行有效件数")),
        _documents("规章", "行政规范性文件"),
    ),
    Table2Section("第二十条第（五）项", _DECISIONS_2021, (("licensing", "行政许可"),)),
    Table2Section(
        "第二十条第（六）项",
        _DECISIONS_2021,
        (("penalty", "行政处罚"), ("enforcement", "行政强制")),
    ),
    Table2Section(
        "第二十条第（八）项",
        (("fee-amount", "本年收费金额（单位：万元）"),),
        (("fees", "行政事业性收费"),),
    ),
)
SIGNED_FIGURES: frozenset[str] = frozenset({"change"})
"""Figures that may be negative (本年增/减); every other figure is a count or an amount."""
AMOUNT_FIGURES: frozenset[str] = frozenset({"amount", "fee-amount"})
"""Figures that are money (采购总金额, 本年收费金额（单位：万元）); all others count things."""
DOCUMENT_FIGURES: frozenset[str] = frozenset(
    key for ed in (_TABLE2_2019, _TABLE2_2021) for key, _ in ed[0].figures
)
"""The figures of 第二十条第（一）项 in either edition: counted from the documents recorded."""

# --- table 4 (both editions) ----------------------------------------------------------

(_LITIGATION_GROUP,) = CASE_KINDS.groups
REVIEW = CASE_KINDS.labels()["review"]
LITIGATION = _LITIGATION_GROUP.label
TABLE4_GROUPS: tuple[tuple[str, str], ...] = tuple(
    (kind.replace("-", "_"), label) for kind, label in CASE_KINDS.labels().items()
)
"""Group key (the case kind as a field name of ``Table4``) and label, in official order."""
TABLE4_COLUMNS: tuple[tuple[str, str], ...] = (
    *CASE_OUTCOMES.labels().items(),
    ("pending", "尚未审结"),
    ("total", TOTAL),
)
"""Column key and label: the case outcomes of ledger.codes, then 尚未审结 and 总计."""


# --- the editions ---------------------------------------------------------------------


@dataclass(frozen=True)
class Edition:
    """An official report format: its document, table 2 and the rows of table 3."""

    name: str
    document: str
    table2: tuple[Table2Section, ...]
    table3: tuple[Table3Row, ...]

    def table2_keys(self) -> dict[str, frozenset[str]]:
        """Item key → the figure keys it has in this edition."""
        return {
            item: frozenset(key for key, _ in section.figures)
            for section in self.table2
            for item, _ in section.items
        }

    def row_for(self, code: str) -> Table3Row:
        """The table 3 row that counts an outcome code."""
        for row in self.table3:
            if code in row.codes:
                return row
        raise InvalidInput(
            _("outcome {code!r} has no row in the {name} edition").format(code=code, name=self.name)
        )

    def labels(self) -> frozenset[str]:
        """Every label this edition prints, for checking an agency's overrides."""
        return frozenset(_edition_labels(self))


def _edition_labels(edition: Edition) -> Iterator[str]:
    yield from HEADINGS.values()
    yield from (TABLE3_NOTE, APPLICANT_HEADER, ORGANISATIONS, TOTAL, DECIDED, TABLE2_ITEM_COLUMN)
    yield from (label for _, label in APPLICANT_COLUMNS)
    yield from (label for row in edition.table3 for label in (row.label, row.group) if label)
    for section in edition.table2:
        yield section.clause
        yield from (label for _, label in (*section.figures, *section.items))
    yield from (REVIEW, LITIGATION)
    yield from (label for _, label in (*TABLE4_GROUPS, *TABLE4_COLUMNS))


_EDITIONS: dict[str, Edition] = {
    "2019": Edition("2019", "国办公开办函〔2019〕60号", _TABLE2_2019, _TABLE3_2019),
    "2021": Edition("2021", "国办公开办函〔2021〕30号", _TABLE2_2021, _TABLE3_2021),
}


def edition(name: str) -> Edition:
    """The edition called ``name`` ("2019" or "2021"), or a one-line refusal."""
    try:
        return _EDITIONS[name]
    except KeyError:
        raise InvalidInput(
            _("edition: {name!r} is not a report edition; use one of {listed}").format(
                name=name, listed=", ".join(EDITIONS)
            )
        ) from None


def edition_for_year(year: int) -> str:
    """The edition a report year is published in by default.

    The 2019 format applies to report years 2019 and 2020, the 2021 format from report
    year 2021 on. Years before 2019 were reported under the 2007 Regulation in a format
    ledger does not produce.
    """
    if year < FIRST_REPORT_YEAR:
        raise InvalidInput(
            _(
                "year: {year} has no report edition; the 2019 format covers 2019-2020, the 2021 "
                "format 2021 on"
            ).format(year=year)
        )
    return "2019" if year < FIRST_YEAR_OF_2021_EDITION else "2021"


def default_title(agency: str, year: int) -> str:
    """The report's title as the formats word it."""
    return f"{agency}{year}年政府信息公开工作年度报告"


def apply_overrides(label: str, overrides: Mapping[str, str]) -> str:
    """The label an agency prints: its local wording when it has one, else the official."""
    return overrides.get(label, label)


def unknown_overrides(name: str, overrides: Mapping[str, str]) -> list[str]:
    """Override keys that are no label of the edition (a typo would silently not apply)."""
    known = edition(name).labels()
    return sorted(label for label in overrides if label not in known)


def _check_outcomes_covered() -> None:
    """Every outcome code is counted by exactly one row of each edition, and each 2021 row
    label carries its outcome's Chinese name (so the labels cannot slip out of order)."""
    for ed in _EDITIONS.values():
        counted = [code for row in ed.table3 for code in row.codes]
        if sorted(counted) != sorted(OUTCOMES.codes):
            raise AssertionError(f"edition {ed.name}: table 3 rows do not cover the outcomes")
    for code, name in OUTCOMES.labels().items():
        if name not in _ROW_LABEL_2021[code]:
            raise AssertionError(f"table 3 row {_ROW_LABEL_2021[code]!r} is not {code} ({name})")


_check_outcomes_covered()

# --- not official: the processing statistics appendix and notes ------------------------

STATS_TITLE = "办理情况统计"
STATS_HEADING = f"附：{STATS_TITLE}"
STATS_NOTE = "本附件为办理情况统计，不属于年度报告格式规定的表格。"
STATS_LABELS: dict[str, str] = {
    "answered_on_time": "按期答复（件）",
    "answered_late": "逾期答复（件）",
    "median_working_days": "答复用时中位数（工作日，不含暂停期间）",
    "mean_working_days": "答复用时平均数（工作日，不含暂停期间）",
    "longest_working_days": "答复用时最长（工作日，不含暂停期间）",
    "extensions_used": "延长答复期限（次）",
    "clarifications_used": "要求补正（次）",
    "clarifications_late": "超过7个工作日要求补正（次）",
    "recorded_late": "事后补录（登记晚于发生日30日以上，件）",
}
STATS_ITEM = "项目"
STATS_VALUE = "数值"
OLDEST_OPEN_HEADING = "年末仍在办理的最早申请（最多十件）"
OLDEST_OPEN_COLUMNS: tuple[str, str, str] = ("申请编号", "收到日期", "已办理工作日")
MONTHLY_HEADING = "每月收到和答复申请数量"
MONTH_COLUMN = "月份"
RECEIVED_TOTAL = "收到合计"
ANSWERED = "答复"
CHANNEL_LABELS: dict[str, str] = CHANNELS.labels()
"""The channel columns of the monthly statistics: the channels' names in ledger.codes."""
CHART_TITLE = "每月收到和答复的申请"
CHART_RECEIVED = "收到"
NONE_OPEN = "无"
APPENDIX = "附件"


def month_label(month: int) -> str:
    """A month as a Chinese reader writes it (1 → 1月)."""
    return f"{month}月"


def as_of_note(moment: str) -> str:
    """The note saying which state of the log a regenerated report shows."""
    return f"本报告数据按{moment}时已记录的情况生成。"


def log_head_note(anchor: str) -> str:
    """The note giving the head of the log the report was generated from."""
    return f"生成时日志链头：{anchor}"


def signed_date(year: int, month: int, day: int) -> str:
    """A signature date as official documents write it (2021年1月14日)."""
    return f"{year}年{month}月{day}日"
