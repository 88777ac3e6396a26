"""``fold`` without a regular expression gives the key it gave with one (issue 28 §3)."""

from __future__ import annotations

import random
import re
import sys
import unicodedata

from kiosk.text import fold, has_vietnamese_marks

_SPACES = re.compile(r"\s+")
_EXTRA = str.maketrans({"đ": "d", "Đ": "d"})


def regex_fold(text: str) -> str:
    """``fold`` as it was: marks stripped the same way, white space by ``re``."""
    if text.isascii():
        return _SPACES.sub(" ", text.lower()).strip()
    stripped = "".join(c for c in unicodedata.normalize("NFD", text.translate(_EXTRA))
                       if not unicodedata.combining(c))
    return _SPACES.sub(" ", stripped.casefold()).strip()


def test_every_code_point_folds_as_with_the_regular_expression() -> None:
    for point in range(sys.maxunicode + 1):
        c = chr(point)
        for text in (c, f" Lê{c}{c}\u00a0b "):
            assert fold(text) == regex_fold(text), hex(point)


def test_random_text_folds_as_with_the_regular_expression() -> None:
    rng = random.Random(28)
    alphabet = ("aăâbcdđeêghiklmnoôơpqrstuưvxyAĂÂĐÊÔƠƯ "
                "\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2028\u2029\u202f"
                "\u205f\u3000\u200b\ufeff\u0300\u0301\u0303\u0309\u0323àáảãạ")
    for _ in range(20_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 24)))
        assert fold(text) == regex_fold(text), repr(text)
        assert has_vietnamese_marks(text) == (
            fold(text) != _SPACES.sub(" ", text.casefold()).strip())
