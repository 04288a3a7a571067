"""An empty register for an office to fill in: the headers, a sample row, and drop-down
lists (data validation) on the coded columns, so that only names the import reads are
typed there."""

from __future__ import annotations

from pathlib import Path

from ledger.codes import APPLICANTS, CHANNELS, OUTCOMES
from ledger.register.layout import COLUMNS
from ledger.register.read import letter as letter_of

SAMPLE: dict[str, str] = {
    "id": "2024-0001",
    "received": "2024-03-04",
    "channel": CHANNELS.labels()["in-person"],
    "applicant": APPLICANTS.labels()["natural"],
    "subject": "某项目环评批复文件",
    "name": "张三",
    "decided": "2024-03-20",
    "outcome": OUTCOMES.labels()["disclosed"],
    "note": "示例行，导入前请删除",
}
"""The sample row (delete it before importing: its id would be recorded)."""

VALIDATION_ROWS = 5000
"""How many rows below the header get the drop-down lists."""


def write_template(path: Path) -> None:
    """Write the template workbook: a sheet for the register, one listing the codes."""
    from openpyxl import Workbook
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    sheet = book.active
    sheet.title = "登记台账"
    sheet.append([c.header for c in COLUMNS])
    sheet.append([SAMPLE.get(c.key, "") for c in COLUMNS])
    sheet.freeze_panes = "A2"
    lists = book.create_sheet("代码表")
    for index, column in enumerate(c for c in COLUMNS if c.codes is not None):
        assert column.codes is not None
        labels = list(column.codes.labels().values())
        letter = letter_of(index)
        lists.cell(row=1, column=index + 1, value=column.header)
        for n, label in enumerate(labels, start=2):
            lists.cell(row=n, column=index + 1, value=label)
        where = letter_of(COLUMNS.index(column))
        check = DataValidation(
            type="list",
            formula1=f"'代码表'!${letter}$2:${letter}${len(labels) + 1}",
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=column.header,
            error=f"{column.header}: choose one of the list ({column.english})",
        )
        check.add(f"{where}2:{where}{VALIDATION_ROWS + 1}")
        sheet.add_data_validation(check)
    for index, column in enumerate(COLUMNS):
        sheet.column_dimensions[letter_of(index)].width = max(12, len(column.header) * 2 + 4)
    book.save(path)
