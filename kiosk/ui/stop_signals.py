"""SIGTERM, SIGINT and SIGHUP close the app the way its window's close button does.

Python runs a signal handler only when the main thread runs Python code, and the Qt event
loop runs in C: without help a Ctrl-C waited for the next Python slot, and SIGTERM's default
action ended the process at once, skipping the draft's last save and the helpers' orderly
stop. The signal module writes each signal to a pipe (``set_wakeup_fd``); a socket notifier
on the pipe runs a Python slot, and the handler then ends Qt's event loop, which returns
from ``exec()`` into the normal close. It ends the loop with ``exit(0)``, not ``quit()``:
``quit()`` first closes every window inside the loop, and on Ctrl-C soon after the start a
pending update of the just-closed window then reached its freed platform window (a
segmentation fault in 6 of 130 starts here; none in 150 with ``exit``). ``Window.close``
takes the windows down after the loop, in order. Another signal more than two seconds
later, while it is still closing, ends the process at once; the helper processes die with
it (kiosk.child_process).
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import time
from collections.abc import Callable
from typing import Any

from kiosk.ui.qt import QSocketNotifier, QThread, QTimer

log = logging.getLogger(__name__)
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
#: A signal this long after the first, while the app is still closing, ends it at once.
INSISTENT_AFTER_S = 2.0


class StopSignals:
    """The installed handlers: ``restore()`` puts the previous ones back; ``received`` is the
    first stop signal heard, if any."""

    def __init__(self, restore: Callable[[], None], first: list[int]) -> None:
        self.restore = restore
        self._first = first

    @property
    def received(self) -> int | None:
        return self._first[0] if self._first else None


def end_by_signal(signum: int) -> None:
    """After an orderly close asked for by a signal, end by that same signal.

    A shell running the app (``make run``, a terminal, systemd) learns from the exit status
    whether it was interrupted: a child that catches SIGINT and then exits 0 tells bash the
    user meant the signal for the child alone, so ``make run`` returned 0 to a Ctrl-C now and
    then (bash drops the SIGINT when its child exits normally). Re-raising is the convention
    for programs that catch SIGINT to clean up first.
    """
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


def quit_on_stop_signals(qt_app: Any) -> StopSignals:
    """Install the handlers; returns them with the way to put the previous ones back."""
    read_fd, write_fd = os.pipe()
    os.set_blocking(read_fd, False)
    os.set_blocking(write_fd, False)
    previous_fd = signal.set_wakeup_fd(write_fd, warn_on_full_buffer=False)
    notifier = QSocketNotifier(read_fd, QSocketNotifier.Type.Read, qt_app)

    def drain() -> None:
        try:
            while os.read(read_fd, 512):
                pass
        except BlockingIOError:
            pass

    notifier.activated.connect(drain)
    previous = {sig: signal.getsignal(sig) for sig in STOP_SIGNALS}

    first: list[float] = []
    heard: list[int] = []

    def stop(signum: int, _frame: Any) -> None:
        name = signal.Signals(signum).name
        if not first:
            first.append(time.monotonic())
            heard.append(signum)
            log.info("%s: closing the counter app", name)
            if QThread.currentThread().loopLevel() == 0:
                # Still starting (services, the demo seed, the window): exit() before exec()
                # does nothing in Qt 6, so the request would be lost and the app would run
                # on. A queued exit ends the loop as soon as it starts.
                QTimer.singleShot(0, lambda: qt_app.exit(0))
            else:
                qt_app.exit(0)
        elif time.monotonic() - first[0] > INSISTENT_AFTER_S:
            # Asked again while closing: someone wants it gone now (helpers die with it).
            log.warning("%s while closing: ending at once", name)
            os._exit(128 + signum)
        # A second signal right after the first is the same request (Ctrl-C reaches both
        # make run's shell and the app, and the shell then sends SIGTERM): keep closing.

    for sig in STOP_SIGNALS:
        signal.signal(sig, stop)

    def restore() -> None:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        signal.set_wakeup_fd(previous_fd)
        notifier.setEnabled(False)
        notifier.deleteLater()
        os.close(read_fd)
        os.close(write_fd)

    return StopSignals(restore, heard)
