"""Amounts in Vietnamese words, as a receipt writes them ("Hai mươi nghìn đồng").

The conventions differ between units and were never fixed by a text we could read, so the
variable parts are options (settings ``fees.words_*``, DOMAIN.md §Fees):

- the thousands word: *nghìn* (default) or *ngàn*;
- a zero tens digit before a unit: *linh* (default) or *lẻ* ("một trăm linh năm");
- 4 after *mươi*: *bốn* (default) or *tư* ("hai mươi tư");
- the ending: *đồng* (default) or *đồng chẵn*.

Fixed rules: 10 is *mười*, 20–90 "X *mươi*"; after *mươi* 1 is *mốt*; after *mười*/*mươi* 5
is *lăm*; every group of three digits after the first is read in full, so an inner group
below 100 says "không trăm" ("Một triệu không trăm linh năm nghìn đồng"); groups are nghìn,
triệu, tỷ, and above a tỷ the reading starts again ("một nghìn tỷ").
"""

from __future__ import annotations

from kiosk.errors import InvalidInput
from kiosk.i18n import _

DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
#: Amounts a receipt can carry (đồng): the catalog's limit (``kiosk.catalog.MAX_AMOUNT``).
MAX_WORDS_AMOUNT = 10**12


class WordStyle:
    """The unit's reading conventions (see the module docstring)."""

    __slots__ = ("end", "four", "thousand", "zero_tens")

    def __init__(self, thousand: str = "nghìn", zero_tens: str = "linh", four: str = "bốn",
                 end: str = "đồng") -> None:
        self.thousand = thousand
        self.zero_tens = zero_tens
        self.four = four
        self.end = end

    @classmethod
    def from_config(cls, config: object) -> WordStyle:
        get = config.get  # type: ignore[attr-defined]
        return cls(str(get("fees.words_thousand")), str(get("fees.words_zero_tens")),
                   str(get("fees.words_four")), str(get("fees.words_end")))


def _below_thousand(n: int, style: WordStyle, full: bool) -> list[str]:
    """Words of 0 < n < 1000; ``full`` reads the hundreds even when they are 0."""
    hundreds, rest = divmod(n, 100)
    tens, units = divmod(rest, 10)
    words: list[str] = []
    if hundreds or full:
        words += [DIGITS[hundreds], "trăm"]
    if tens == 0:
        if units:
            if words:
                words.append(style.zero_tens)
            words.append(DIGITS[units])
        return words
    if tens == 1:
        words.append("mười")
    else:
        words += [DIGITS[tens], "mươi"]
    if units == 1:
        words.append("mốt" if tens > 1 else "một")
    elif units == 4:
        words.append(style.four if tens > 1 else "bốn")
    elif units == 5:
        words.append("lăm")
    elif units:
        words.append(DIGITS[units])
    return words


def number_words(n: int, style: WordStyle | None = None) -> str:
    """``n`` in words, lower case, without the currency (``0`` → ``không``)."""
    style = style or WordStyle()
    if n == 0:
        return DIGITS[0]
    return " ".join(_words(n, style, leading=True))


def _words(n: int, style: WordStyle, leading: bool) -> list[str]:
    # Billions repeat: 10^12 is "một nghìn tỷ", so read what is above a tỷ on its own.
    billions, below = divmod(n, 10**9)
    words: list[str] = []
    if billions:
        words += [*_words(billions, style, leading), "tỷ"]
        leading = False
    for scale, name in ((10**6, "triệu"), (10**3, style.thousand), (1, "")):
        group = below // scale % 1000
        if not group:
            continue
        words += _below_thousand(group, style, full=not leading)
        if name:
            words.append(name)
        leading = False
    return words


def figures(amount: int) -> str:
    """An amount as a receipt writes it in figures: ``12000`` → ``12.000``."""
    sign = "-" if amount < 0 else ""
    return sign + f"{abs(amount):,}".replace(",", ".")


def amount_in_words(amount: int, style: WordStyle | None = None) -> str:
    """What a receipt prints: capitalised, ending in the currency ("Bảy nghìn đồng")."""
    if isinstance(amount, bool) or not isinstance(amount, int) or not \
            0 <= amount <= MAX_WORDS_AMOUNT:
        raise InvalidInput(_("Số tiền {amount} không đọc thành chữ được.", amount=str(amount)),
                           hint=_("Số tiền là số nguyên đồng, không âm."))
    style = style or WordStyle()
    text = f"{number_words(amount, style)} {style.end}"
    return text[0].upper() + text[1:]
