"""The notice kinds and the articles each outcome's answer letter cites."""

from __future__ import annotations

import pytest

from ledger.codes import NOTICE_KINDS, OUTCOME_ARTICLES, OUTCOMES, outcome_group
from ledger.errors import InvalidInput
from ledger.notices.model import STEPS


def test_every_outcome_has_its_articles() -> None:
    """The article table names every outcome code, and nothing else."""
    assert set(OUTCOME_ARTICLES) == set(OUTCOMES.codes)


def test_every_notice_kind_has_its_step() -> None:
    """Each notice kind belongs to one step of a request."""
    assert set(STEPS) == set(NOTICE_KINDS.codes)


@pytest.mark.parametrize(
    ("name", "code"),
    [("登记回执", "receipt"), ("补正", "clarification"), ("延期答复告知书", "extension"),
     ("征求意见函", "consultation"), ("收费通知书", "fee"), ("答复书", "answer")],
)  # fmt: skip
def test_a_notice_kind_is_accepted_by_its_chinese_name(name: str, code: str) -> None:
    """A clerk may type a notice's title or its short name."""
    assert NOTICE_KINDS.parse(name) == code


def test_an_outcome_group_is_its_heading_or_itself() -> None:
    """Withheld outcomes belong to withheld; disclosed has no group and stands alone."""
    assert outcome_group("withheld.third-party") == "withheld"
    assert outcome_group("disclosed") == "disclosed"
    with pytest.raises(InvalidInput, match="--outcome"):
        outcome_group("nonsense")
