"""Text helpers: NFC normalisation and a diacritic-insensitive search key."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
# đ/Đ is a letter of its own, not d plus a combining mark, so NFD alone keeps it.
_EXTRA = str.maketrans({"đ": "d", "Đ": "d"})


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


# The combining marks of the Combining Diacritical Marks block (every Vietnamese tone and
# vowel mark after NFD): deleted in one ``translate`` instead of a test per character.
_MARKS = {c: None for c in range(0x300, 0x370) if unicodedata.combining(chr(c))}


def fold(text: str) -> str:
    """Lower-case ASCII search key: ``"Chứng thực Bản sao"`` → ``"chung thuc ban sao"``."""
    if text.isascii():  # codes, numbers, names typed without marks: nothing to strip
        return _SPACES.sub(" ", text.lower()).strip()
    stripped = unicodedata.normalize("NFD", text.translate(_EXTRA)).translate(_MARKS)
    if not stripped.isascii():  # marks outside that block, or other scripts
        stripped = "".join(c for c in stripped if not unicodedata.combining(c))
    return _SPACES.sub(" ", stripped.casefold()).strip()


def has_vietnamese_marks(text: str) -> bool:
    """True when the text carries any Vietnamese diacritic (or đ)."""
    return fold(text) != _SPACES.sub(" ", text.casefold()).strip()
