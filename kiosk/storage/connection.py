"""SQLite connections with the pragmas every connection of the counter needs.

WAL lets readers (UI, sync, reports) run while the writer commits; ``synchronous=FULL``
makes every commit survive a power cut, not only a crash of the process (NORMAL in WAL mode
may lose the last transactions on power loss, which the counter can never allow once the
citizen holds a printed code).
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from kiosk.storage.sqlite import Database

#: How long a connection waits for another process's write lock before giving up (ms).
#: Several CLI processes and the app may write at once; saves are short.
BUSY_TIMEOUT_MS = 30_000
#: Prepared statements kept per connection (sqlite3's default is 128). The project runs
#: some 380 different statements, and the writer sees most of them in a day (saves, status
#: changes, the sync worker's outbox updates, drafts, letters…): with 128, a save after a
#: busy hour prepared its 18 statements again, the 22-column dossier INSERT among them.
CACHED_STATEMENTS = 1024


def connect(path: Path, *, readonly: bool = False) -> Database:
    """Open ``path`` as a :class:`Database` with our pragmas.

    ``check_same_thread=False`` only because the writer thread hands finished connections
    back to whoever closes the store; each connection is used by one thread at a time.
    """
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False,
                           cached_statements=CACHED_STATEMENTS)
    try:
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA synchronous=FULL")
        if readonly:
            conn.execute("PRAGMA query_only=ON")
        return Database(conn)
    except BaseException:
        conn.close()
        raise


def enable_wal(db: Database) -> None:
    """Switch to WAL (persistent in the file; a no-op when already set)."""
    mode = db.execute("PRAGMA journal_mode").fetchone()[0]
    if mode.lower() != "wal":
        db.execute("PRAGMA journal_mode=WAL")


def is_disk_full(exc: BaseException, where: Path | None = None) -> bool:
    """True for SQLite's and the OS's ways of saying the disk has no room left.

    On a full tmpfs SQLite sometimes reports a generic I/O error rather than SQLITE_FULL,
    so an I/O error counts as "full" when the directory ``where`` has (almost) no room.
    """
    if isinstance(exc, OSError) and exc.errno in (28, 122):  # ENOSPC, EDQUOT
        return True
    if isinstance(exc, sqlite3.Error):
        code = getattr(exc, "sqlite_errorcode", None)
        if code is not None and code & 0xFF == 13:  # SQLITE_FULL
            return True
        if "disk is full" in str(exc):
            return True
        if where is not None and "disk I/O error" in str(exc):
            return shutil.disk_usage(where).free < 1 << 20
    return False
