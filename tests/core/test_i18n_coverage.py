"""Every user-facing string in the code has an English translation with the same fields.

Strings are collected the way a maintainer writes them: ``_("...")`` / ``N_("...")`` in
Python under kiosk/ and central/ (found with ``ast``, so adjacent literals are joined),
and ``app.t("...")`` / ``app.tf("...", {...})`` in the QML screens.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from kiosk.i18n import field_names, parse_po

ROOT = Path(__file__).resolve().parents[2]
PYTHON_DIRS = ("kiosk", "central")
QML_DIR = ROOT / "kiosk" / "ui" / "qml"
CATALOG = ROOT / "assets" / "locale" / "en" / "kiosk.po"
MARKERS = {"_", "N_"}
QML_CALL = re.compile(r'(?:app|citizen)\.tf?\(\s*"((?:[^"\\]|\\.)*)"')


def _python_strings(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[str] = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in MARKERS
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append(node.args[0].value)
    return found


def _qml_unescape(literal: str) -> str:
    # QML string literals are JavaScript strings; Python's rules agree for what we use.
    return str(ast.literal_eval(f'"{literal}"'))


def source_strings() -> dict[str, set[str]]:
    """Each translatable string, with the files (relative to the repository) that use it."""
    where: dict[str, set[str]] = {}
    for top in PYTHON_DIRS:
        for path in sorted((ROOT / top).rglob("*.py")):
            for text in _python_strings(path):
                where.setdefault(text, set()).add(path.relative_to(ROOT).as_posix())
    for path in sorted(QML_DIR.rglob("*.qml")):
        for match in QML_CALL.finditer(path.read_text(encoding="utf-8")):
            text = _qml_unescape(match.group(1))
            where.setdefault(text, set()).add(path.relative_to(ROOT).as_posix())
    return where


def test_strings_are_found() -> None:
    strings = source_strings()
    assert len(strings) > 100
    assert "Tiếp nhận hồ sơ" in strings


def test_every_string_has_an_english_translation() -> None:
    catalog = parse_po(CATALOG.read_text(encoding="utf-8"))
    missing: list[str] = []
    mismatched: list[str] = []
    for text, files in sorted(source_strings().items(), key=lambda item: (sorted(item[1]), item[0])):
        where = ", ".join(sorted(files))
        if not text.strip():
            continue
        translation = catalog.get(text)
        if translation is None:
            missing.append(f"  {where} | {text!r}")
        elif field_names(translation) != field_names(text):
            mismatched.append(f"  {where} | {text!r} -> {translation!r}")
    problems: list[str] = []
    if missing:
        problems.append(f"{len(missing)} string(s) have no English translation in {CATALOG.name}:")
        problems.extend(missing)
    if mismatched:
        problems.append(f"{len(mismatched)} translation(s) have different named fields than the source:")
        problems.extend(mismatched)
    assert not problems, "\n".join(problems)


def test_source_strings_use_only_named_fields() -> None:
    bad = []
    for text, files in source_strings().items():
        try:
            field_names(text)
        except ValueError:
            bad.append(f"  {', '.join(sorted(files))} | {text!r}")
    assert not bad, "positional fields in translatable strings:\n" + "\n".join(bad)


def test_no_message_is_translated_twice() -> None:
    # Two branches adding the same string each append it: msgfmt refuses the catalog and
    # our reader silently keeps the last one.
    ids = [i for i in re.findall(r'^msgid ("(?:[^"\\]|\\.)*")$',
                                 CATALOG.read_text(encoding="utf-8"), re.M)
           if i != '""']  # the header, and the first line of a wrapped id
    seen: set[str] = set()
    twice = sorted({i for i in ids if i in seen or seen.add(i)})  # type: ignore[func-returns-value]
    assert twice == [], twice
