"""Amounts in Vietnamese words: hand-checked receipts, then every reading compared with an
independent converter (num2words' Vietnamese) from 0 to 10^12.

num2words follows another convention for zero hundreds and zero tens (``lẻ`` where we write
``không trăm linh``, and no ``không trăm`` at all in an inner group), so both readings are
compared after removing those filler words; everything else — the digit words, mốt, lăm,
mười/mươi, nghìn/triệu/tỷ and "nghìn tỷ" — must agree word for word.
"""

from __future__ import annotations

import random
import re

import pytest
from num2words import num2words

from kiosk.errors import InvalidInput
from kiosk.money.words import MAX_WORDS_AMOUNT, WordStyle, amount_in_words, number_words

HAND_CHECKED = {
    0: "Không đồng",
    7_000: "Bảy nghìn đồng",
    20_000: "Hai mươi nghìn đồng",
    21_000: "Hai mươi mốt nghìn đồng",
    15_000: "Mười lăm nghìn đồng",
    25_000: "Hai mươi lăm nghìn đồng",
    105_000: "Một trăm linh năm nghìn đồng",
    110_000: "Một trăm mười nghìn đồng",
    1_250_000: "Một triệu hai trăm năm mươi nghìn đồng",
    1_005_000: "Một triệu không trăm linh năm nghìn đồng",
    1_021: "Một nghìn không trăm hai mươi mốt đồng",
    200_000: "Hai trăm nghìn đồng",
    1_000_000_000_000: "Một nghìn tỷ đồng",
    2_000_000_014: "Hai tỷ không trăm mười bốn đồng",
}

_FILLER = re.compile(r"\b(không trăm|linh|lẻ)\b")


def canonical(text: str) -> str:
    text = text.lower().removesuffix(" đồng")
    return " ".join(_FILLER.sub(" ", text).split())


@pytest.mark.parametrize(("amount", "words"), sorted(HAND_CHECKED.items()))
def test_hand_checked_receipts(amount: int, words: str) -> None:
    assert amount_in_words(amount) == words


def _sample() -> list[int]:
    rng = random.Random(23)
    numbers = set(range(0, 20_001))
    for exponent in range(13):
        for k in (1, 2, 5, 9, 10, 11, 15, 21, 25, 99, 100, 101, 105, 999):
            numbers.add(min(k * 10**exponent, MAX_WORDS_AMOUNT))
            numbers.add(max(0, k * 10**exponent - 1))
    numbers |= {rng.randrange(0, 10**6) for _ in range(20_000)}
    numbers |= {rng.randrange(0, 10**9) for _ in range(20_000)}
    numbers |= {rng.randrange(0, 10**12 + 1) for _ in range(40_000)}
    # Zero groups in every position: 1 000 005 000, 40 000 000 021...
    for groups in range(1, 5):
        for _ in range(2_000):
            parts = [rng.choice([0, 0, 1, 5, 10, 15, 21, 105, 999, rng.randrange(1000)])
                     for _g in range(groups)]
            numbers.add(sum(p * 1000**i for i, p in enumerate(parts)) % (10**12 + 1))
    numbers.add(MAX_WORDS_AMOUNT)
    return sorted(n for n in numbers if n <= MAX_WORDS_AMOUNT)


def test_every_reading_agrees_with_num2words_up_to_a_thousand_billion() -> None:
    sample = _sample()
    assert sample[0] == 0 and sample[-1] == 10**12 and len(sample) > 90_000
    mismatches = []
    for n in sample:
        ours = number_words(n)
        theirs = num2words(n, lang="vi")
        if canonical(ours) != canonical(theirs):
            mismatches.append((n, ours, theirs))
    assert not mismatches, mismatches[:10]


def test_filler_words_stand_where_the_digits_say() -> None:
    """The part the comparison cannot see: ``không trăm`` exactly for a zero hundreds digit
    after the first group, ``linh`` exactly for a zero tens digit before a unit."""
    rng = random.Random(7)
    for n in [rng.randrange(1, 10**12) for _ in range(20_000)]:
        groups = []
        m = n
        while m:
            m, g = divmod(m, 1000)
            groups.append(g)
        groups.reverse()
        inner = [g for g in groups[1:] if g]
        expected_khong_tram = sum(1 for g in inner if g < 100)
        # A group read in full (not the first, or the first from 100 up) says "linh" before
        # a unit when its tens digit is 0.
        full = [*inner, *([groups[0]] if groups[0] >= 100 else [])]
        expected_linh = sum(1 for g in full if 0 < g % 100 < 10)
        words = number_words(n)
        assert words.count("không trăm") == expected_khong_tram, (n, words)
        assert len(re.findall(r"\blinh\b", words)) == expected_linh, (n, words)


def test_the_units_conventions_are_options() -> None:
    style = WordStyle(thousand="ngàn", zero_tens="lẻ", four="tư", end="đồng chẵn")
    assert amount_in_words(1_024_000, style) == "Một triệu không trăm hai mươi tư ngàn đồng chẵn"
    assert amount_in_words(105_000, style) == "Một trăm lẻ năm ngàn đồng chẵn"
    # 14 is always "mười bốn": "tư" only follows "mươi".
    assert amount_in_words(14_000, style) == "Mười bốn ngàn đồng chẵn"


@pytest.mark.parametrize("bad", [-1, 10**12 + 1, 1.5, True, "100"])
def test_what_cannot_be_read_is_refused(bad: object) -> None:
    with pytest.raises(InvalidInput):
        amount_in_words(bad)  # type: ignore[arg-type]
