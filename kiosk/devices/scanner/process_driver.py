"""The scanner driver the app and ``kiosk scan`` use: libsane in a supervised process.

libsane can hang the process it runs in: a backend's read that never returns (a real
scanner's stuck USB transfer), or a reader thread cancelled asynchronously that leaves a
malloc lock held (the SANE ``test`` backend; docs/SCANNING.md). In-process, that froze a
scan lane and then the window's close. Here the SANE driver runs in a helper process
(:mod:`kiosk.devices.scanner.sane_worker`, started through :mod:`kiosk.child_process`, so
it dies with the app) and this side supervises it:

* every message from the helper (a page, a progress note, an answer) is progress; when none
  comes for ``stall_seconds`` (the ``scanner.stall_seconds`` setting) the helper is killed
  and the scan ends with :class:`ScannerNotResponding`, carrying the number of pages already
  handed to ``on_page`` (they are the caller's and stay);
* a helper that dies (a backend's segfault) ends the scan the same way;
* after a cancel (the clerk's "Dừng", the app closing) the helper gets
  :data:`CANCEL_GRACE_S` to stop; a helper that does not is killed and the scan counts as
  cancelled, not failed;
* the next request after a kill starts a fresh helper.

The helper answers a scan before it releases the device and says ``idle`` once released;
a release that hangs costs only a restart before the next request.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from kiosk.child_process import ChildProcess
from kiosk.devices.scanner.errors import ScannerNotResponding
from kiosk.devices.scanner.protocol import (
    CancelToken,
    Capabilities,
    PageCallback,
    ProgressCallback,
    ScanEnd,
    ScannerInfo,
    ScanOutcome,
    ScanSettings,
)

#: Default for ``scanner.stall_seconds``: CCD flatbeds warm their lamp and calibrate for up
#: to about half a minute before the first line, with nothing to report meanwhile.
DEFAULT_STALL_S = 60.0
#: How long a cancelled scan may take to stop before its process is killed.
CANCEL_GRACE_S = 3.0
#: How often a wait looks at the cancel token.
_POLL_S = 0.1


class _Stalled(Exception):
    """No message within the time allowed; the helper has been killed."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ProcessScanDriver:
    """:class:`~kiosk.devices.scanner.protocol.ScanDriver` over a supervised SANE process.

    ``api`` names a ``module:callable`` the helper uses instead of ``SaneApi`` (fault
    injection in tests); ``config_dir`` is ``scanner.sane_config_dir``.
    """

    def __init__(self, config_dir: str = "", *, stall_seconds: float = DEFAULT_STALL_S,
                 api: str = "", local_only: bool = False) -> None:
        self.config_dir = config_dir
        self.stall_seconds = float(stall_seconds)
        self.api = api
        self.local_only = local_only
        self._child: ChildProcess | None = None
        self._owes_idle = False
        #: One request at a time; close() does not take it (it must end a stuck scan).
        self._lock = threading.Lock()
        #: A cancel comes from another thread, maybe two at once: one message at a time.
        self._send_lock = threading.Lock()
        self._closed = False

    @property
    def pid(self) -> int | None:
        """The scanner process, while one runs (for tests and diagnostics)."""
        child = self._child
        return child.pid if child is not None and child.alive() else None

    # --- the protocol -------------------------------------------------------------------

    def list_devices(self) -> list[ScannerInfo]:
        return list(self._request(("list", self.local_only)))

    def capabilities(self, device: str) -> Capabilities:
        result: Capabilities = self._request(("capabilities", device), device=device)
        return result

    def scan(
        self,
        device: str,
        settings: ScanSettings,
        *,
        cancel: CancelToken | None = None,
        on_progress: ProgressCallback | None = None,
        on_page: PageCallback | None = None,
    ) -> ScanOutcome:
        token = cancel or CancelToken()
        with self._lock:
            child = self._ready_child()
            pages = 0
            self._owes_idle = True
            self._send_request(child, ("scan", device, settings), device)
            remove = token.add_callback(lambda: self._send_cancel(child))
            try:
                while True:
                    try:
                        message = self._next(child, token)
                    except _Stalled as stalled:
                        if token.cancelled:
                            return ScanOutcome(pages, ScanEnd.CANCELLED, device, settings)
                        raise ScannerNotResponding.create(
                            pages_scanned=pages, device=device, detail=stalled.reason
                        ) from None
                    kind = message[0]
                    if kind == "page":
                        pages += 1
                        if on_page is not None:
                            on_page(message[1])
                    elif kind == "progress":
                        if on_progress is not None:
                            on_progress(message[1], message[2])
                    elif kind == "outcome":
                        outcome: ScanOutcome = message[1]
                        return outcome
                    elif kind == "error":
                        raise message[1]
            finally:
                remove()

    def close(self) -> None:
        self._closed = True
        child, self._child = self._child, None
        if child is not None:
            # End of file asks the helper to release SANE; one that hangs doing so is killed.
            child.close(grace=2.0)

    # --- supervision --------------------------------------------------------------------

    def _request(self, request: tuple[Any, ...], device: str = "") -> Any:
        with self._lock:
            child = self._ready_child()
            self._send_request(child, request, device)
            try:
                message = self._next(child, None)
            except _Stalled as stalled:
                raise ScannerNotResponding.create(device=device,
                                                  detail=stalled.reason) from None
            if message[0] == "error":
                raise message[1]
            return message[1]

    def _ready_child(self) -> ChildProcess:
        if self._closed:
            raise RuntimeError("the scanner driver is closed")
        child = self._child
        if child is not None and self._owes_idle:
            # The last scan's release of the device: a helper stuck there is replaced.
            try:
                while self._next(child, None)[0] != "idle":
                    pass
                self._owes_idle = False
            except _Stalled:
                child = None
        if child is None or not child.alive():
            if child is not None:
                child.kill()
            child = ChildProcess("kiosk.devices.scanner.sane_worker:serve", name="scanner",
                                 args=(self.config_dir, self.api, self.local_only))
            self._child = child
            self._owes_idle = False
        return child

    def _next(self, child: ChildProcess, cancel: CancelToken | None) -> tuple[Any, ...]:
        """The helper's next message; kills the helper when it takes too long."""
        deadline = time.monotonic() + self.stall_seconds
        cancelled_at: float | None = None
        while True:
            if cancel is not None and cancel.cancelled and cancelled_at is None:
                cancelled_at = time.monotonic()
                deadline = min(deadline, cancelled_at + CANCEL_GRACE_S)
            left = deadline - time.monotonic()
            try:
                if child.conn.poll(max(0.0, min(left, _POLL_S))):
                    message: tuple[Any, ...] = child.conn.recv()
                    return message
            except (EOFError, OSError):
                # The helper died (a crash in a backend), or close() ended it.
                child.kill()
                self._forget(child)
                raise _Stalled(f"scanner process ended: {child.exit_description()}") from None
            if left <= 0:
                child.kill()
                self._forget(child)
                raise _Stalled(f"no answer from the scanner process for "
                               f"{self.stall_seconds:g} s")

    def _forget(self, child: ChildProcess) -> None:
        if self._child is child:
            self._child = None
            self._owes_idle = False

    def _send_request(self, child: ChildProcess, request: tuple[Any, ...], device: str) -> None:
        try:
            self._send(child, request)
        except (OSError, ValueError):  # it died since it was last seen alive
            child.kill()
            self._forget(child)
            raise ScannerNotResponding.create(
                device=device, detail=f"scanner process ended: {child.exit_description()}"
            ) from None

    def _send(self, child: ChildProcess, message: tuple[Any, ...]) -> None:
        with self._send_lock:
            child.conn.send(message)

    def _send_cancel(self, child: ChildProcess) -> None:
        try:
            self._send(child, ("cancel",))
        except (OSError, ValueError):  # gone already: nothing left to cancel
            pass

