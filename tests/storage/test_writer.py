"""The writer: a blocking call runs on the caller's thread when the writer is free, queued
work keeps its order, and upkeep still follows writes made that way (issue 28 §3)."""

from __future__ import annotations

import queue
import threading
import time
from pathlib import Path
from types import SimpleNamespace

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
                          after_write=lambda at: wrote.append(True))
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


def test_an_inline_write_wakes_no_thread_while_the_writer_looks_by_itself(
        path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The writer thread finds writes made on callers' threads by itself: the caller puts
    nothing on its queue, and ``after_write`` runs on the writer thread. Once the store has
    been quiet for ``AWAKE_SECONDS`` the thread sleeps, and the next write wakes it."""
    from kiosk.storage import writer as writer_module

    where: list[int] = []
    stepped = threading.Event()

    def step(db: Database) -> bool:
        stepped.set()
        return False

    puts: list[object] = []

    class CountingQueue(queue.SimpleQueue):  # type: ignore[type-arg]
        def put(self, item: object, block: bool = True, timeout: float | None = None) -> None:
            puts.append(item)
            super().put(item)

    monkeypatch.setattr(writer_module, "queue", SimpleNamespace(SimpleQueue=CountingQueue,
                                                                Empty=queue.Empty))
    writer = WriterThread(lambda: connect(path), idle=step, idle_after=0.05,
                          after_write=lambda at: where.append(threading.get_ident()))
    try:
        writer.call(lambda db: db.execute("CREATE TABLE t (x)"))
        writer.call(lambda db: db.execute("INSERT INTO t VALUES (1)"))  # wakes the sleeper
        assert stepped.wait(5)
        assert len(puts) == 1
        stepped.clear()
        writer.call(lambda db: db.execute("INSERT INTO t VALUES (2)"))  # it looks by itself
        assert stepped.wait(5)
        assert len(puts) == 1
        assert where and set(where) == {writer._ident}
        # Quiet long enough: asleep again, and a write wakes it for its upkeep.
        monkeypatch.setattr(writer_module, "AWAKE_SECONDS", 0.0)
        end = time.monotonic() + 5
        while not writer._asleep:
            assert time.monotonic() < end, "the writer never went to sleep"
            time.sleep(0.01)
        stepped.clear()
        writer.call(lambda db: db.execute("INSERT INTO t VALUES (3)"))
        assert stepped.wait(5)
        assert len(puts) == 2
    finally:
        writer.close()
