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

from kiosk.storage.sqlite import Database

T = TypeVar("T")

_STOP = object()


class WriterThread:
    """Runs submitted functions, one at a time, with the write connection as argument."""

    def __init__(self, open_connection: Callable[[], Database], name: str = "kiosk-db-writer",
                 *, idle: Callable[[Database], bool] | None = None,
                 idle_done: Callable[[Database], None] | None = None,
                 after_write: Callable[[], None] | None = None,
                 idle_after: float = 0.2):
        """``idle(db)`` runs on this thread once no work came for ``idle_after`` seconds
        after a write, and again every 50 ms while it returns True and the queue stays
        empty: bounded upkeep steps. Work submitted meanwhile aborts the step (it rolls
        back) so a save never waits for upkeep. ``idle_done(db)`` runs after each step,
        once nothing can abort it any more (it puts back connection settings).
        ``after_write()`` runs after each submitted function that changed the database."""
        self._open = open_connection
        self._idle = idle
        self._idle_done = idle_done
        self._after_write = after_write
        self._idle_after = idle_after
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
        # None: no upkeep due; else seconds to wait for work before the next idle step
        # (waiting on the queue, so work that arrives is taken at once).
        upkeep: float | None = None
        try:
            while True:
                try:
                    item = self._queue.get(timeout=upkeep)
                except queue.Empty:
                    upkeep = 0.05 if self._idle_step(db) else None
                    continue
                if item is _STOP:
                    return
                fn, future = item
                if not future.set_running_or_notify_cancel():
                    continue
                changes = db.conn.total_changes
                try:
                    future.set_result(fn(db))
                except BaseException as exc:
                    # Never leave a half transaction open for the next caller.
                    if db.conn.in_transaction:
                        db.conn.rollback()
                    future.set_exception(exc)
                if db.conn.total_changes != changes:
                    if self._idle is not None:
                        upkeep = self._idle_after
                    if self._after_write is not None:
                        self._after_write()
        finally:
            db.conn.close()

    def _idle_step(self, db: Database) -> bool:
        """One idle step; True when it found work (so there may be more)."""
        assert self._idle is not None
        # SQLite's progress handler aborts the step's statement ("interrupted") as soon as
        # work is queued, at whatever point it has reached; checked every 1,000 VM steps.
        db.conn.set_progress_handler(lambda: int(not self._queue.empty()), 1000)
        try:
            more = self._idle(db)
        except Exception:
            # Upkeep is an optimisation: a full disk, a busy lock or an interrupt must not
            # stop the writer. The next write re-arms it.
            more = False
        finally:
            db.conn.set_progress_handler(None, 0)
            if db.conn.in_transaction:
                db.conn.rollback()
            if self._idle_done is not None:
                self._idle_done(db)
        return more

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
