"""The one thread that writes to the database.

SQLite allows one writer at a time; funnelling every write of this process through one
thread that owns the write connection keeps transactions short and ordered, and lets the UI
and the sync worker submit writes from any thread and get a future back (Electrum's
``SqlDB``, Anki's collection executor). Other processes (CLI commands) may write at the same
time: ``BEGIN IMMEDIATE`` plus the busy timeout serialise them.

A blocking :meth:`WriterThread.call` made while the writer has nothing to do runs on the
calling thread instead, holding the connection the way the writer thread would: the caller
waits for the result either way, and handing the work over cost a save two thread wake-ups
(0.02 ms back to back, 0.1 ms of CPU after a pause, measured; issue 28 §3). Work already
queued or running keeps its order: the call then queues behind it.

A write made that way does not wake this thread either. The thread looks for upkeep by
itself every ``idle_after`` seconds while writes come (and for ``AWAKE_SECONDS`` after the
last one), and only sleeps without a timeout once the store has been quiet that long; the
write that finds it so wakes it. Waking it, and through ``after_write`` the checkpointer,
after every save cost the saving thread the GIL twice right after its commit (the woken
threads took it while the issued-numbers log was written): 0.1–0.5 ms of wall time and
two more threads' CPU on each save after a pause (strace of a save, issue 28 §3, third
pass).
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

from kiosk.storage.sqlite import Database

T = TypeVar("T")

_STOP = object()
#: Queued after a write made on a calling thread while this thread slept without a timeout.
_WROTE = object()
#: How long after the last write the thread keeps looking for upkeep by itself (a counter
#: saves every minute or so in opening hours): after that a write wakes it.
AWAKE_SECONDS = 600.0


class WriterThread:
    """Runs submitted functions, one at a time, with the write connection as argument."""

    def __init__(self, open_connection: Callable[[], Database], name: str = "kiosk-db-writer",
                 *, idle: Callable[[Database], bool] | None = None,
                 idle_done: Callable[[Database], None] | None = None,
                 after_write: Callable[[float], None] | None = None,
                 idle_after: float = 0.2):
        """``idle(db)`` runs on this thread once no work came for ``idle_after`` seconds
        after a write (at most twice that), and again every 50 ms while it returns True
        and the queue stays empty: bounded upkeep steps. Work submitted meanwhile aborts
        the step (it rolls back) so a save never waits for upkeep. ``idle_done(db)`` runs
        after each step, once nothing can abort it any more (it puts back connection
        settings). ``after_write(at)`` runs on this thread after each submitted function
        that changed the database, and within ``idle_after`` seconds after writes made by
        blocking calls on other threads (once for all those it finds); ``at`` is the
        ``time.monotonic()`` of the first write it reports."""
        self._open = open_connection
        self._idle = idle
        self._idle_done = idle_done
        self._after_write = after_write
        self._idle_after = idle_after
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._ready = threading.Event()
        self._startup_error: BaseException | None = None
        self._db: Database | None = None
        # Who holds the connection (this thread, a caller running inline, or no one), how
        # many submitted functions have not started, and when upkeep is due; all under
        # ``_turn``.
        self._lock = threading.Lock()
        self._turn = threading.Condition(self._lock)
        #: The thread id holding the connection, or None.
        self._owner: int | None = None
        #: True while this thread waits for a caller running inline to finish.
        self._waiting = False
        self._running = False
        self._queued = 0
        self._closing = False
        #: Upkeep is due: written since the last idle step found nothing to do.
        self._armed = False
        self._last_write = 0.0
        #: Written inline since this thread last looked (``after_write`` not yet run), and
        #: when the first of those writes was made.
        self._unseen = False
        self._unseen_since = 0.0
        self._looks = idle is not None or after_write is not None
        #: This thread sleeps without a timeout: the next inline write wakes it.
        self._asleep = self._looks
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()
        #: Kept: ``Thread.ident`` is a property, a Python call on every ``call``.
        self._ident = self._thread.ident
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
        self._db = db
        me = threading.get_ident()
        self._running = True
        self._ready.set()
        # Seconds to wait for work before looking for upkeep (waiting on the queue, so
        # work that arrives is taken at once); None: asleep until work or a write comes.
        wait: float | None = None
        try:
            while True:
                try:
                    item = self._queue.get(timeout=wait)
                except queue.Empty:
                    wait = self._look(db, me)
                    continue
                if item is _STOP:
                    with self._turn:
                        self._wait_turn()
                        self._owner = me
                        self._running = False
                    return
                if item is _WROTE:
                    wait = self._look(db, me)
                    continue
                fn, future = item
                with self._turn:
                    self._wait_turn()
                    self._owner = me
                    self._queued -= 1
                    self._asleep = False
                try:
                    if not future.set_running_or_notify_cancel():
                        continue
                    if self._run_one(db, fn, future):
                        with self._turn:
                            self._armed = self._idle is not None
                            self._last_write = time.monotonic()
                finally:
                    self._owner = None
                if self._looks:
                    wait = self._idle_after
        finally:
            self._running = False
            db.conn.close()

    def _wait_turn(self) -> None:
        """(Holding ``_turn``.) Wait until no caller runs inline."""
        self._waiting = True
        while self._owner is not None:
            self._turn.wait()
        self._waiting = False

    def _run_one(self, db: Database, fn: Callable[[Database], Any], future: Future[Any]
                 ) -> bool:
        """Run ``fn(db)`` into ``future``; True when it changed the database."""
        changes = db.conn.total_changes
        try:
            future.set_result(fn(db))
        except BaseException as exc:
            # Never leave a half transaction open for the next caller.
            if db.conn.in_transaction:
                db.conn.rollback()
            future.set_exception(exc)
        if db.conn.total_changes == changes:
            return False
        if self._after_write is not None:
            self._after_write(time.monotonic())
        return True

    def _look(self, db: Database, me: int) -> float | None:
        """Look for upkeep (no work came for a while): run ``after_write`` for writes made
        inline, an idle step once writes have settled; the next wait (None: asleep)."""
        with self._turn:
            seen, self._unseen = self._unseen, False
            if seen:
                self._armed = self._idle is not None
            settled = time.monotonic() - self._last_write
            since = self._unseen_since
        if seen and self._after_write is not None:
            self._after_write(since)
        with self._turn:
            if not self._armed:
                if settled < AWAKE_SECONDS or self._unseen:
                    return self._idle_after
                self._asleep = True
                return None
            if settled < self._idle_after:
                return self._idle_after - settled
            if self._owner is not None or self._queued:
                return 0.05  # busy after all: look again shortly
            self._owner = me
        more = False
        try:
            more = self._idle_step(db)
        finally:
            with self._lock:
                self._owner = None
                # A write made inline during the step keeps upkeep due.
                self._armed = more or self._unseen
        return 0.05 if more else self._idle_after

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
        """True on the thread holding the connection: this one, or a caller running inline."""
        me = threading.get_ident()
        return me == self._ident or self._owner == me

    def submit(self, fn: Callable[[Database], T]) -> Future[T]:
        """Queue ``fn(db)``; the future holds its result or exception."""
        if not self._thread.is_alive():
            raise RuntimeError("the storage writer thread has stopped")
        future: Future[T] = Future()
        with self._turn:
            self._queued += 1
        self._queue.put((fn, future))
        return future

    def call(self, fn: Callable[[Database], T]) -> T:
        """Run ``fn(db)`` with the write connection and wait for it: on this thread when the
        writer is free and nothing is queued, else on the writer thread after what is."""
        me = threading.get_ident()
        if me == self._ident or self._owner == me:
            raise RuntimeError("call() from the writer thread would deadlock")
        with self._lock:
            inline = (self._owner is None and not self._queued and not self._closing
                      and self._running)
            if inline:
                self._owner = me
        if not inline:
            return self.submit(fn).result()
        db = self._db
        assert db is not None
        changes = db.conn.total_changes
        try:
            return fn(db)
        except BaseException:
            # Never leave a half transaction open for the next caller.
            if db.conn.in_transaction:
                db.conn.rollback()
            raise
        finally:
            # Upkeep and ``after_write`` are this thread's to do when it next looks: no
            # wake-up here (module docstring), unless it sleeps without a timeout.
            wake = False
            with self._lock:
                self._owner = None
                if db.conn.total_changes != changes:
                    self._last_write = time.monotonic()
                    if not self._unseen:
                        self._unseen, self._unseen_since = True, self._last_write
                    wake, self._asleep = self._asleep, False
                if self._waiting:
                    self._turn.notify()
            if wake:
                self._queue.put(_WROTE)

    def close(self) -> None:
        with self._turn:
            self._closing = True
        if self._thread.is_alive():
            self._queue.put(_STOP)
            self._thread.join()
