"""SANE APIs that misbehave on purpose, loaded *inside the scanner process* by
``ProcessScanDriver(api="tests.devices.sane_faults:<name>")``: the real SANE ``test`` backend,
except that one ``sane_start`` of a batch does something a broken backend does."""

from __future__ import annotations

import ctypes
import os
import signal
from collections.abc import Callable
from typing import Any

from kiosk.devices.scanner.sane_device import SaneApi, SaneHandle


class _FaultAt(SaneApi):
    """Runs ``fault()`` in place of the ``at``-th ``sane_start`` of the process."""

    at = 3
    fault: Callable[[], Any] = staticmethod(lambda: None)

    def open(self, name: str) -> SaneHandle:
        handle = super().open(name)
        api = self

        class Handle(SaneHandle):
            def start(self) -> None:
                api.starts = getattr(api, "starts", 0) + 1
                if api.starts == api.at:
                    api.fault()
                super().start()

        return Handle(handle._dev)


def _segfault() -> None:
    ctypes.string_at(0)  # reads address 0: SIGSEGV, as a crashing backend would


def _stop_self() -> None:
    os.kill(os.getpid(), signal.SIGSTOP)  # frozen solid: no thread of it runs any more


class CrashAtThirdSheet(_FaultAt):
    fault = staticmethod(_segfault)


class FreezeAtThirdSheet(_FaultAt):
    fault = staticmethod(_stop_self)


class JamAtThirdSheet(SaneApi):
    """The third sheet jams once (the backend's ``read-return-value``)."""

    def open(self, name: str) -> SaneHandle:
        handle = super().open(name)
        api = self

        class Handle(SaneHandle):
            def start(self) -> None:
                api.starts = getattr(api, "starts", 0) + 1
                self.set("read_return_value",
                         "SANE_STATUS_JAMMED" if api.starts == 3 else "Default")
                super().start()

        return Handle(handle._dev)
