"""The codes facts are recorded with: channel, applicant category, outcome (Regulation
Art. 31, 36, 37, 39), and the kinds and outcomes of table 4 cases and table 2 documents.

This is the one place each code is spelled, with its Chinese name and the other names a
clerk may type for it. Everything else (the event model, the report editions, the CLI
help, the parsers) takes its codes from these tables. The official row labels of table 3
live in :mod:`ledger.report.editions`, one table per edition, keyed by these codes.

A name may belong to several codes (不予公开 names eight outcomes); such a name is refused
with the candidates listed, never guessed.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

from ledger.errors import InvalidInput
from ledger.i18n import N_, _, language

Receipt = Literal["submitted", "signed", "confirmed"]
"""The legal date of receipt (Art. 31): the day submitted, signed for, or confirmed."""


@dataclass(frozen=True)
class Code:
    """One code: its Chinese name, the other names it is known by, and its group.

    ``group`` is the code of the :class:`Group` it belongs to ("" for none); a name typed
    as "<group name>-<name>" (不予公开-国家秘密) is looked up among that group's codes.
    ``receipt`` (channels only) says which day is the legal date of receipt (Art. 31).
    """

    code: str
    label: str
    aliases: tuple[str, ...] = ()
    group: str = ""
    receipt: Receipt | None = None

    def names(self) -> tuple[str, ...]:
        """Every name a clerk may type for this code, the code itself first."""
        return (self.code, self.label, *self.aliases)


@dataclass(frozen=True)
class Group:
    """A heading several codes sit under (不予公开, 法人或其他组织)."""

    code: str
    label: str


SEPARATORS = ("-", "－", "—", ":", "：", "/", "·", " ")
"""What may stand between a group's name and a member's name (不予公开：国家秘密)."""

NUMBERING = re.compile(r"（[一二三四五六七八九十]+）|(?<![0-9])[0-9]+[.．、]")
"""The numbers of a table row ((三), 1.), dropped so that a row label read aloud parses."""


@dataclass(frozen=True)
class CodeTable:
    """An ordered set of codes of one kind, and how a typed name is read as one of them."""

    noun: str
    field: str
    entries: tuple[Code, ...]
    groups: tuple[Group, ...] = ()

    @property
    def codes(self) -> tuple[str, ...]:
        """The codes in their official order."""
        return tuple(e.code for e in self.entries)

    def labels(self) -> dict[str, str]:
        """Code → Chinese name, in the official order."""
        return {e.code: e.label for e in self.entries}

    def in_group(self, group: str) -> tuple[str, ...]:
        """The codes under one group, in order."""
        return tuple(e.code for e in self.entries if e.group == group)

    def names(self) -> dict[str, tuple[str, ...]]:
        """Every typed name → the codes it may mean (one, unless ambiguous).

        Built once per table (the table is frozen): ``parse`` runs for every command.
        """
        return self._names

    @cached_property
    def _names(self) -> dict[str, tuple[str, ...]]:
        found: dict[str, list[str]] = defaultdict(list)
        for entry in self.entries:
            for name in dict.fromkeys(entry.names()):
                found[name].append(entry.code)
        for group in self.groups:
            for code in self.in_group(group.code):
                if code not in found[group.label]:
                    found[group.label].append(code)
        return {name: tuple(codes) for name, codes in found.items()}

    def allowed(self) -> str:
        """The codes and their Chinese names, for a refusal."""
        return ", ".join(f"{e.code} ({e.label})" for e in self.entries)

    def shown(self, code: str) -> str:
        """A code as a person reads it: its Chinese name in Chinese, the code in English."""
        return self.labels().get(code, code) if language() == "zh" else code

    def help_text(self) -> str:
        """Every code with all its Chinese names, for an option's --help."""
        return ", ".join(f"{e.code} ({'/'.join((e.label, *e.aliases))})" for e in self.entries)

    def parse(self, value: str, field: str | None = None) -> str:
        """The code for a code or any of its names, or a one-line refusal naming ``field``."""
        where = field or self.field
        text = value.strip()
        bare = NUMBERING.sub("", text).strip()
        candidates = self.names().get(text) or self._grouped(text) or self._grouped(bare)
        candidates = candidates or self.names().get(bare, ())
        if len(candidates) == 1:
            return candidates[0]
        if candidates:
            labels = self.labels()
            listed = ", ".join(f"{c} ({labels[c]})" for c in candidates)
            ambiguous = _("{field}: {value!r} is ambiguous; it may be {listed}; say which")
            raise InvalidInput(ambiguous.format(field=where, value=value, listed=listed))
        refusal = _("{field}: {value!r} is not {noun}; use one of {allowed}")
        raise InvalidInput(
            refusal.format(field=where, value=value, noun=_(self.noun), allowed=self.allowed())
        )

    def _grouped(self, text: str) -> tuple[str, ...]:
        """Codes named "<group name><separator><member name>", e.g. 不予公开-国家秘密."""
        for group in self.groups:
            rest = text.removeprefix(group.label)
            if rest == text or not rest:
                continue
            rest = rest.lstrip("".join(SEPARATORS))
            members = set(self.in_group(group.code))
            codes = tuple(c for c in self.names().get(rest, ()) if c in members)
            if codes:
                return codes
        return ()


CHANNELS = CodeTable(
    noun=N_("a channel"),
    field="--channel",
    entries=(
        Code("in-person", "当面提交", ("当面", "现场", "现场提交"), receipt="submitted"),
        Code("mail", "邮寄（签收）", ("信函", "挂号信", "邮寄"), receipt="signed"),
        Code("mail-unsigned", "平常信函", ("平信",), receipt="confirmed"),
        Code("online", "互联网", ("网络", "网上", "网上申请"), receipt="confirmed"),
        Code("fax", "传真", (), receipt="confirmed"),
    ),
)
"""How a request arrived (Art. 31 fixes the date of receipt by it); the Chinese names are
those of the processing statistics (no official format has channel columns)."""

APPLICANTS = CodeTable(
    noun=N_("an applicant category"),
    field="--applicant",
    entries=(
        Code("natural", "自然人"),
        Code("business", "商业企业", group="organisation"),
        Code("research", "科研机构", group="organisation"),
        Code("nonprofit", "社会公益组织", group="organisation"),
        Code("legal", "法律服务机构", group="organisation"),
        Code("other", "其他", group="organisation"),
    ),
    groups=(Group("organisation", "法人或其他组织"),),
)
"""The applicant columns of table 3, in the official column order (总计 follows)."""

OUTCOMES = CodeTable(
    noun=N_("an outcome"),
    field="--outcome",
    entries=(
        Code("disclosed", "予以公开"),
        Code("partial", "部分公开", ("部分公开（区分处理的，只计这一情形，不计其他情形）",)),
        Code("withheld.state-secret", "属于国家秘密", ("国家秘密",), "withheld"),
        Code(
            "withheld.law-prohibited",
            "其他法律行政法规禁止公开",
            ("法律行政法规禁止公开",),
            "withheld",
        ),
        Code(
            "withheld.security-stability",
            "危及“三安全一稳定”",
            ("危及三安全一稳定", "三安全一稳定"),
            "withheld",
        ),
        Code("withheld.third-party", "保护第三方合法权益", ("第三方合法权益",), "withheld"),
        Code("withheld.internal", "属于三类内部事务信息", ("内部事务信息",), "withheld"),
        Code("withheld.process", "属于四类过程性信息", ("过程性信息",), "withheld"),
        Code("withheld.enforcement-file", "属于行政执法案卷", ("行政执法案卷",), "withheld"),
        Code("withheld.query-matter", "属于行政查询事项", ("行政查询事项",), "withheld"),
        Code("unavailable.not-held", "本机关不掌握相关政府信息", ("本机关不掌握",), "unavailable"),
        Code(
            "unavailable.needs-creation",
            "没有现成信息需要另行制作",
            ("需要另行制作",),
            "unavailable",
        ),
        Code(
            "unavailable.still-unclear", "补正后申请内容仍不明确", ("内容仍不明确",), "unavailable"
        ),
        Code("declined.petition", "信访举报投诉类申请", ("信访举报投诉",), "declined"),
        Code("declined.repeat", "重复申请", (), "declined"),
        Code("declined.publication", "要求提供公开出版物", ("公开出版物",), "declined"),
        Code("declined.excessive", "无正当理由大量反复申请", ("大量反复申请",), "declined"),
        Code(
            "declined.confirmation",
            "要求行政机关确认或重新出具已获取信息",
            ("确认或重新出具已获取信息",),
            "declined",
        ),
        Code(
            "other.no-clarification",
            "申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
            ("逾期不补正",),
            "other",
        ),
        Code(
            "other.fee-unpaid",
            "申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
            ("逾期未缴费", "逾期未缴纳费用"),
            "other",
        ),
        Code("other", "其他", ("撤回",), "other"),
    ),
    groups=(
        Group("withheld", "不予公开"),
        Group("unavailable", "无法提供"),
        Group("declined", "不予处理"),
        Group("other", "其他处理"),
    ),
)
"""One outcome per request (Art. 36, 37, 39); each is counted in one row of table 3. The
Chinese name is the row's own words in the 2021 format, without its number."""


CASE_KINDS = CodeTable(
    noun=N_("a case kind"),
    field="--kind",
    entries=(
        Code("review", "行政复议", ("复议",)),
        Code("litigation-direct", "未经复议直接起诉", ("直接起诉",), "litigation"),
        Code("litigation-after-review", "复议后起诉", (), "litigation"),
    ),
    groups=(Group("litigation", "行政诉讼"),),
)
"""The column groups of table 4: a review, or a lawsuit with or without a review first."""

CASE_OUTCOMES = CodeTable(
    noun=N_("a case outcome"),
    field="--outcome",
    entries=(
        Code("maintained", "结果维持", ("维持",)),
        Code("corrected", "结果纠正", ("纠正",)),
        Code("other", "其他结果", ("其他",)),
    ),
)
"""How a review or lawsuit ended: the outcome columns of table 4 (尚未审结 is no outcome)."""

DOCUMENT_KINDS = CodeTable(
    noun=N_("a document kind"),
    field="--kind",
    entries=(Code("rules", "规章"), Code("normative", "规范性文件", ("行政规范性文件",))),
)
"""The documents table 2 counts (the 2021 format calls the second 行政规范性文件)."""


def receipt_rule(channel: str) -> Receipt:
    """Which day is a channel's legal date of receipt (Art. 31)."""
    for entry in CHANNELS.entries:
        if entry.code == channel and entry.receipt is not None:
            return entry.receipt
    refusal = _("{field}: {value!r} is not {noun}; use one of {allowed}")
    raise InvalidInput(
        refusal.format(
            field="--channel", value=channel, noun=_(CHANNELS.noun), allowed=CHANNELS.allowed()
        )
    )


def channel_code(value: str, field: str = "--channel") -> str:
    """The channel for a code or a Chinese name (当面, 挂号信, 平信, 网上, 传真 …)."""
    return CHANNELS.parse(value, field)


def applicant_code(value: str, field: str = "--applicant") -> str:
    """The applicant category for a code or its Chinese name (自然人, 商业企业 …)."""
    return APPLICANTS.parse(value, field)


def outcome_code(value: str, field: str = "--outcome") -> str:
    """The outcome for a code, its row label or a short name (予以公开, 不予公开-国家秘密 …)."""
    return OUTCOMES.parse(value, field)


NOTICE_KINDS = CodeTable(
    noun=N_("a notice kind"),
    field="KIND",
    entries=(
        Code("receipt", "登记回执", ("回执", "收件回执")),
        Code("clarification", "补正告知书", ("补正", "补正通知")),
        Code("extension", "延期答复告知书", ("延期", "延期答复")),
        Code("consultation", "征求意见函", ("征求意见", "征求第三方意见")),
        Code("fee", "收费通知书", ("收费", "缴费通知")),
        Code("answer", "政府信息公开申请答复书", ("答复书", "答复")),
    ),
)
"""The written notices of a request's steps (``ledger notice``); the Chinese name is the
letter's title."""

REGULATION = "《中华人民共和国政府信息公开条例》"
"""The Regulation as a letter cites it (国务院令第711号, in force from 2019-05-15)."""

OUTCOME_ARTICLES: dict[str, tuple[str, ...]] = {
    "disclosed": ("第三十六条第（二）项",),
    "partial": ("第三十七条",),
    "withheld.state-secret": ("第十四条", "第三十六条第（三）项"),
    "withheld.law-prohibited": ("第十四条", "第三十六条第（三）项"),
    "withheld.security-stability": ("第十四条", "第三十六条第（三）项"),
    "withheld.third-party": ("第十五条", "第三十六条第（三）项"),
    "withheld.internal": ("第十六条第一款", "第三十六条第（三）项"),
    "withheld.process": ("第十六条第二款", "第三十六条第（三）项"),
    "withheld.enforcement-file": ("第十六条第二款", "第三十六条第（三）项"),
    "withheld.query-matter": ("第三十六条第（七）项",),
    "unavailable.not-held": ("第三十六条第（四）项、第（五）项",),
    "unavailable.needs-creation": ("第三十八条",),
    "unavailable.still-unclear": ("第三十条",),
    "declined.petition": ("第三十九条第一款",),
    "declined.repeat": ("第三十六条第（六）项",),
    "declined.publication": ("第三十九条第二款",),
    "declined.excessive": ("第三十五条",),
    "declined.confirmation": (),
    "other.no-clarification": ("第三十条",),
    "other.fee-unpaid": ("第四十二条",),
    "other": (),
}
"""The articles of the Regulation each outcome rests on, as an answer letter cites them
(docs/rules.md reads the Regulation the same way). An empty tuple: no article names the
case (要求确认或重新出具已获取信息, 其他); the letter leaves the basis for the clerk to write."""


def outcome_articles(outcome: str) -> tuple[str, ...]:
    """The articles an answer with ``outcome`` cites (see ``OUTCOME_ARTICLES``)."""
    return OUTCOME_ARTICLES[outcome]


def outcome_group(outcome: str) -> str:
    """The group of an outcome (withheld, unavailable, declined, other), or the code itself
    for the two without one (disclosed, partial)."""
    for entry in OUTCOMES.entries:
        if entry.code == outcome:
            return entry.group or entry.code
    refusal = _("{field}: {value!r} is not {noun}; use one of {allowed}")
    raise InvalidInput(
        refusal.format(
            field="--outcome", value=outcome, noun=_(OUTCOMES.noun), allowed=OUTCOMES.allowed()
        )
    )
