"""Text from outside (argv, stdin, a QR code) checked before it reaches a screen or a file.

Python turns bytes that are not UTF-8 into lone surrogates (``surrogateescape``); such a
string cannot be written to SQLite or printed as UTF-8. Format characters (zero-width
joiners, bidi overrides) make a name look like another. Both are refused at the edge, and
whatever is echoed back in a message goes through :func:`shown` first.
"""

from __future__ import annotations

import unicodedata

#: Unicode categories never allowed in a name or an address: controls, format characters
#: (zero-width, bidi marks and overrides, BOM), surrogates, private use, unassigned.
_BAD_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})


def has_surrogates(text: str) -> bool:
    """True when ``text`` carries bytes that were not UTF-8 (lone surrogates)."""
    return any("\ud800" <= ch <= "\udfff" for ch in text)


def bad_characters(text: str) -> list[str]:
    """The characters of ``text`` a person's name or address must not contain."""
    return [ch for ch in text if unicodedata.category(ch) in _BAD_CATEGORIES]


def is_ascii_digits(text: str) -> bool:
    """Only 0–9: ``str.isdigit`` also accepts ², ٣ (Arabic-Indic) and ５ (full width)."""
    return bool(text) and text.isascii() and text.isdigit()


def escape_surrogates(text: str) -> str:
    """``text`` with lone surrogates written as ``\\udcff`` so it encodes as UTF-8."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def shown(value: str, limit: int = 80) -> str:
    """A value as it may be echoed: printable, bounded, undecodable bytes escaped."""
    cleaned = escape_surrogates(value)
    cleaned = "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" if ord(ch) < 256
                      else f"\\u{ord(ch):04x}" for ch in cleaned)
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"
