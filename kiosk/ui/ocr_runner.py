"""Reading the text of saved scans in the background (issue 24 §4).

One daemon thread takes the saved files not yet read, newest first, and has each page read
by Tesseract in a helper process of its own (``kiosk.child_executor``), one page at a time
and only while no scan is running; Tesseract runs at the lowest CPU priority. Not in the
page pipeline's helper: one page of a test pattern took Tesseract over a minute there,
and the next scan's pages queued behind it (the intake's path must not wait for reading).
The GUI thread never does any of it, and this thread only waits and writes: opening the
file, rendering, Tesseract and building the copy with the invisible text layer all run in
the helper (:func:`kiosk.ocr_store.read_stored`). The text goes to the word index
(:mod:`kiosk.storage.texts`) that ``kiosk search --text`` and Look-up read, the layered
copy to the file store beside the signed original, which stays the record.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

log = logging.getLogger(__name__)
IDLE_POLL = 0.5


class OcrRunner:
    def __init__(self, services: Any, scanner: Any) -> None:
        self.services, self.scanner = services, scanner
        self._executor: Any = None
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._again = False
        self.read = 0

    def poke(self) -> None:
        """Something was saved: read what is new (a no-op while a pass is running)."""
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                self._again = True
                return
            self._again = False
            self._thread = threading.Thread(target=self._run, name="kiosk-ocr", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """At exit: the page being read is abandoned (its helper and Tesseract end)."""
        self._stop.set()
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)

    def _helper(self) -> Any:
        with self._lock:
            if self._stop.is_set():
                raise RuntimeError("stopped")
            if self._executor is None:
                from kiosk.child_executor import ChildExecutor

                self._executor = ChildExecutor("ocr", idle=True)
            return self._executor

    def wait(self, timeout: float) -> bool:
        """For tests: until the pass in progress ends."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return thread is None or not thread.is_alive()

    def _run(self) -> None:
        from kiosk import ocr

        if not ocr.available():
            log.info("no tesseract with Vietnamese data: scans are not read")
            return
        try:
            while not self._stop.is_set():
                if not self._one():
                    with self._lock:
                        if not self._again:
                            return
                        self._again = False
        except Exception:
            if not self._stop.is_set():
                log.exception("reading the text of scans stopped")

    def _call(self, fn: Any, *args: Any) -> Any:
        from kiosk.ocr_store import niced

        return self._helper().submit(niced, fn, *args).result()

    def _go_on(self) -> bool:
        while self.scanner.active and not self._stop.is_set():
            time.sleep(IDLE_POLL)  # the clerk is scanning: the machine is theirs
        return not self._stop.is_set()

    def _one(self) -> bool:
        from kiosk.ocr_store import read_stored
        from kiosk.storage import texts

        store = self.services.store
        found = store.read(lambda db: texts.pending(db, 1))
        if not found or not self._go_on():
            return False
        if read_stored(store, found[0], call=self._call, go_on=self._go_on) is None:
            return False
        self.read += 1
        return True
