"""A serial barcode reader for tests: a ``socat`` pseudo-terminal pair. The app opens
``port`` as it opens /dev/ttyACM0; the test writes the reader's bytes into the other end.
Unplugging stops socat (both ends and their links vanish, as a USB CDC port does);
plugging back starts it again with the same links."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path


class SerialReader:
    """A serial barcode reader on a socat pty pair: ``port`` is the app's end."""

    def __init__(self, directory: Path) -> None:
        self.port = directory / "com"
        self._reader = directory / "reader"
        self.proc: subprocess.Popen[bytes] | None = None

    def plug(self) -> None:
        self.proc = subprocess.Popen(
            ["socat", f"pty,raw,echo=0,link={self._reader}", f"pty,raw,echo=0,link={self.port}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while not (self._reader.exists() and self.port.exists()):
            assert self.proc.poll() is None and time.monotonic() < deadline, "socat did not start"
            time.sleep(0.02)

    def send(self, data: bytes) -> None:
        fd = os.open(self._reader, os.O_WRONLY | os.O_NOCTTY)
        try:
            os.write(fd, data)
        finally:
            os.close(fd)

    def unplug(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self.proc = None
