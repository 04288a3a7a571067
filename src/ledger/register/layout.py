"""The register's columns: the one table of their Chinese headers, English names and kinds.

The import reads these headers (Chinese or English, any order), the export and the
template write them, and docs/register.md is generated from this table (a test holds
the document to it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ledger.codes import APPLICANTS, CHANNELS, OUTCOMES, CodeTable

Kind = Literal["id", "date", "text", "code", "days", "amount", "period", "personal"]


@dataclass(frozen=True)
class Column:
    """One column: its key, Chinese header, English header, kind and what it means."""

    key: str
    header: str
    english: str
    kind: Kind
    meaning: str
    required: bool = False
    codes: CodeTable | None = None

    def names(self) -> tuple[str, ...]:
        """Every header a workbook may use for this column."""
        return (self.header, self.english, self.key)


COLUMNS: tuple[Column, ...] = (
    Column("id", "受理编号", "request_id", "id", "the request's id (letters, digits, . _ -)", True),
    Column("received", "收到日期", "received", "date", "the date of receipt (Art. 31)", True),
    Column("channel", "收到方式", "channel", "code", "how it arrived", True, CHANNELS),
    Column("applicant", "申请人类型", "applicant", "code", "applicant category", True, APPLICANTS),
    Column("subject", "申请内容", "subject", "text", "what was asked for"),
    Column("name", "姓名", "name", "personal", "applicant's name (applicants table only)"),
    Column("id_number", "证件号码", "id_number", "personal", "identity document number"),
    Column("phone", "联系电话", "phone", "personal", "telephone"),
    Column("address", "地址", "address", "personal", "postal address"),
    Column("email", "邮箱", "email", "personal", "e-mail address"),
    Column("clarify_on", "补正告知日期", "clarify_notice", "date", "clarification notice sent"),
    Column("reply_by", "补正答复期限", "clarify_reply_by", "date", "the applicant's reply-by date"),
    Column("clarified", "补正收到日期", "clarified", "date", "corrected request arrived"),
    Column("party", "征求意见对象", "consult_party", "text", "who was consulted (default 第三方)"),
    Column(
        "consult_period",
        "征求意见起止",
        "consult_period",
        "period",
        "letter sent and opinion received, e.g. 2020-03-02至2020-03-10",
    ),
    Column("consult_start", "征求意见开始", "consult_start", "date", "consultation letter sent"),
    Column("consult_end", "征求意见结束", "consult_end", "date", "the opinion arrived"),
    Column("extend_on", "延期日期", "extension_date", "date", "extension granted (Art. 33)"),
    Column("extend_days", "延期天数", "extension_days", "days", "working days of extension"),
    Column("approver", "延期批准人", "extension_approver", "text", "who approved the extension"),
    Column("fee_on", "收费通知日期", "fee_notice", "date", "fee notice sent"),
    Column("fee_amount", "收费金额", "fee_amount", "amount", "fee in yuan (e.g. 100.00)"),
    Column("paid", "缴费日期", "fee_paid", "date", "fee paid"),
    Column("decided", "答复日期", "decided", "date", "the answer was issued"),
    Column("outcome", "答复结果", "outcome", "code", "the outcome", codes=OUTCOMES),
    Column("withdrawn", "撤回日期", "withdrawn", "date", "the applicant withdrew"),
    Column("note", "备注", "note", "text", "free notes (kept in the register, not recorded)"),
)
"""The register's columns in the order the export and the template write them."""

BY_KEY: dict[str, Column] = {c.key: c for c in COLUMNS}
REQUIRED: tuple[Column, ...] = tuple(c for c in COLUMNS if c.required)
PERSONAL: tuple[Column, ...] = tuple(c for c in COLUMNS if c.kind == "personal")
DEFAULT_PARTY = "第三方"
REASON_HEADER = "错误原因"
"""The column the --skip-bad workbook adds: why the row was not imported."""


def header_index() -> dict[str, Column]:
    """Every accepted header (Chinese, English, key; case and spaces ignored) → column."""
    return {_norm(name): c for c in COLUMNS for name in c.names()}


def _norm(text: str) -> str:
    return "".join(str(text).split()).casefold()


def column_named(header: object) -> Column | None:
    """The column a header cell names, or None."""
    return _INDEX.get(_norm(str(header))) if header is not None else None


_INDEX = header_index()


def markdown_table() -> str:
    """The layout as a Markdown table (docs/register.md holds this text)."""
    lines = [
        "| 列名 (Chinese header) | English header | required | what it holds |",
        "|---|---|---|---|",
    ]
    for c in COLUMNS:
        meaning = c.meaning
        if c.codes is not None:
            meaning += ": " + ", ".join(c.codes.labels().values())
        lines.append(f"| {c.header} | {c.english} | {'yes' if c.required else ''} | {meaning} |")
    return "\n".join(lines)
