"""Information-processing fees (信息处理费): what an applicant may be charged, and why.

Implements Art. 42 of the 2019 Regulation and the fee measures 《政府信息公开信息处理费管理
办法》 (国办函〔2020〕109号), in force from 2021-01-01; before that date no such fee applied.
An agency charges by one method per request:

- per request (按件): per applicant per calendar month, the 1st–10th request free, the
  11th–30th ¥100 each, then each further block of 10 costs ¥100 more each (31st–40th
  ¥200, 41st–50th ¥300, …);
- per page (按量), progressive: pages 1–30 free, 31–100 ¥10 a page, 101–200 ¥20 a page,
  201 and beyond ¥40 a page.

Each computation carries the lines a clerk reads out or prints on the fee notice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ledger.errors import InvalidInput

__all__ = [
    "FEES_IN_FORCE",
    "PER_PAGE",
    "PER_REQUEST",
    "FeeComputation",
    "fee_per_page",
    "fee_per_request",
    "fees_apply_on",
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


@dataclass(frozen=True)
class FeeComputation:
    """An amount in yuan, the method (``per-request`` or ``per-page``), and the working."""

    amount: Decimal
    method: str
    lines: tuple[str, ...]


def _yuan(amount: Decimal) -> str:
    return f"¥{amount:,}"


def _pages(first: int, last: int) -> str:
    return f"page {first}" if first == last else f"pages {first}–{last}"


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
            f"{field}: {nth_in_month} is not allowed; the request's number in the month "
            "is 1 or more"
        )
    price = _request_price(nth_in_month)
    first, last = _request_block(nth_in_month)
    block = f"requests {first}–{last} this month"
    if price == 0:
        line = f"request no. {nth_in_month}: {block} are free"
    else:
        line = f"request no. {nth_in_month}: {block} cost {_yuan(price)} each = {_yuan(price)}"
    return FeeComputation(amount=price, method=PER_REQUEST, lines=(line, f"total: {_yuan(price)}"))


def fee_per_page(pages: int, *, field: str = "--pages") -> FeeComputation:
    """The fee for providing ``pages`` pages (按量), tier by tier."""
    if pages < 1:
        raise InvalidInput(f"{field}: {pages} is not allowed; give the number of pages, 1 or more")
    total = Decimal(0)
    lines: list[str] = []
    for first, last, price in _PAGE_TIERS:
        if pages < first:
            break
        upto = pages if last is None else min(pages, last)
        count = upto - first + 1
        if price == 0:
            lines.append(f"{_pages(first, upto)}: free")
            continue
        amount = price * count
        total += amount
        lines.append(f"{_pages(first, upto)}: {count} × {_yuan(price)} = {_yuan(amount)}")
    lines.append(f"total: {_yuan(total)}")
    return FeeComputation(amount=total, method=PER_PAGE, lines=tuple(lines))
