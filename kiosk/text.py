"""Text helpers: NFC normalisation and a diacritic-insensitive search key."""

from __future__ import annotations

import unicodedata

# đ/Đ is a letter of its own, not d plus a combining mark, so NFD alone keeps it.
_EXTRA = str.maketrans({"đ": "d", "Đ": "d"})


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


# The combining marks of the Combining Diacritical Marks block (every Vietnamese tone and
# vowel mark after NFD): deleted in one ``translate`` instead of a test per character.
_MARKS = {c: None for c in range(0x300, 0x370) if unicodedata.combining(chr(c))}


def fold(text: str) -> str:
    """Lower-case ASCII search key: ``"Chứng thực Bản sao"`` → ``"chung thuc ban sao"``.

    Runs of white space become one space, none at either end: ``" ".join(split())``, the
    same as a regular expression's substitution then ``strip`` (the expression's white
    space, ``split``'s and ``strip``'s are one definition; tests/core/test_text.py checks
    every code point), without bringing the expression engine into the cache on every
    save (issue 28 §3)."""
    if text.isascii():  # codes, numbers, names typed without marks: nothing to strip
        return " ".join(text.lower().split())
    stripped = unicodedata.normalize("NFD", text.translate(_EXTRA)).translate(_MARKS)
    if not stripped.isascii():  # marks outside that block, or other scripts
        stripped = "".join(c for c in stripped if not unicodedata.combining(c))
    return " ".join(stripped.casefold().split())


def has_vietnamese_marks(text: str) -> bool:
    """True when the text carries any Vietnamese diacritic (or đ)."""
    return fold(text) != " ".join(text.casefold().split())
