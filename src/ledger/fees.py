"""Information-processing fees (信息处理费): what an applicant may be charged, and why.

Implements Art. 42 of the 2019 Regulation and the fee measures 《政府信息公开信息处理费管理
办法》 (国办函〔2020〕109号), in force from 2021-01-01; before that date no such fee applied.
An agency charges by one method per request:

- per request (按件): per applicant per calendar month, the 1st–10th request free, the
  11th–30th ¥100 each, then each further block of 10 costs ¥100 more each (31st–40th
  ¥200, 41st–50th ¥300, …);
- per page (按量), progressive: pages 1–30 free, 31–100 ¥10 a page, 101–200 ¥20 a page,
  201 and beyond ¥40 a page.

Each computation carries its working line by line: the desk reads it in its language,
the fee notice (a Chinese letter) prints it in Chinese.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from ledger.errors import InvalidInput
from ledger.i18n import _

__all__ = [
    "FEES_IN_FORCE",
    "PER_PAGE",
    "PER_REQUEST",
    "FeeComputation",
    "FeeLine",
    "fee_per_page",
    "fee_per_request",
    "fees_apply_on",
    "given_amount",
]

FEES_IN_FORCE = date(2021, 1, 1)  # 国办函〔2020〕109号 takes effect
PER_REQUEST = "per-request"  # 按件
PER_PAGE = "per-page"  # 按量

_FREE_REQUESTS = 10
_FIRST_PAID_BLOCK_END = 30  # the 11th–30th request are one block at ¥100
_BLOCK = 10  # beyond the 30th, each block of 10 costs ¥100 more
_STEP = Decimal(100)

# (first page, last page or None, price per page)
_PAGE_TIERS: tuple[tuple[int, int | None, Decimal], ...] = (
    (1, 30, Decimal(0)),
    (31, 100, Decimal(10)),
    (101, 200, Decimal(20)),
    (201, None, Decimal(40)),
)


FeeLineKind = Literal["request", "pages", "given", "total"]


@dataclass(frozen=True)
class FeeLine:
    """One line of the working, as facts: the desk reads it in its language (``text``),
    the 收费通知书 in the letter's Chinese (``letter``).

    ``request``: the ``nth`` request of the month, in the block ``first``–``last`` priced
    ``price`` each; ``pages``: pages ``first``–``last`` at ``price`` a page; ``given``: an
    amount the clerk gave; ``total``: the sum. ``amount`` is what the line comes to.
    """

    kind: FeeLineKind
    amount: Decimal
    price: Decimal = Decimal(0)
    first: int = 0
    last: int = 0
    nth: int = 0

    @property
    def count(self) -> int:
        """How many pages (or requests) the line prices."""
        return self.last - self.first + 1

    def text(self) -> str:
        """The line in the current language, for the desk's confirmation."""
        if self.kind == "request":
            line = (
                _("request no. {nth}: requests {first}–{last} this month are free")
                if self.price == 0
                else _(
                    "request no. {nth}: requests {first}–{last} this month cost {price} each "
                    "= {amount}"
                )
            )
        elif self.kind == "pages":
            line = {
                (True, True): _("page {first}: free"),
                (True, False): _("page {first}: {count} × {price} = {amount}"),
                (False, True): _("pages {first}–{last}: free"),
                (False, False): _("pages {first}–{last}: {count} × {price} = {amount}"),
            }[(self.first == self.last, self.price == 0)]
        elif self.kind == "given":
            line = _("amount given: {amount}")
        else:
            line = _("total: {amount}")
        return line.format(**self._values(_yuan))

    def letter(self) -> str:
        """The line as the 收费通知书 prints it: the letter is Chinese in either language,
        like the rest of its text (notices/templates)."""
        pages = "第{first}页" if self.first == self.last else "第{first}至{last}页"
        line = {
            "request": "本件为您本月提出的第{nth}件申请，本月第{first}至{last}件申请"
            + ("免予收费" if self.price == 0 else "每件收费{price}元，计{amount}元"),
            "pages": pages
            + ("：免予收费" if self.price == 0 else "：{count}页×{price}元/页＝{amount}元"),
            "given": "定额收取：{amount}元",
            "total": "合计：{amount}元",
        }[self.kind]
        return line.format(**self._values(str))

    def _values(self, money: Callable[[Decimal], str]) -> dict[str, object]:
        """The line's numbers, money written by ``money``."""
        return {
            "nth": self.nth,
            "first": self.first,
            "last": self.last,
            "count": self.count,
            "price": money(self.price),
            "amount": money(self.amount),
        }


@dataclass(frozen=True)
class FeeComputation:
    """An amount in yuan, the method (``per-request``, ``per-page`` or ``amount``), and the
    working, line by line."""

    amount: Decimal
    method: str
    working: tuple[FeeLine, ...]

    @property
    def lines(self) -> tuple[str, ...]:
        """The working in the current language (the desk's confirmation)."""
        return tuple(line.text() for line in self.working)

    def letter_lines(self) -> tuple[str, ...]:
        """The working as the 收费通知书 prints it, in Chinese."""
        return tuple(line.letter() for line in self.working)


def given_amount(amount: Decimal) -> FeeComputation:
    """A fee the clerk states (定额), with its one line of working."""
    return FeeComputation(amount, "amount", (FeeLine("given", amount),))


def _yuan(amount: Decimal) -> str:
    return f"¥{amount:,}"


def fees_apply_on(d: date) -> bool:
    """Whether a fee could be charged on ``d``: only from 2021-01-01 (国办函〔2020〕109号)."""
    return d >= FEES_IN_FORCE


def _request_price(nth: int) -> Decimal:
    """The price of the nth request of the month: 0, then ¥100, then ¥100 more per block."""
    if nth <= _FREE_REQUESTS:
        return Decimal(0)
    if nth <= _FIRST_PAID_BLOCK_END:
        return _STEP
    return _STEP * (2 + (nth - _FIRST_PAID_BLOCK_END - 1) // _BLOCK)


def _request_block(nth: int) -> tuple[int, int]:
    """The block of requests priced alike that the nth request falls in."""
    if nth <= _FREE_REQUESTS:
        return 1, _FREE_REQUESTS
    if nth <= _FIRST_PAID_BLOCK_END:
        return _FREE_REQUESTS + 1, _FIRST_PAID_BLOCK_END
    first = _FIRST_PAID_BLOCK_END + 1 + (nth - _FIRST_PAID_BLOCK_END - 1) // _BLOCK * _BLOCK
    return first, first + _BLOCK - 1


def fee_per_request(nth_in_month: int, *, field: str = "--nth") -> FeeComputation:
    """The fee for an applicant's ``nth_in_month`` request of the calendar month (按件)."""
    if nth_in_month < 1:
        raise InvalidInput(
            _(
                "{field}: {value} is not allowed; the request's number in the month is 1 or more"
            ).format(field=field, value=nth_in_month)
        )
    price = _request_price(nth_in_month)
    first, last = _request_block(nth_in_month)
    line = FeeLine("request", price, price, first, last, nth_in_month)
    return FeeComputation(price, PER_REQUEST, (line, FeeLine("total", price)))


def fee_per_page(pages: int, *, field: str = "--pages") -> FeeComputation:
    """The fee for providing ``pages`` pages (按量), tier by tier."""
    if pages < 1:
        refusal = _("{field}: {value} is not allowed; give the number of pages, 1 or more")
        raise InvalidInput(refusal.format(field=field, value=pages))
    total = Decimal(0)
    working: list[FeeLine] = []
    for first, last, price in _PAGE_TIERS:
        if pages < first:
            break
        upto = pages if last is None else min(pages, last)
        amount = price * (upto - first + 1)
        total += amount
        working.append(FeeLine("pages", amount, price, first, upto))
    working.append(FeeLine("total", total))
    return FeeComputation(amount=total, method=PER_PAGE, working=tuple(working))
