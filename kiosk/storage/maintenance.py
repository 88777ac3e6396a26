"""Checking and backing up the database and the file store.

``check`` reports rather than repairs: a counter admin decides what to restore. ``backup``
uses SQLite's online backup API (consistent while the app keeps writing) and copies every
referenced file; files are immutable and named by hash, so copying them after the database
snapshot is consistent: every file the snapshot references already existed when it was
taken (files are durable before their rows commit).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from pathlib import Path
from typing import Any

from kiosk.clock import iso, now
from kiosk.errors import StorageError
from kiosk.i18n import _
from kiosk.storage.connection import is_disk_full
from kiosk.storage.files import FileStore, disk_full_error
from kiosk.storage.sqlite import Database


def referenced_hashes(db: Database) -> set[str]:
    """Files a row points to: pages and other stored files, and the scans of drafts."""
    return {
        row[0]
        for row in db.execute("SELECT sha256 FROM files UNION SELECT sha256 FROM draft_files")
    }


def check(db: Database, files: FileStore, *, rehash: bool = True,
          readonly: bool = False) -> dict[str, Any]:
    """``readonly`` (a full disk): the search index is not checked (``None``), because
    FTS5's integrity command is a write."""
    integrity = [r[0] for r in db.execute("PRAGMA integrity_check").fetchall()]
    fk = [
        {"table": r[0], "rowid": r[1], "parent": r[2]}
        for r in db.execute("PRAGMA foreign_key_check").fetchall()
    ]
    problems: list[dict[str, str]] = []
    hashes = sorted(referenced_hashes(db))
    for sha in hashes:
        problem = files.verify(sha) if rehash else (None if files.exists(sha) else "missing")
        if problem:
            problems.append({"sha256": sha, "problem": problem})
    fts_ok: bool | None = None
    if not readonly:
        try:
            db.execute("INSERT INTO dossier_fts (dossier_fts) VALUES ('integrity-check')")
            fts_ok = True
        except sqlite3.DatabaseError:
            fts_ok = False
    ok = integrity == ["ok"] and not fk and not problems and fts_ok is not False
    return {
        "ok": ok,
        "integrity_check": integrity,
        "foreign_key_problems": fk,
        "search_index_ok": fts_ok,
        "files_checked": len(hashes),
        "file_problems": problems,
    }


def backup(db: Database, files: FileStore, dest: Path) -> dict[str, Any]:
    """Write ``dest/kiosk.sqlite3``, ``dest/files/…`` and, last, ``dest/manifest.json``.

    ``dest`` must be new or empty. A failed backup (full USB stick, pulled out) removes what
    it wrote; a folder without ``manifest.json`` is never a finished backup.
    """
    if dest.exists() and any(dest.iterdir()):
        raise StorageError(
            _("Thư mục sao lưu {path} không trống.", path=str(dest)),
            hint=_("Chọn một thư mục mới hoặc thư mục trống."),
        )
    created = not dest.exists()
    try:
        dest.mkdir(parents=True, exist_ok=True)
        target_path = dest / "kiosk.sqlite3"
        target = sqlite3.connect(str(target_path))
        try:
            # All pages in one step: a stepwise backup restarts whenever the app commits in
            # between, and might never finish on a busy counter. In WAL mode the one read
            # transaction this takes does not block the writer.
            db.conn.backup(target, pages=-1)
        finally:
            target.close()
        snap = sqlite3.connect(str(target_path))
        try:
            hashes = [r[0] for r in snap.execute(
                "SELECT sha256 FROM files UNION SELECT sha256 FROM draft_files").fetchall()]
            dossiers = snap.execute("SELECT count(*) FROM dossiers").fetchone()[0]
        finally:
            snap.close()
        out = FileStore(dest / "files")
        total = 0
        for sha in hashes:
            dst = out.path_for(sha)
            dst.parent.mkdir(exist_ok=True)
            shutil.copyfile(files.path_for(sha), dst)
            total += dst.stat().st_size
        out.tmp.rmdir()
        _sync_tree(dest)
        manifest = {"created_at": iso(now()), "dossiers": dossiers, "files": len(hashes),
                    "file_bytes": total, "database": target_path.name}
        (dest / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2),
                                            encoding="utf-8")
        _sync_tree(dest)
    except (OSError, sqlite3.Error) as exc:
        _remove_partial(dest, created)
        if is_disk_full(exc, dest.parent if created else dest):
            raise disk_full_error(dest) from exc
        raise StorageError(
            _("Không sao lưu được vào {path}: {error}", path=str(dest),
              error=getattr(exc, "strerror", None) or str(exc)),
            hint=_("Kiểm tra thiết bị lưu trữ và quyền ghi rồi thử lại."),
        ) from exc
    return {"path": str(dest), **manifest}


def _remove_partial(dest: Path, created: bool) -> None:
    if created:
        shutil.rmtree(dest, ignore_errors=True)
    elif dest.exists():
        for child in dest.iterdir():
            if child.is_dir():
                shutil.rmtree(child, ignore_errors=True)
            else:
                child.unlink(missing_ok=True)


def _sync_tree(root: Path) -> None:
    """fsync every file and directory of the backup so a pulled USB stick keeps it whole."""
    for dirpath, _dirs, names in os.walk(root):
        for name in names:
            fd = os.open(os.path.join(dirpath, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        fd = os.open(dirpath, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
