"""An :class:`~concurrent.futures.Executor` over one helper process (kiosk.child_process).

Used for the scan page pipeline: the calls run one at a time, in the order submitted, in a
process that dies with the app. Functions travel by reference (``module:qualname``), so they
must be module-level; arguments and results are pickled. If the helper dies (killed, out of
memory), the calls waiting on it fail with :class:`HelperGone` and the next call starts a
fresh one.
"""

from __future__ import annotations

import collections
import importlib
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future
from multiprocessing.connection import Connection
from typing import Any

from kiosk.child_process import ChildProcess


class HelperGone(RuntimeError):
    """The helper process ended before it answered."""


class _Helper:
    """A helper process and the calls it owes, oldest first."""

    def __init__(self, name: str, idle: bool = False) -> None:
        self.process = ChildProcess("kiosk.child_executor:serve", name=name, idle=idle)
        self.owed: collections.deque[Future[Any]] = collections.deque()


class ChildExecutor(Executor):
    def __init__(self, name: str = "helper", *, idle: bool = False) -> None:
        self.name = name
        self.idle = idle
        self._lock = threading.Lock()
        self._send_lock = threading.Lock()
        self._helper: _Helper | None = None
        self._closed = False

    @property
    def pid(self) -> int | None:
        helper = self._helper
        return helper.process.pid if helper is not None and helper.process.alive() else None

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        ref = f"{fn.__module__}:{fn.__qualname__}"
        future: Future[Any] = Future()
        # Sends are ordered by their own lock: a page (megabytes) may wait for the helper to
        # read it, and meanwhile the results reader must still take the state lock.
        with self._send_lock:
            with self._lock:
                if self._closed:
                    raise RuntimeError("cannot submit after shutdown")
                helper = self._running_helper()
                helper.owed.append(future)
            try:
                helper.process.conn.send((ref, args, kwargs))
            except (OSError, ValueError) as exc:
                # The helper died meanwhile; the next call starts a new one.
                with self._lock:
                    if future in helper.owed:
                        helper.owed.remove(future)
                if not future.done():
                    future.set_exception(HelperGone(f"{self.name}: {exc}"))
        return future

    def _running_helper(self) -> _Helper:
        if self._helper is None or not self._helper.process.alive():
            helper = _Helper(self.name, self.idle)
            self._helper = helper
            threading.Thread(target=self._read, args=(helper,), name=f"{self.name}-results",
                             daemon=True).start()
        return self._helper

    def _read(self, helper: _Helper) -> None:
        while True:
            try:
                ok, value = helper.process.conn.recv()
            except (EOFError, OSError, TypeError):
                # TypeError: the app closed the connection while this thread was inside
                # recv() (its handle became None under it); the helper is gone either way.
                break
            with self._lock:
                future = helper.owed.popleft()
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)
        # End of file: the helper is gone; whatever it still owed fails.
        helper.process.close(grace=1.0)
        with self._lock:
            if self._helper is helper:
                self._helper = None
            owed, helper.owed = list(helper.owed), collections.deque()
        for future in owed:
            if not future.done():
                future.set_exception(
                    HelperGone(f"{self.name}: {helper.process.exit_description()}"))

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._lock:
            self._closed = True
            helper = self._helper
            owed = list(helper.owed) if helper is not None else []
        if helper is None:
            return
        if wait and not cancel_futures:
            for future in owed:
                try:
                    future.exception()
                except Exception:  # a cancelled future: nothing to wait for
                    pass
        helper.process.close(grace=2.0)


def serve(conn: Connection) -> None:
    """In the helper: run each call in turn and send back (ok, result or exception)."""
    while True:
        try:
            ref, args, kwargs = conn.recv()
        except (EOFError, OSError):
            return
        try:
            module, name = ref.split(":")
            target: Any = importlib.import_module(module)
            for part in name.split("."):
                target = getattr(target, part)
            reply: tuple[bool, Any] = (True, target(*args, **kwargs))
        except Exception as exc:
            reply = (False, exc)
        try:
            try:
                conn.send(reply)
            except (TypeError, AttributeError, ValueError) as exc:  # pickle refused it
                conn.send((False, RuntimeError(f"{type(reply[1]).__name__}: {reply[1]} "
                                               f"({exc})")))
        except OSError:  # the parent closed its end: nobody is waiting any more
            return
