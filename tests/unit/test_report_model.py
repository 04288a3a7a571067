"""The report's data model and its editions: totals, checks, and the official labels."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from ledger import codes
from ledger.errors import InvalidInput
from ledger.i18n import set_language
from ledger.report import (
    AnnualReport,
    OpenRequest,
    ProcessingStats,
    Table2,
    Table3,
    Table4,
    Table4Group,
    apply_overrides,
    default_title,
    edition,
    edition_for_year,
)
from ledger.report.model import OUTCOMES


def test_table3_rows_total_the_six_applicant_columns() -> None:
    """总计 of a row is the sum of the six applicant columns; missing columns are zero."""
    t3 = Table3(new={"natural": 3, "legal": 2})
    assert t3.new["business"] == 0
    assert t3.outcome_row(["disclosed"])["total"] == 0
    assert sum(t3.new.values()) == 5


def test_decided_total_row_sums_every_outcome() -> None:
    """（七）总计 adds every outcome code, per applicant column."""
    t3 = Table3(
        decided={
            "disclosed": {"natural": 2},
            "partial": {"natural": 1, "business": 1},
            "other.fee-unpaid": {"legal": 4},
        }
    )
    row = t3.decided_total_row()
    assert (row["natural"], row["business"], row["legal"], row["total"]) == (3, 1, 4, 8)


def test_2019_other_processing_row_counts_three_codes() -> None:
    """In the 2019 edition one （六）其他处理 row counts no-clarification, fee-unpaid and other."""
    row = edition("2019").row_for("other.fee-unpaid")
    assert row.label == "（六）其他处理"
    assert row.codes == ("other.no-clarification", "other.fee-unpaid", "other")
    t3 = Table3(decided={"other": {"natural": 1}, "other.no-clarification": {"natural": 2}})
    assert t3.outcome_row(row.codes)["total"] == 3


def test_2021_splits_other_processing_into_three_rows() -> None:
    """In the 2021 edition each of the three endings has its own numbered row under （六）."""
    rows = [edition("2021").row_for(code) for code in codes.OUTCOMES.in_group("other")]
    assert [r.label for r in rows] == [
        "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
        "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
        "3.其他",
    ]
    assert {r.group for r in rows} == {"（六）其他处理"}


@pytest.mark.parametrize("name", ["2019", "2021"])
def test_every_outcome_is_counted_by_exactly_one_row(name: str) -> None:
    """Each outcome code lands in exactly one row of each edition's table 3."""
    counted = [code for row in edition(name).table3 for code in row.codes]
    assert sorted(counted) == sorted(OUTCOMES)


def test_table3_rows_are_in_official_order_with_official_labels() -> None:
    """The 2021 table 3 lists its labels in the official order, character for character."""
    labels = [(r.group, r.label) for r in edition("2021").table3]
    assert labels[:4] == [
        ("", "一、本年新收政府信息公开申请数量"),
        ("", "二、上年结转政府信息公开申请数量"),
        ("", "（一）予以公开"),
        ("", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"),
    ]
    assert labels[6] == ("（三）不予公开", "3.危及“三安全一稳定”")
    assert labels[-2:] == [("", "（七）总计"), ("", "四、结转下年度继续办理")]
    assert len(labels) == 25


def test_reconciliation_errors_name_the_column() -> None:
    """A column where new + carried in differs from decided + carried out is reported by name."""
    t3 = Table3(new={"natural": 2, "research": 1}, decided={"disclosed": {"natural": 2}})
    (error,) = t3.reconciliation_errors()
    assert error.startswith("column research (科研机构): new 1 + carried in 0 = 1")
    assert "decided 0 + carried out 0 = 0" in error


def test_refusals_read_in_the_language_spoken() -> None:
    """A refusal names the field the same way in both languages; its words follow the reader's."""
    set_language("zh")
    with pytest.raises(InvalidInput) as refused:
        Table3(new={"natural": -1})
    assert str(refused.value) == "table3.new[natural]：-1 不是数量；请使用大于或等于 0 的整数"
    (error,) = Table3(new={"research": 1}).reconciliation_errors()
    assert error == "科研机构（research）列：新收 1 + 上年结转 0 = 1，但已办结 0 + 结转下年 0 = 0"
    set_language("en")
    with pytest.raises(InvalidInput) as refused:
        Table3(new={"natural": -1})
    assert str(refused.value) == "table3.new[natural]: -1 is not a count; use a whole number >= 0"


def test_reconciled_table_has_no_errors() -> None:
    """Carry-overs balance the columns: 2 new + 1 carried in = 2 decided + 1 carried out."""
    t3 = Table3(
        new={"natural": 2},
        carried_in={"natural": 1},
        decided={"partial": {"natural": 2}},
        carried_out={"natural": 1},
    )
    assert t3.reconciliation_errors() == []


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"new": {"person": 1}}, "table3.new"),
        ({"new": {"natural": -1}}, "table3.new[natural]"),
        ({"decided": {"granted": {"natural": 1}}}, "table3.decided"),
        ({"carried_out": {"natural": 1.0}}, "table3.carried_out[natural]"),
    ],
)
def test_table3_refuses_bad_counts_naming_the_field(kwargs: dict[str, object], field: str) -> None:
    """Unknown applicants or outcomes, negative or non-integer counts are refused by field."""
    with pytest.raises(InvalidInput, match=field.replace("[", r"\[").replace("]", r"\]")):
        Table3(**kwargs)  # type: ignore[arg-type]


def test_table2_reads_missing_figures_as_zero() -> None:
    """A figure the projection did not fill reads as 0."""
    t2 = Table2({"licensing": {"decisions": 200}})
    assert t2.figure("licensing", "decisions") == 200
    assert t2.figure("licensing", "previous") == 0
    assert t2.figure("fees", "fee-amount") == 0


def test_table2_keys_are_checked_against_the_edition() -> None:
    """A 2021 figure key in a 2019 report is refused, naming the item and the allowed keys."""
    with pytest.raises(InvalidInput, match=r"table2\[fees\]: figure 'fee-amount'"):
        AnnualReport(2020, "某局", table2=Table2({"fees": {"fee-amount": Decimal(1)}}))
    with pytest.raises(InvalidInput, match="item 'procurement' is not in the 2021 edition"):
        AnnualReport(2021, "某局", table2=Table2({"procurement": {"count": 1}}))


def test_only_the_change_figure_may_be_negative() -> None:
    """本年增/减 may be negative; a negative count or a float amount is refused."""
    assert Table2({"licensing": {"change": -3}}).figure("licensing", "change") == -3
    with pytest.raises(InvalidInput, match="negative"):
        Table2({"licensing": {"decisions": -3}})
    with pytest.raises(InvalidInput, match="use an int, or a Decimal"):
        Table2({"fees": {"fee-amount": 1.5}})  # type: ignore[dict-item]


def test_table4_totals_each_group() -> None:
    """总计 of a table 4 group is the sum of its four outcome columns."""
    group = Table4Group(maintained=2, corrected=1, other=0, pending=3)
    assert group.total == 6
    assert Table4(litigation_direct=group).group("litigation-direct").values()["total"] == 6
    with pytest.raises(InvalidInput, match="not a group"):
        Table4().group("appeal")


@pytest.mark.parametrize(("year", "name"), [(2019, "2019"), (2020, "2019"), (2021, "2021")])
def test_each_year_has_its_own_edition(year: int, name: str) -> None:
    """Report years 2019-2020 use the 2019 format, 2021 on the 2021 format."""
    assert edition_for_year(year) == name
    assert AnnualReport(year, "某局").edition == name


def test_years_before_2019_have_no_edition() -> None:
    """A report year before the 2019 format is refused rather than guessed."""
    with pytest.raises(InvalidInput, match="2018 has no report edition"):
        edition_for_year(2018)


def test_title_defaults_to_the_official_wording_and_can_be_overridden() -> None:
    """The default title is {agency}{year}年政府信息公开工作年度报告; a given title is kept."""
    assert default_title("某局", 2021) == "某局2021年政府信息公开工作年度报告"
    assert AnnualReport(2021, "某局").title == "某局2021年政府信息公开工作年度报告"
    assert AnnualReport(2021, "某局", title="某局2021年度报告").title == "某局2021年度报告"


def test_overrides_replace_only_the_labels_they_name() -> None:
    """apply_overrides swaps an official label for the local one and leaves others alone."""
    overrides = {"四、结转下年度继续办理": "四、转结下年度继续办理"}
    assert apply_overrides("四、结转下年度继续办理", overrides) == "四、转结下年度继续办理"
    assert apply_overrides("（七）总计", overrides) == "（七）总计"


def test_an_override_of_no_official_label_is_refused() -> None:
    """An override whose key is not a label of the edition (a typo) is refused by name."""
    with pytest.raises(InvalidInput, match="'本年新收政府信息公开申请数量' is not a label"):
        AnnualReport(2020, "某局", label_overrides={"本年新收政府信息公开申请数量": "x"})


def test_stats_normalise_months_and_channels() -> None:
    """Channels left out count zero in every month; received per month adds the channels."""
    stats = ProcessingStats(received_by_month={"online": [1] * 12, "fax": [0] * 11 + [2]})
    assert stats.received_by_month["in-person"] == (0,) * 12
    assert stats.received_per_month()[11] == 3
    assert stats.answered_by_month == (0,) * 12


def test_stats_refuse_bad_shapes() -> None:
    """Eleven months, an unknown channel or more than ten oldest requests are refused."""
    with pytest.raises(InvalidInput, match="12 in all"):
        ProcessingStats(answered_by_month=[1] * 11)
    with pytest.raises(InvalidInput, match="'email' is not a channel"):
        ProcessingStats(received_by_month={"email": [0] * 12})
    oldest = tuple(OpenRequest(f"R{i}", date(2020, 1, 1), 200) for i in range(11))
    with pytest.raises(InvalidInput, match="at most ten"):
        ProcessingStats(oldest_open=oldest)


def test_report_is_immutable() -> None:
    """The counts handed to a report cannot be changed through it afterwards."""
    counts = {"natural": 1}
    t3 = Table3(new=counts, decided={"disclosed": {"natural": 1}})
    counts["natural"] = 5
    assert t3.new["natural"] == 1
    with pytest.raises(TypeError):
        t3.new["natural"] = 2  # type: ignore[index]
