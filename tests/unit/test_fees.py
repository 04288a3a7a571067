"""Information-processing fees (Art. 42; 国办函〔2020〕109号): per request and per page."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.errors import InvalidInput
from ledger.fees import PER_PAGE, PER_REQUEST, fee_per_page, fee_per_request, fees_apply_on


@pytest.mark.parametrize(
    ("nth", "amount"),
    [(1, 0), (10, 0), (11, 100), (30, 100), (31, 200), (40, 200), (41, 300), (50, 300), (51, 400)],
)
def test_per_request_fee_by_position_in_the_month(nth: int, amount: int) -> None:
    """Requests 1–10 are free, 11–30 cost ¥100, and each further block of 10 costs ¥100 more."""
    fee = fee_per_request(nth)
    assert fee.amount == Decimal(amount)
    assert fee.method == PER_REQUEST


def test_per_request_lines_explain_the_block() -> None:
    """The working names the request's number, its block and the price."""
    assert fee_per_request(35).lines == (
        "request no. 35: requests 31–40 this month cost ¥200 each = ¥200",
        "total: ¥200",
    )
    assert fee_per_request(3).lines[0] == "request no. 3: requests 1–10 this month are free"


@pytest.mark.parametrize(
    ("pages", "amount"),
    [(1, 0), (30, 0), (31, 10), (100, 700), (101, 720), (200, 2700), (201, 2740), (250, 4700)],
)
def test_per_page_fee_is_progressive(pages: int, amount: int) -> None:
    """Pages 1–30 are free, 31–100 ¥10, 101–200 ¥20 and 201 on ¥40 each, tier by tier."""
    fee = fee_per_page(pages)
    assert fee.amount == Decimal(amount)
    assert fee.method == PER_PAGE


def test_per_page_lines_explain_each_tier() -> None:
    """The working shows each tier's pages, count, price and subtotal, then the total."""
    assert fee_per_page(250).lines == (
        "pages 1–30: free",
        "pages 31–100: 70 × ¥10 = ¥700",
        "pages 101–200: 100 × ¥20 = ¥2,000",
        "pages 201–250: 50 × ¥40 = ¥2,000",
        "total: ¥4,700",
    )
    assert fee_per_page(31).lines[1] == "page 31: 1 × ¥10 = ¥10"


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 5000))
def test_per_page_fee_matches_page_by_page_sum(pages: int) -> None:
    """The tiered fee equals pricing every page on its own and adding up."""

    def price(page: int) -> int:
        return 0 if page <= 30 else 10 if page <= 100 else 20 if page <= 200 else 40

    assert fee_per_page(pages).amount == sum(price(p) for p in range(1, pages + 1))


@settings(max_examples=200, deadline=None)
@given(st.integers(31, 10_000))
def test_per_request_price_rises_by_100_every_10(nth: int) -> None:
    """Beyond the 30th, the (nth+10)th request costs exactly ¥100 more than the nth."""
    assert fee_per_request(nth + 10).amount - fee_per_request(nth).amount == 100


@pytest.mark.parametrize("pages", [0, -3])
def test_pages_below_one_are_refused(pages: int) -> None:
    """Fewer than one page is refused, naming --pages and the value."""
    with pytest.raises(InvalidInput, match=f"--pages: {pages} is not allowed"):
        fee_per_page(pages)


def test_request_number_below_one_is_refused() -> None:
    """A request number below one is refused, naming the field and the value."""
    with pytest.raises(InvalidInput, match="--nth: 0 is not allowed"):
        fee_per_request(0)


def test_fees_apply_from_2021() -> None:
    """Fees apply from 2021-01-01, not before."""
    assert not fees_apply_on(date(2020, 12, 31))
    assert fees_apply_on(date(2021, 1, 1))
