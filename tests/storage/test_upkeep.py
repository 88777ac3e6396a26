"""Upkeep off the save path: idle FTS5 merges, background checkpoints, interrupted steps."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

from kiosk.storage import Store, upkeep
from kiosk.storage.writer import WriterThread

from .helpers import make_input


def _segments(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT count(*) FROM dossier_fts_data").fetchone()[0]
    finally:
        conn.close()


def _wait(cond, timeout: float = 10.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.02)
    return False


def test_saves_do_not_merge_the_index_idle_time_does(store: Store) -> None:
    assert store.reader().execute(
        "SELECT v FROM dossier_fts_config WHERE k = 'automerge'").fetchone()[0] == 0
    given = ["An", "Bình", "Chi", "Dũng", "Giang", "Hải", "Khoa", "Lan", "Minh", "Nam",
             "Phúc", "Quang"]
    for i, name in enumerate(given):
        store.save_dossier(make_input(store, name=f"Nguyễn Văn {name}",
                                      content=f"scan {i}".encode()), "canbo")
    grown = _segments(store.path)
    # Idle merges bring the twelve one-save segments together, and the search still works.
    assert _wait(lambda: _segments(store.path) < grown)
    assert [r["name"] for r in store.search("van lan")] == ["Nguyễn Văn Lan"]  # FTS5
    assert [r["name"] for r in store.search("nguyen van m")] == ["Nguyễn Văn Minh"]
    assert store.call(lambda db: db.execute("PRAGMA synchronous").fetchone()[0]) == 2
    store.call(lambda db: db.execute(
        "INSERT INTO dossier_fts (dossier_fts) VALUES ('integrity-check')"))


def test_wal_is_checkpointed_beside_saves(store: Store, monkeypatch) -> None:
    monkeypatch.setattr(upkeep, "CHECKPOINT_MIN_BYTES", 0)
    store.save_dossier(make_input(store), "canbo")
    assert store._checkpointer is not None
    assert _wait(lambda: store._checkpointer.checkpoints >= 1)
    # The save's own connection never checkpoints below the safety bound.
    assert store.call(lambda db: db.execute("PRAGMA wal_autocheckpoint").fetchone()[0]) == \
        upkeep.WAL_SAFETY_PAGES


def test_work_submitted_during_an_idle_step_interrupts_it(tmp_path: Path) -> None:
    started = threading.Event()
    interrupted: list[BaseException] = []

    def slow_step(db) -> bool:
        db.conn.execute("BEGIN IMMEDIATE")
        db.conn.execute("CREATE TABLE IF NOT EXISTS t (x)")
        started.set()
        try:
            # A long statement, as a big merge would be: only an interrupt ends it early.
            db.conn.execute("WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c "
                            "WHERE i < 500000000) SELECT count(*) FROM c").fetchone()
        except sqlite3.OperationalError as exc:
            interrupted.append(exc)
            raise
        return False

    def restore(db) -> None:
        db.conn.execute("PRAGMA synchronous=FULL")

    def open_db():
        from kiosk.storage.connection import connect

        return connect(tmp_path / "t.sqlite3")

    writer = WriterThread(open_db, idle=slow_step, idle_done=restore, idle_after=0.01)
    try:
        writer.call(lambda db: db.execute("CREATE TABLE IF NOT EXISTS u (x)"))
        writer.call(lambda db: db.execute("INSERT INTO u VALUES (0)"))  # arms the upkeep
        assert started.wait(5)
        begin = time.monotonic()
        writer.call(lambda db: db.execute("INSERT INTO u VALUES (1)"))
        assert time.monotonic() - begin < 5
        assert interrupted and "interrupt" in str(interrupted[0])
        # The interrupted step rolled back; the write after it committed.
        assert writer.call(lambda db: db.execute("SELECT count(*) FROM u").fetchone()[0]) == 2
        assert writer.call(lambda db: db.conn.in_transaction) is False
    finally:
        writer.close()
