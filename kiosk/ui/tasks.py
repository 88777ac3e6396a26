"""Background work for the UI, with results delivered on the GUI thread.

Like Anki's ``CollectionOp``: ``runner.run(fn, on_done, on_error, lane=...)`` runs ``fn`` on
the lane's worker and calls ``on_done(result)`` or ``on_error(exc)`` on the GUI thread. Each
lane is one thread with a named owner (``storage``, ``print``, ``net``, ``work``), so a slow
printer never delays a save and the GUI thread never waits on any of them. Tests may use
``synchronous=True`` (Picard's FakeThreadPool) to run work inline.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from kiosk.ui.qt import QObject, Signal, Slot

log = logging.getLogger(__name__)

LANES = ("storage", "print", "net", "work")


class TaskRunner(QObject):
    _finished = Signal(object)

    def __init__(self, synchronous: bool = False, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.synchronous = synchronous
        self._pools = {lane: ThreadPoolExecutor(1, thread_name_prefix=f"kiosk-{lane}")
                       for lane in LANES}
        self._pending = 0
        self._closed = False
        # Queued automatically: the runner lives on the GUI thread, workers emit.
        self._finished.connect(self._deliver)

    @property
    def pending(self) -> int:
        return self._pending

    def run(self, fn: Callable[[], Any], on_done: Callable[[Any], None] | None = None,
            on_error: Callable[[BaseException], None] | None = None, *,
            lane: str = "work") -> None:
        if self._closed:
            log.info("not run, the app is closing: %r", fn)
            return
        if self.synchronous:
            try:
                result = fn()
            except Exception as exc:
                self._call(on_error, exc, fn)
            else:
                self._call(on_done, result, fn)
            return
        self._pending += 1

        def job() -> None:
            try:
                outcome: tuple[bool, Any] = (True, fn())
            except BaseException as exc:
                outcome = (False, exc)
            self._finished.emit((outcome, on_done, on_error, fn))

        self._pools[lane].submit(job)

    @Slot(object)
    def _deliver(self, packet: Any) -> None:
        (ok, value), on_done, on_error, fn = packet
        self._pending -= 1
        self._call(on_done if ok else on_error, value, fn, failed=not ok)

    @staticmethod
    def _call(callback: Callable[[Any], None] | None, value: Any, fn: Any,
              failed: bool = False) -> None:
        if callback is None:
            if failed or isinstance(value, BaseException):
                log.error("background task %r failed: %r", fn, value)
            return
        try:
            callback(value)
        except Exception:
            log.exception("callback of background task %r failed", fn)

    def shutdown(self) -> None:
        self._closed = True
        for pool in self._pools.values():
            pool.shutdown(wait=True, cancel_futures=False)
