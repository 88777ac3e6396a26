"""The sync worker: its own thread (never the UI's), one per machine (a file lock), waking
up when work is due, when the app saves something (:meth:`SyncWorker.poke`), or on a timer."""

from __future__ import annotations

import fcntl
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kiosk.errors import KioskError
from kiosk.i18n import _

log = logging.getLogger(__name__)


class AlreadyRunning(KioskError):
    kind = "sync_running"


class InstanceLock:
    """An exclusive ``flock`` on ``sync.lock``: a second sync process on this data dir
    refuses to start (the kernel drops the lock when the holder dies, even on SIGKILL)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise AlreadyRunning(_("Tiến trình đồng bộ khác đang chạy trên máy này."),
                                 hint=_("Chỉ cần một tiến trình đồng bộ; xem «kiosk sync status».")
                                 ) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


class SyncWorker:
    """Runs ``one_pass()`` repeatedly on a daemon thread until :meth:`stop`."""

    def __init__(self, one_pass: Callable[[], dict[str, Any]], lock: InstanceLock,
                 interval: float = 30.0, on_error: Callable[[BaseException], None] | None = None
                 ) -> None:
        self._one_pass = one_pass
        self._lock = lock
        self.interval = interval
        self._on_error = on_error
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="kiosk-sync", daemon=True)
        self.last_result: dict[str, Any] | None = None

    def start(self) -> SyncWorker:
        self._lock.acquire()
        self._thread.start()
        return self

    def poke(self) -> None:
        """Something new was saved: sync soon instead of at the next tick."""
        self._wake.set()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)
        self._lock.release()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.last_result = self._one_pass()
            except Exception as exc:  # the worker outlives any one failure
                log.exception("sync pass failed")
                if self._on_error:
                    self._on_error(exc)
            self._wake.wait(self.interval)
            self._wake.clear()
