"""The keyed signatures of ``ledger.search``: a word's bits are in the signature of every
text that contains it, whatever the case; the words are what a BIGINT column keeps."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ledger.search import BITS, ERASED, SearchKey, grams, words

KEY = SearchKey(b"k" * 32)
TEXTS = st.text(alphabet="学区划分方案校车路线aAbBzZİß 1", min_size=1, max_size=40)


def holds(signature: tuple[int, ...], masks: list[tuple[int, int]]) -> bool:
    return all(signature[i] & mask == mask for i, mask in masks)


@given(TEXTS, st.data())
def test_a_word_of_the_text_is_always_let_through(text: str, data: st.DataObject) -> None:
    """No false miss: any part of the lowercased text, its bits all set in the signature."""
    lowered = text.lower()
    start = data.draw(st.integers(0, len(lowered) - 1))
    word = lowered[start : data.draw(st.integers(start + 1, len(lowered)))]
    assert holds(KEY.signature(text), KEY.masks(word))
    assert KEY.masks(word)  # never empty: a word always asks for some bit


@given(st.integers(0, (1 << BITS) - 1))
def test_words_are_signed_64_bit_and_give_back_the_number(value: int) -> None:
    found = words(value)
    assert all(-(1 << 63) <= w < (1 << 63) for w in found)
    assert sum((w % (1 << 64)) << (64 * i) for i, w in enumerate(found)) == value


def test_no_text_matches_nothing_and_another_key_other_bits() -> None:
    """An erased or empty subject's zeros hold no word; the bits depend on the key."""
    assert KEY.signature(None) == KEY.signature("") == ERASED
    assert not holds(ERASED, KEY.masks("a"))
    assert SearchKey(b"x" * 32).signature("校车路线") != KEY.signature("校车路线")
    assert grams("abc") == {"a", "b", "c", "ab", "bc"}
