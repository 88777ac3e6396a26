"""Text helpers: NFC normalisation and a diacritic-insensitive search key."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
# đ/Đ is a letter of its own, not d plus a combining mark, so NFD alone keeps it.
_EXTRA = str.maketrans({"đ": "d", "Đ": "d"})


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def fold(text: str) -> str:
    """Lower-case ASCII search key: ``"Chứng thực Bản sao"`` → ``"chung thuc ban sao"``."""
    decomposed = unicodedata.normalize("NFD", text.translate(_EXTRA))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACES.sub(" ", stripped.casefold()).strip()


def has_vietnamese_marks(text: str) -> bool:
    """True when the text carries any Vietnamese diacritic (or đ)."""
    return fold(text) != _SPACES.sub(" ", text.casefold()).strip()
