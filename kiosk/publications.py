"""What the province published, installed on this counter (issue 26).

The sync pass (kiosk.sync.fleet) hands the bytes of a published catalog or calendar here.
They are checked with the same rules as ``kiosk catalog import``; a file that fails them is
refused and the counter keeps what it has. An accepted one is written next to the data (temp
file, fsync, rename) and becomes the one in force in one step: the config names the new
catalog file, the calendar file is renamed over the previous one. Dossiers already received
keep their procedure snapshot (stored per catalog version), and an intake in progress keeps
the catalog it started with (kiosk.storage.store).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

from kiosk import clock, paths
from kiosk.calendar_file import BUNDLED, installed_file, loads_calendar, version_of
from kiosk.catalog import Catalog, load_catalog, loads_catalog
from kiosk.config import Config
from kiosk.errors import InvalidInput, KioskError
from kiosk.i18n import _


def _record_file() -> Path:
    """What the province's last accepted catalog was, to tell it from a local import."""
    return paths.data_dir() / "catalog" / "central.json"


def write_atomic(target: Path, payload: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".publication.")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def install_catalog(content: bytes, config: Config, sha256: str = "") -> Catalog:
    """Check and switch to the province's catalog; InvalidInput (nothing changed) if bad."""
    new = loads_catalog(content, _("bản công bố của tỉnh"))
    target = paths.data_dir() / "catalog" / f"catalog-central-{new.version}.json"
    write_atomic(target, json.dumps(new.to_json(), ensure_ascii=False, indent=1).encode())
    write_atomic(_record_file(), json.dumps({
        "version": new.version, "published": new.published.isoformat(), "file": str(target),
        "sha256": sha256, "received_at": clock.iso(clock.now())}).encode())
    config.set("catalog.file", str(target))
    config.save()
    new.path = target
    return new


def install_calendar(content: bytes, sha256: str = "") -> dict[str, Any]:
    """Check and switch to the province's calendar overrides."""
    data = loads_calendar(content)
    write_atomic(installed_file(), json.dumps({**data, "sha256": sha256},
                                              ensure_ascii=False, indent=1).encode())
    return data


def catalog_status(config: Config | None = None) -> dict[str, Any]:
    """``kiosk catalog status``: the version in force and where it came from."""
    config = config or Config.load()
    catalog = load_catalog(config)
    record = _read_json(_record_file())
    central = bool(record) and str(catalog.path) == record.get("file")
    return {"version": catalog.version, "published": catalog.published.isoformat(),
            "source": "central" if central else "local",
            **({"received_at": record.get("received_at")} if central else {})}


def calendar_status() -> dict[str, Any]:
    mine = installed_file()
    if mine.is_file():
        return {"version": version_of(mine), "source": "central"}
    return {"version": version_of(BUNDLED), "source": "local"}


def known_sha(kind: str) -> str | None:
    """The sha256 of the publication in force (the server answers 304 for it)."""
    from kiosk.forms.templates import installed_dir

    path = {"catalog": _record_file(), "calendar": installed_file(),
            "forms": installed_dir() / "central.json"}[kind]
    value = _read_json(path).get("sha256")
    return value if isinstance(value, str) and value else None


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


# --- form template sets (kiosk.forms.templates) --------------------------------------------

FORMS_SCHEMA = 1
_SET_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")


def loads_forms(raw: bytes) -> dict[str, Any]:
    """A forms publication: ``{"schema": 1, "version": "2026.12.1", "sets": [set, ...]}``,
    each set in the format of ``assets/forms/*.json``, checked as the app checks it."""
    from kiosk.forms.templates import parse_set

    def bad(where: str, problem: str) -> InvalidInput:
        return InvalidInput(_("Bộ biểu mẫu công bố không hợp lệ tại {where}: {problem}",
                              where=where, problem=problem),
                            hint=_("Sửa tệp rồi gửi lại; biểu mẫu đang dùng không thay đổi."))

    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise bad("(gốc)", _("không phải JSON hợp lệ: {error}", error=str(exc)[:200])) from None
    if not isinstance(data, dict) or data.get("schema") != FORMS_SCHEMA:
        raise bad("schema", _("phiên bản lược đồ {n} không được hỗ trợ",
                              n=str(data.get("schema") if isinstance(data, dict) else "")[:20]))
    version = data.get("version")
    if not isinstance(version, str) or not all(p.isascii() and p.isdigit()
                                               for p in version.split(".")):
        raise bad("version", _("phiên bản có dạng số, ví dụ 2025.11.1"))
    sets = data.get("sets")
    if not isinstance(sets, list) or not sets:
        raise bad("sets", _("không có bộ biểu mẫu nào"))
    seen: set[str] = set()
    for i, raw_set in enumerate(sets):
        if not isinstance(raw_set, dict) or not isinstance(raw_set.get("id"), str) \
                or not _SET_ID.match(raw_set["id"]) or raw_set["id"] in seen \
                or raw_set["id"] == "central":
            raise bad(f"sets[{i}].id", _("mã bộ biểu mẫu thiếu, sai dạng hoặc bị trùng"))
        seen.add(raw_set["id"])
        try:
            parse_set(Path(f"sets[{i}]"), raw_set)
        except KioskError as exc:
            raise bad(f"sets[{i}]", exc.message) from None
    return data


def install_forms(content: bytes, sha256: str = "") -> dict[str, Any]:
    """Check and switch to the province's form template sets."""
    from kiosk.forms.templates import installed_dir, load_set

    data = loads_forms(content)
    for raw_set in data["sets"]:
        write_atomic(installed_dir() / f"{raw_set['id']}.json",
                     json.dumps(raw_set, ensure_ascii=False, indent=1).encode())
    write_atomic(installed_dir() / "central.json", json.dumps({
        "version": data["version"], "sha256": sha256,
        "sets": [s["id"] for s in data["sets"]]}).encode())
    load_set.cache_clear()
    return data


def forms_status() -> dict[str, Any]:
    from kiosk.forms.templates import installed_dir

    record = _read_json(installed_dir() / "central.json")
    if record.get("version"):
        return {"version": record["version"], "source": "central", "sets": record.get("sets")}
    return {"version": None, "source": "local"}
