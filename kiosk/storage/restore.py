"""Putting a backup (``kiosk db backup``) back in place, and diagnosing a store that will not
open (``kiosk db check`` on a lost, foreign or corrupt database).

A restore never deletes: the database it replaces is moved aside with its WAL, files the
live store lacks are copied in (verified by their hash), and files it already has are kept.
It refuses while the counter app (or any command) has the store open, and replaces a
database that still passes its integrity check only when told to (``--replace``).
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from pathlib import Path
from typing import Any

from kiosk.clock import now
from kiosk.errors import KioskError, StorageError
from kiosk.i18n import _
from kiosk.storage import identity
from kiosk.storage.files import SHA256_RE, FileStore

_CHUNK = 1 << 20


def _refuse(message: str, hint: str, **details: Any) -> StorageError:
    return StorageError(message, hint=hint, **details)


def _read_manifest(backup: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((backup / "manifest.json").read_text(encoding="utf-8"))
        if not isinstance(manifest, dict):
            raise ValueError("not an object")
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise _refuse(
            _("{path} không phải một bản sao lưu hoàn chỉnh (thiếu hoặc hỏng manifest.json).",
              path=str(backup)),
            _("Chọn thư mục do lệnh «kiosk db backup» tạo ra."), error=str(exc)) from None
    return manifest


def _readonly(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def integrity(path: Path) -> list[str]:
    """SQLite's integrity check of a database file, read-only; the error when it cannot."""
    try:
        conn = _readonly(path)
        try:
            return [row[0] for row in conn.execute("PRAGMA integrity_check").fetchall()]
        finally:
            conn.close()
    except sqlite3.Error as exc:
        return [str(exc)]


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _backup_contents(backup: Path, db_path: Path) -> tuple[list[str], int, str | None]:
    checked = integrity(db_path)
    if checked != ["ok"]:
        raise _refuse(_("Cơ sở dữ liệu trong bản sao lưu {path} bị hỏng.", path=str(backup)),
                      _("Dùng một bản sao lưu khác."), integrity_check=checked[:20])
    conn = _readonly(db_path)
    try:
        hashes = [r[0] for r in conn.execute(
            "SELECT sha256 FROM files UNION SELECT sha256 FROM draft_files")]
        dossiers = conn.execute("SELECT count(*) FROM dossiers").fetchone()[0]
        has_settings = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE name = 'settings'").fetchone()
        row = conn.execute("SELECT value FROM settings WHERE key = ?",
                           (identity.STORE_ID_KEY,)).fetchone() if has_settings else None
    finally:
        conn.close()
    store_id = json.loads(row[0]) if row else None
    missing = []
    for sha in hashes:
        src = backup / "files" / sha[:2] / sha
        if not SHA256_RE.match(sha) or not src.is_file() or _sha256_of(src) != sha:
            missing.append(sha)
    if missing:
        raise _refuse(
            _("Bản sao lưu {path} thiếu hoặc hỏng {n} tệp bản quét.", path=str(backup),
              n=len(missing)),
            _("Dùng một bản sao lưu khác."), files=missing[:20])
    return hashes, dossiers, store_id


def restore(backup: Path, database: Path, files: FileStore, *,
            replace: bool = False) -> dict[str, Any]:
    """Put the backup in ``backup`` in place of ``database``; returns what was done."""
    manifest = _read_manifest(backup)
    name = str(manifest.get("database") or "kiosk.sqlite3")
    src_db = backup / Path(name).name
    if not src_db.is_file():
        raise _refuse(_("Bản sao lưu {path} không có tệp cơ sở dữ liệu.", path=str(backup)),
                      _("Chọn thư mục do lệnh «kiosk db backup» tạo ra."))
    with identity.exclusive_store_lock(database):
        hashes, dossiers, backup_id = _backup_contents(backup, src_db)
        marker = identity.read_marker(files)
        marker_id = marker.get(identity.STORE_ID_KEY) if marker else None
        if backup_id and marker_id and backup_id != marker_id:
            raise _refuse(
                _("Bản sao lưu {path} là của một kho dữ liệu khác, không phải của kho tệp {files}.",
                  path=str(backup), files=str(files.root)),
                _("Chọn bản sao lưu của chính quầy này."),
                backup_store_id=backup_id, files_store_id=marker_id)
        if not identity.database_is_blank(database) and integrity(database) == ["ok"] \
                and not replace:
            raise _refuse(
                _("Cơ sở dữ liệu {path} vẫn còn và không hỏng.", path=str(database)),
                _("Sao lưu nó trước (kiosk db backup), rồi chạy lại với --replace nếu thật sự "
                  "muốn thay nó bằng bản sao lưu; bản cũ được giữ lại bên cạnh."))
        copied = 0
        for sha in hashes:
            if files.verify(sha) is not None:
                stored = files.put(backup / "files" / sha[:2] / sha)
                if stored.sha256 != sha:  # pragma: no cover - verified just above
                    raise _refuse(_("Tệp {sha256} đổi nội dung khi chép.", sha256=sha),
                                  _("Kiểm tra thiết bị chứa bản sao lưu rồi thử lại."))
                copied += 1
        moved = _put_in_place(src_db, database)
    return {"restored_from": str(backup), "backup_created_at": manifest.get("created_at"),
            "dossiers": dossiers, "files": len(hashes), "files_copied": copied,
            "moved_aside": moved}


def _put_in_place(src_db: Path, database: Path) -> list[str]:
    database.parent.mkdir(parents=True, exist_ok=True)
    tmp = database.with_name(database.name + ".restoring")
    tmp.unlink(missing_ok=True)
    source = sqlite3.connect(f"file:{src_db}?mode=ro", uri=True)
    target = sqlite3.connect(str(tmp))
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    stamp = now().strftime("%Y%m%d-%H%M%S")
    moved = []
    for suffix in ("", "-wal", "-shm"):
        old = Path(str(database) + suffix)
        if old.exists():
            aside = old.with_name(f"{database.name}.before-restore-{stamp}{suffix}")
            os.replace(old, aside)
            moved.append(str(aside))
    os.replace(tmp, database)
    fd = os.open(database.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    return moved


def diagnose(database: Path, files: FileStore, error: KioskError) -> dict[str, Any]:
    """What ``kiosk db check`` reports when the store refuses to open."""
    try:
        size: int | None = database.stat().st_size
    except OSError:
        size = None
    marker = identity.read_marker(files)
    return {
        "ok": False,
        "error": error.to_json(),
        "database": str(database),
        "database_bytes": size,
        "integrity_check": integrity(database) if size else None,
        "files_stored": identity.stored_file_count(files),
        "store_id": marker.get(identity.STORE_ID_KEY) if marker else None,
    }
