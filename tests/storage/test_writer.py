"""The writer: a blocking call runs on the caller's thread when the writer is free, queued
work keeps its order, and upkeep still follows writes made that way (issue 28 §3)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from kiosk.storage.connection import connect
from kiosk.storage.sqlite import Database
from kiosk.storage.writer import WriterThread


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "w.sqlite3"


def test_a_call_on_a_free_writer_runs_on_the_calling_thread(path: Path) -> None:
    writer = WriterThread(lambda: connect(path))
    try:
        where = writer.call(lambda db: threading.get_ident())
        assert where == threading.get_ident()
        # Inside, the caller holds the connection: a nested call would wait for itself.
        with pytest.raises(RuntimeError, match="deadlock"):
            writer.call(lambda db: writer.call(lambda d: 1))
        assert writer.call(lambda db: db.conn.in_transaction) is False
    finally:
        writer.close()


def test_a_call_queues_behind_submitted_work(path: Path) -> None:
    writer = WriterThread(lambda: connect(path))
    release = threading.Event()
    order: list[str] = []
    try:
        writer.call(lambda db: db.execute("CREATE TABLE t (x)"))

        def slow(db: Database) -> None:
            release.wait(10)
            db.execute("INSERT INTO t VALUES ('first')")
            order.append("submitted")

        first = writer.submit(slow)
        done = threading.Event()

        def caller() -> None:
            writer.call(lambda db: (db.execute("INSERT INTO t VALUES ('second')"),
                                    order.append("called")))
            done.set()

        threading.Thread(target=caller).start()
        assert not done.wait(0.2)  # waiting behind the queued function
        release.set()
        first.result(10)
        assert done.wait(10)
        assert order == ["submitted", "called"]
        assert writer.call(lambda db: [r[0] for r in db.execute("SELECT x FROM t ORDER BY rowid")]
                           ) == ["first", "second"]
    finally:
        release.set()
        writer.close()


def test_an_error_inside_an_inline_call_rolls_back_and_frees_the_writer(path: Path) -> None:
    writer = WriterThread(lambda: connect(path))
    try:
        writer.call(lambda db: db.execute("CREATE TABLE t (x)"))

        def half(db: Database) -> None:
            db.conn.execute("BEGIN IMMEDIATE")
            db.conn.execute("INSERT INTO t VALUES (1)")
            raise ValueError("stop")

        with pytest.raises(ValueError):
            writer.call(half)
        assert writer.submit(lambda db: db.execute("SELECT count(*) FROM t").fetchone()[0]
                             ).result(10) == 0
    finally:
        writer.close()


def test_upkeep_follows_writes_made_on_the_calling_thread(path: Path) -> None:
    stepped = threading.Event()
    wrote: list[bool] = []

    def step(db: Database) -> bool:
        stepped.set()
        return False

    writer = WriterThread(lambda: connect(path), idle=step, idle_after=0.05,
                          after_write=lambda: wrote.append(True))
    try:
        writer.call(lambda db: db.execute("CREATE TABLE t (x)"))  # no row changed
        writer.call(lambda db: db.execute("INSERT INTO t VALUES (1)"))
        assert stepped.wait(5)
        stepped.clear()
        writer.call(lambda db: db.execute("INSERT INTO t VALUES (2)"))
        assert stepped.wait(5)
        assert len(wrote) == 2
        stepped.clear()
        writer.call(lambda db: db.execute("SELECT 1").fetchone())  # no change: no upkeep
        assert not stepped.wait(0.3)
    finally:
        writer.close()
    with pytest.raises(RuntimeError, match="stopped"):
        writer.call(lambda db: 1)
