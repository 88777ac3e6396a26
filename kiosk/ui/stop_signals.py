"""SIGTERM, SIGINT and SIGHUP close the app the way its window's close button does.

Python runs a signal handler only when the main thread runs Python code, and the Qt event
loop runs in C: without help a Ctrl-C waited for the next Python slot, and SIGTERM's default
action ended the process at once, skipping the draft's last save and the helpers' orderly
stop. The signal module writes each signal to a pipe (``set_wakeup_fd``); a socket notifier
on the pipe runs a Python slot, and the handler then asks Qt to quit, which returns from
``exec()`` into the normal close. A second signal ends the process at once (the default
action), and the helper processes die with it (kiosk.child_process).
"""

from __future__ import annotations

import logging
import os
import signal
from collections.abc import Callable
from typing import Any

from kiosk.ui.qt import QSocketNotifier

log = logging.getLogger(__name__)
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


def quit_on_stop_signals(qt_app: Any) -> Callable[[], None]:
    """Install the handlers; returns a function that puts the previous ones back."""
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

    def stop(signum: int, _frame: Any) -> None:
        log.info("%s: closing the counter app", signal.Signals(signum).name)
        for sig in STOP_SIGNALS:
            signal.signal(sig, signal.SIG_DFL)
        qt_app.quit()

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

    return restore
