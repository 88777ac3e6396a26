"""Which stored files the start-up sweep may delete: only those this database says it wrote
or let go of, and nothing it has never known.

Sweeping "every file no row references" deletes every scan the moment the rows are gone (an
emptied database, an old backup restored, another counter's database). So the database keeps
its own history in ``unowned_files``: a file enters when the store writes it
(:meth:`Store.put_file`, before a draft or a dossier references it) and when its last draft
reference goes (a trigger on ``draft_files``); it leaves when a row references it again or
when the sweep deletes it. A file the database has no record of is never deleted, only
counted by ``kiosk db check``.
"""

from __future__ import annotations

import time
from pathlib import Path

from kiosk.clock import iso, now, parse_iso
from kiosk.storage.files import FileStore
from kiosk.storage.sqlite import Database

_REFERENCED = ("(EXISTS (SELECT 1 FROM files f WHERE f.sha256 = unowned_files.sha256) "
               "OR EXISTS (SELECT 1 FROM draft_files d WHERE d.sha256 = unowned_files.sha256))")


def note_written(db: Database, sha256: str) -> None:
    """Record a file the store has just written and nothing references yet.

    Without a full sync: losing this row to a power cut only means the file is kept."""
    conn = db.conn
    conn.execute("PRAGMA synchronous=NORMAL")
    try:
        with db.atomic():
            conn.execute("INSERT OR IGNORE INTO unowned_files (sha256, since) VALUES (?, ?)",
                         (sha256, iso(now())))
    finally:
        conn.execute("PRAGMA synchronous=FULL")


def collect(db: Database, files: FileStore, *, min_age_seconds: float) -> list[str]:
    """Delete the files the database let go of, older than the grace period, and stale temp
    files; forget the ones referenced again. Returns the hashes (and temp names) removed."""
    cutoff = time.time() - min_age_seconds
    removed: list[str] = []
    with db.atomic():
        db.conn.execute(f"DELETE FROM unowned_files WHERE {_REFERENCED}")
        candidates = db.execute(
            f"SELECT sha256, since FROM unowned_files WHERE NOT {_REFERENCED}").fetchall()
        for sha, since in candidates:
            path = files.path_for(sha)
            # A row whose file is not there yet may be another process's put in progress.
            written = _mtime(path)
            if written > cutoff or (written == float("-inf") and _iso_seconds(since) > cutoff):
                continue
            path.unlink(missing_ok=True)
            db.conn.execute("DELETE FROM unowned_files WHERE sha256 = ?", (sha,))
            removed.append(sha)
    for tmp in files.tmp.iterdir():
        # put- files are this file store's own writes in progress, never anyone's data.
        if tmp.name.startswith("put-") and _mtime(tmp) <= cutoff:
            tmp.unlink(missing_ok=True)
            removed.append(tmp.name)
    return removed


def unknown_files(db: Database, files: FileStore, limit: int = 1000) -> list[str]:
    """Stored files no row references and the database has no record of (kept, listed)."""
    known: set[str] = set()
    for sql in ("SELECT sha256 FROM files", "SELECT sha256 FROM draft_files",
                "SELECT sha256 FROM unowned_files"):
        known.update(row[0] for row in db.execute(sql))
    out = []
    for sha in files.iter_hashes():
        if sha not in known:
            out.append(sha)
            if len(out) >= limit:
                break
    return sorted(out)


def _iso_seconds(text: str) -> float:
    try:
        return parse_iso(text).timestamp()
    except ValueError:
        return float("-inf")


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return float("-inf")
