"""Outcome codes and applicant categories (Regulation Art. 36, 37, 39; DESIGN.md).

One outcome per request; each code maps to one row of table 3. The Chinese labels of the
rows live in the report editions; here are only the codes and the short Chinese names a
clerk may type instead of a code.
"""

from __future__ import annotations

from ledger.errors import InvalidInput

OUTCOMES: tuple[str, ...] = (
    "disclosed",
    "partial",
    "withheld.state-secret",
    "withheld.law-prohibited",
    "withheld.security-stability",
    "withheld.third-party",
    "withheld.internal",
    "withheld.process",
    "withheld.enforcement-file",
    "withheld.query-matter",
    "unavailable.not-held",
    "unavailable.needs-creation",
    "unavailable.still-unclear",
    "declined.petition",
    "declined.repeat",
    "declined.publication",
    "declined.excessive",
    "declined.confirmation",
    "other.no-clarification",
    "other.fee-unpaid",
    "other",
)

# The labels a clerk may type for an outcome: the row's own words in the 2021 format.
OUTCOME_LABELS: dict[str, str] = {
    "予以公开": "disclosed",
    "部分公开": "partial",
    "属于国家秘密": "withheld.state-secret",
    "其他法律行政法规禁止公开": "withheld.law-prohibited",
    "危及“三安全一稳定”": "withheld.security-stability",
    "危及三安全一稳定": "withheld.security-stability",
    "保护第三方合法权益": "withheld.third-party",
    "属于三类内部事务信息": "withheld.internal",
    "属于四类过程性信息": "withheld.process",
    "属于行政执法案卷": "withheld.enforcement-file",
    "属于行政查询事项": "withheld.query-matter",
    "本机关不掌握相关政府信息": "unavailable.not-held",
    "没有现成信息需要另行制作": "unavailable.needs-creation",
    "补正后申请内容仍不明确": "unavailable.still-unclear",
    "信访举报投诉类申请": "declined.petition",
    "重复申请": "declined.repeat",
    "要求提供公开出版物": "declined.publication",
    "无正当理由大量反复申请": "declined.excessive",
    "要求行政机关确认或重新出具已获取信息": "declined.confirmation",
    "申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请": "other.no-clarification",
    "申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请": "other.fee-unpaid",
    "其他": "other",
    "其他处理": "other",
}

APPLICANTS: tuple[str, ...] = ("natural", "business", "research", "nonprofit", "legal", "other")

APPLICANT_LABELS: dict[str, str] = {
    "自然人": "natural",
    "商业企业": "business",
    "科研机构": "research",
    "社会公益组织": "nonprofit",
    "法律服务机构": "legal",
    "其他": "other",
}


def outcome_code(value: str, field: str = "--outcome") -> str:
    """The outcome code for a code or an official label, or a one-line refusal."""
    text = value.strip()
    if text in OUTCOMES:
        return text
    if text in OUTCOME_LABELS:
        return OUTCOME_LABELS[text]
    raise InvalidInput(f"{field}: {value!r} is not an outcome; use one of {', '.join(OUTCOMES)}")


def applicant_code(value: str, field: str = "--applicant") -> str:
    """The applicant category for a code or its Chinese label, or a one-line refusal."""
    text = value.strip()
    if text in APPLICANTS:
        return text
    if text in APPLICANT_LABELS:
        return APPLICANT_LABELS[text]
    allowed = ", ".join(f"{code} ({label})" for label, code in APPLICANT_LABELS.items())
    raise InvalidInput(f"{field}: {value!r} is not an applicant category; use one of {allowed}")
