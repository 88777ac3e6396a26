"""Upkeep taken off the save path: FTS5 segment merges and WAL checkpoints.

A save used to pay, now and then, for work that has nothing to do with its own durability:
SQLite's automatic WAL checkpoint (copying ~1,000 pages into the database file and fsyncing
it, run by whichever commit crossed the threshold) and FTS5's automatic segment merge
(one save rewrote 2,000+ pages of the search index). Both are now done elsewhere:

- the writer connection's ``wal_autocheckpoint`` is only a far safety bound and a
  :class:`Checkpointer` thread, with its own connection, runs ``wal_checkpoint(PASSIVE)``
  shortly after writes once the WAL holds 1,000 pages or more. A passive
  checkpoint never blocks a writer or a reader, so it runs beside the next save instead of
  inside it. Durability is unchanged: a commit is durable once its WAL frames are fsynced
  (``synchronous=FULL``), before and independently of any checkpoint;
- FTS5 ``automerge`` is 0 (migration ``0010_speed_name_keys``) and :func:`fts_merge_step`
  runs bounded ``merge`` steps on the writer thread when it is idle. Crisis merges stay
  FTS5's safety net when the counter is never idle.
"""

from __future__ import annotations

import logging
import queue
import sqlite3
import threading
import time
from pathlib import Path

from kiosk.storage.connection import BUSY_TIMEOUT_MS, connect
from kiosk.storage.sqlite import Database

log = logging.getLogger(__name__)

#: Pages one idle merge step may write (a few ms); the step repeats while it finds work.
MERGE_PAGES = 64
#: The checkpointer leaves a WAL smaller than this alone (SQLite's own default threshold,
#: 1,000 pages of 4 KiB): checkpointing a few pages costs a database fsync for nothing.
CHECKPOINT_MIN_BYTES = 1000 * (4096 + 24)
#: WAL frames beyond which a commit checkpoints by itself after all: the bound on the WAL's
#: size if the checkpointer cannot keep up (64 MiB at 4 KiB pages), far above what it leaves.
WAL_SAFETY_PAGES = 16_000


def configure_writer(db: Database) -> None:
    db.execute(f"PRAGMA wal_autocheckpoint={WAL_SAFETY_PAGES}")


def fts_merge_step(db: Database) -> bool:
    """One bounded FTS5 merge transaction; True when it did work (call again).

    The merge only reorganises the index, so its commit need not wait for an fsync: with
    ``synchronous=NORMAL`` a power cut can at worst undo the merge, never a save (the next
    save's FULL commit syncs the WAL up to and including it).
    """
    conn = db.conn
    before = conn.total_changes
    conn.execute("PRAGMA synchronous=NORMAL")
    # Another process (a CLI command) holding the write lock: skip rather than wait.
    conn.execute("PRAGMA busy_timeout=0")
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("INSERT INTO dossier_fts (dossier_fts, rank) VALUES ('merge', ?)",
                 (MERGE_PAGES,))
    conn.execute("COMMIT")
    # FTS5 counts a merge that wrote nothing as no change (its documented idiom).
    return conn.total_changes - before > 1


def restore_writer(db: Database) -> None:
    """After an upkeep step (run by the writer outside any interruptible window): the
    writer's settings for saves, whatever the step did or where it stopped."""
    conn = db.conn
    if conn.in_transaction:
        conn.execute("ROLLBACK")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")


class Checkpointer:
    """A thread with its own connection that checkpoints the WAL after writes settle."""

    def __init__(self, path: Path, *, delay: float = 0.2) -> None:
        self._path = path
        self._delay = delay
        # A poke is a flag and, only when the flag was down, one item for the thread to
        # wake on: a C queue's put, where ``threading.Event.set`` (a Python condition, its
        # lock and notify) cost a save 0.03 ms of CPU after a pause (issue 28 §3).
        self._wake: queue.SimpleQueue[None] = queue.SimpleQueue()
        self._poked = False
        self._since = 0.0
        self._stop = False
        self.checkpoints = 0
        self._thread = threading.Thread(target=self._run, name="kiosk-db-checkpoint",
                                        daemon=True)
        self._thread.start()

    def poke(self, at: float | None = None) -> None:
        """Writes were made, the first at ``at`` (``time.monotonic()``; default: now): the
        checkpoint comes ``delay`` seconds after it, however late the poke (the writer
        thread reports writes made on callers' threads when it next looks)."""
        if not self._poked:
            self._since = time.monotonic() if at is None else at
            self._poked = True
            self._wake.put(None)

    def _run(self) -> None:
        db: Database | None = None
        try:
            while True:
                self._wake.get()
                if self._stop:
                    return
                # Coalesce a burst of saves into one checkpoint: pokes from here on queue
                # the next look; the ones before are answered by this one, which reads the
                # WAL after the delay.
                self._poked = False
                time.sleep(max(0.0, self._since + self._delay - time.monotonic()))
                if self._stop:
                    return
                try:
                    wal = self._path.with_name(self._path.name + "-wal")
                    if not wal.exists() or wal.stat().st_size < CHECKPOINT_MIN_BYTES:
                        continue
                    if db is None:
                        db = connect(self._path)
                    db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                    self.checkpoints += 1
                except (sqlite3.Error, OSError) as exc:
                    # A full disk or a locked file: the WAL keeps the data; try next time.
                    log.info("WAL checkpoint skipped: %s", exc)
        finally:
            if db is not None:
                db.conn.close()

    def close(self) -> None:
        self._stop = True
        self._wake.put(None)
        self._thread.join()
