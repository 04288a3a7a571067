"""docs/rules.md states the outcome rows and applicant columns exactly as the formats print them."""

from __future__ import annotations

import re
from pathlib import Path

from ledger.codes import OUTCOMES
from ledger.report import editions

RULES = Path(__file__).resolve().parents[2] / "docs" / "rules.md"


def _rows(heading: str) -> dict[str, str]:
    """The first table under ``heading``: its code column → its second column."""
    section = RULES.read_text(encoding="utf-8").split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    return dict(re.findall(r"^\| `([\w.-]+)` \| (.+?) \|$", section, flags=re.MULTILINE))


def test_every_outcome_code_has_its_2021_row_label() -> None:
    """Each outcome code is listed with its table-3 row, group heading and label character for character."""
    documented = _rows("Outcomes and the rows of table 3")
    printed = {
        code: f"{row.group} {row.label}".strip()
        for row in editions.edition("2021").table3
        if len(row.codes) == 1
        for code in row.codes
    }
    assert set(documented) == set(printed) == set(OUTCOMES.codes)
    for code, label in printed.items():
        assert documented[code].startswith(label), code


def test_the_applicant_columns_are_the_official_ones_in_order() -> None:
    """The applicant table lists every column code with its official label, in the format's order."""
    documented = _rows("Applicant columns")
    assert list(documented) == [code for code, _ in editions.APPLICANT_COLUMNS]
    for code, label in editions.APPLICANT_COLUMNS:
        assert documented[code].endswith(label), code
