"""Translations: Vietnamese is the source language, English the second.

Strings are written in Vietnamese in the code and looked up in gettext PO catalogs under
``assets/locale/<lang>/kiosk.po``. Only named fields are allowed (``{code}``, never ``{}``
or ``%s``), and a translation whose fields differ from the source is ignored, so a bad
translation can never crash a screen or drop a value.

Never call ``_()`` at import time: the language may change while the app runs.
"""

from __future__ import annotations

from _thread import allocate_lock
from collections.abc import Callable
from pathlib import Path

from kiosk.paths import ASSETS_DIR

SOURCE_LANGUAGE = "vi"
LANGUAGES = ("vi", "en")

# threading.Lock itself, without importing threading: every CLI command pays this import.
_lock = allocate_lock()
_language = SOURCE_LANGUAGE
_catalogs: dict[str, dict[str, str]] = {}
_listeners: list[Callable[[str], None]] = []


def field_names(text: str) -> set[str]:
    """The named fields of a format string; raises ValueError for positional fields."""
    import string

    names: set[str] = set()
    for _literal, name, _spec, _conv in string.Formatter().parse(text):
        if name is None:
            continue
        if name == "" or name.isdigit():
            raise ValueError(f"positional field in translatable string: {text!r}")
        names.add(name.split(".")[0].split("[")[0])
    return names


def parse_po(text: str) -> dict[str, str]:
    """Parse a PO file's msgid/msgstr pairs (no plurals, no contexts: we do not use them)."""
    import ast

    entries: dict[str, str] = {}
    msgid: list[str] | None = None
    msgstr: list[str] | None = None
    current: list[str] | None = None

    def flush() -> None:
        if msgid is not None and msgstr is not None:
            key, value = "".join(msgid), "".join(msgstr)
            if key and value:
                entries[key] = value

    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("msgid "):
            flush()
            msgid, msgstr = [ast.literal_eval(line[6:])], None
            current = msgid
        elif line.startswith("msgstr "):
            msgstr = [ast.literal_eval(line[7:])]
            current = msgstr
        elif line.startswith('"') and current is not None:
            current.append(ast.literal_eval(line))
    flush()
    return entries


def _catalog(language: str) -> dict[str, str]:
    with _lock:
        if language not in _catalogs:
            path = ASSETS_DIR / "locale" / language / "kiosk.po"
            raw = parse_po(path.read_text(encoding="utf-8")) if path.exists() else {}
            _catalogs[language] = {
                k: v for k, v in raw.items() if _safe_pair(k, v)
            }
        return _catalogs[language]


def _safe_pair(source: str, translation: str) -> bool:
    try:
        return field_names(source) == field_names(translation)
    except ValueError:
        return False


def set_language(language: str) -> None:
    global _language
    if language not in LANGUAGES:
        raise ValueError(f"unsupported language {language!r}; choose one of {LANGUAGES}")
    with _lock:
        changed = language != _language
        _language = language
        listeners = list(_listeners)
    if changed:
        for listener in listeners:
            listener(language)


def language() -> str:
    return _language


def on_language_changed(listener: Callable[[str], None]) -> Callable[[], None]:
    """Call ``listener(language)`` after each change; returns a function that unsubscribes."""
    with _lock:
        _listeners.append(listener)

    def unsubscribe() -> None:
        with _lock:
            if listener in _listeners:
                _listeners.remove(listener)

    return unsubscribe


def gettext(message: str, **fields: object) -> str:
    """Translate ``message`` to the current language and fill its named fields."""
    text = message
    if _language != SOURCE_LANGUAGE:
        text = _catalog(_language).get(message, message)
    return text.format(**fields) if fields else text


_ = gettext


def N_(message: str) -> str:
    """Mark a string for translation without translating it now (translate at use)."""
    return message


def catalog_path(language: str) -> Path:
    return ASSETS_DIR / "locale" / language / "kiosk.po"
