"""The one thread that writes to the database.

SQLite allows one writer at a time; funnelling every write of this process through one
thread that owns the write connection keeps transactions short and ordered, and lets the UI
and the sync worker submit writes from any thread and get a future back (Electrum's
``SqlDB``, Anki's collection executor). Other processes (CLI commands) may write at the same
time: ``BEGIN IMMEDIATE`` plus the busy timeout serialise them.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

from sqlite_utils import Database

T = TypeVar("T")

_STOP = object()


class WriterThread:
    """Runs submitted functions, one at a time, with the write connection as argument."""

    def __init__(self, open_connection: Callable[[], Database], name: str = "kiosk-db-writer"):
        self._open = open_connection
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._ready = threading.Event()
        self._startup_error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()
        self._ready.wait()
        if self._startup_error is not None:
            raise self._startup_error

    def _run(self) -> None:
        try:
            db = self._open()
        except BaseException as exc:
            self._startup_error = exc
            self._ready.set()
            return
        self._ready.set()
        try:
            while True:
                item = self._queue.get()
                if item is _STOP:
                    return
                fn, future = item
                if not future.set_running_or_notify_cancel():
                    continue
                try:
                    future.set_result(fn(db))
                except BaseException as exc:
                    # Never leave a half transaction open for the next caller.
                    if db.conn.in_transaction:
                        db.conn.rollback()
                    future.set_exception(exc)
        finally:
            db.conn.close()

    def on_writer_thread(self) -> bool:
        return threading.current_thread() is self._thread

    def submit(self, fn: Callable[[Database], T]) -> Future[T]:
        """Queue ``fn(db)``; the future holds its result or exception."""
        if not self._thread.is_alive():
            raise RuntimeError("the storage writer thread has stopped")
        future: Future[T] = Future()
        self._queue.put((fn, future))
        return future

    def call(self, fn: Callable[[Database], T]) -> T:
        """Run ``fn(db)`` on the writer thread and wait for it."""
        if self.on_writer_thread():
            raise RuntimeError("call() from the writer thread would deadlock")
        return self.submit(fn).result()

    def close(self) -> None:
        if self._thread.is_alive():
            self._queue.put(_STOP)
            self._thread.join()
