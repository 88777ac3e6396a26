"""The calendar overrides as a file the province publishes: days off and make-up working
days the national table does not know (a government notice moving a day, a provincial
holiday), versioned like the catalog.

The bundled table is ``assets/calendar/overrides.json``; a counter that received the
province's publication keeps it under the data directory (:func:`installed_file`) and the
working calendar reads that one instead (kiosk.working_time).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from kiosk import paths
from kiosk.errors import InvalidInput
from kiosk.i18n import _

SCHEMA = 1
BUNDLED = paths.asset("calendar", "overrides.json")
#: A year of notices is a few hundred bytes; far beyond this is not a calendar.
MAX_CALENDAR_BYTES = 1 << 20
MAX_DAYS = 2000


def installed_file() -> Path:
    return paths.data_dir() / "calendar" / "overrides-central.json"


def current_file() -> Path:
    """The overrides in force: the province's publication when one was installed."""
    mine = installed_file()
    return mine if mine.is_file() else BUNDLED


def _fail(where: str, problem: str) -> InvalidInput:
    return InvalidInput(
        _("Lịch ngày nghỉ không hợp lệ tại {where}: {problem}", where=where, problem=problem),
        hint=_("Sửa tệp lịch rồi gửi lại; lịch đang dùng không thay đổi."))


def loads_calendar(raw: bytes) -> dict[str, Any]:
    """Validate the bytes of an overrides file; the parsed table, or one clear error."""
    if len(raw) > MAX_CALENDAR_BYTES:
        raise _fail("(gốc)", _("tệp quá lớn"))
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise _fail("(gốc)", _("không phải JSON hợp lệ: {error}", error=str(exc)[:200])) \
            from None
    if not isinstance(data, dict):
        raise _fail("(gốc)", _("phải là một đối tượng JSON"))
    if data.get("schema") != SCHEMA:
        raise _fail("schema", _("phiên bản lược đồ {n} không được hỗ trợ",
                                n=str(data.get("schema"))[:20]))
    version = data.get("version")
    if not isinstance(version, str) or not version or not all(
            p.isascii() and p.isdigit() for p in version.split(".")):
        raise _fail("version", _("phiên bản có dạng số, ví dụ 2025.11.1"))
    seen: dict[str, str] = {}
    for key in ("days_off", "working_days"):
        entries = data.get(key, [])
        if not isinstance(entries, list) or len(entries) > MAX_DAYS:
            raise _fail(key, _("phải là một danh sách ngày"))
        for i, entry in enumerate(entries):
            text = entry.get("date") if isinstance(entry, dict) else entry
            try:
                day = date.fromisoformat(text) if isinstance(text, str) else None
            except ValueError:
                day = None
            if day is None:
                raise _fail(f"{key}[{i}]", _("ngày có dạng YYYY-MM-DD"))
            if seen.get(day.isoformat(), key) != key:
                raise _fail(f"{key}[{i}]", _("ngày {day} vừa là ngày nghỉ vừa là ngày làm bù",
                                             day=day.isoformat()))
            seen[day.isoformat()] = key
    return data


def version_of(path: Path) -> str | None:
    try:
        value = json.loads(path.read_text(encoding="utf-8")).get("version")
    except (OSError, ValueError, AttributeError):
        return None
    return value if isinstance(value, str) else None
