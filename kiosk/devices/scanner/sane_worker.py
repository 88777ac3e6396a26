"""The scanner process: libsane, the SANE driver and nothing else (kiosk.child_process).

Requests arrive on the connection, one at a time, and are answered in order:

* ``("list", local_only)`` → ``("result", [ScannerInfo, ...])``
* ``("capabilities", device)`` → ``("result", Capabilities)``
* ``("scan", device, ScanSettings)`` → ``("progress", page, fraction)``… ``("page", ScanPage)``…
  then ``("outcome", ScanOutcome)`` or ``("error", ScannerError)``, sent before the device is
  released; ``("idle",)`` once it is released and the next request can be served
* ``("cancel",)`` at any time: cancels the scan in progress (from the reader thread, the one
  libsane call SANE allows beside a blocked read)

Any request answers ``("error", exc)`` on failure. End of file ends the process. The parent
(:mod:`kiosk.devices.scanner.process_driver`) watches for progress and kills this process
when a backend stops answering; nothing here needs to guard against that.
"""

from __future__ import annotations

import importlib
import queue
import threading
import time
from multiprocessing.connection import Connection
from typing import Any

from kiosk.devices.scanner.protocol import CancelToken, ScanPage
from kiosk.devices.scanner.sane_device import SaneApi
from kiosk.devices.scanner.sane_driver import SaneScanDriver

#: Progress is sent at most this often: it only tells the parent that the scanner is alive.
PROGRESS_EVERY_S = 0.2


def load_api(spec: str, config_dir: str) -> Any:
    """``SaneApi``, or for fault-injection tests a ``module:callable`` taking the config dir."""
    if not spec:
        return SaneApi(config_dir)
    module, name = spec.split(":")
    return getattr(importlib.import_module(module), name)(config_dir)


def serve(conn: Connection, config_dir: str = "", api: str = "",
          local_only: bool = False) -> None:
    driver = SaneScanDriver(load_api(api, config_dir), local_only=local_only)
    send_lock = threading.Lock()
    requests: queue.SimpleQueue[tuple[tuple[Any, ...], CancelToken] | None] = \
        queue.SimpleQueue()
    # Each request gets its token when it arrives: a cancel sent right after a scan request,
    # before the scan has begun, still cancels it.
    latest = [CancelToken()]
    parent_gone = threading.Event()

    def give_up() -> None:
        """The parent closed its end (done with us, or gone): stop what runs, then exit."""
        parent_gone.set()
        latest[0].cancel()
        requests.put(None)

    def send(message: tuple[Any, ...]) -> None:
        with send_lock:
            if parent_gone.is_set():
                return
            try:
                conn.send(message)
            except OSError:
                give_up()

    def read() -> None:
        while True:
            try:
                message = conn.recv()
            except (EOFError, OSError):
                give_up()
                return
            if message[0] == "cancel":
                latest[0].cancel()
            else:
                latest[0] = CancelToken()
                requests.put((message, latest[0]))

    threading.Thread(target=read, name="scanner-requests", daemon=True).start()
    try:
        while (item := requests.get()) is not None and not parent_gone.is_set():
            answer(driver, item[0], item[1], send)
    finally:
        driver.close()


def answer(driver: SaneScanDriver, request: tuple[Any, ...], cancel: CancelToken,
           send: Any) -> None:
    kind = request[0]
    if kind == "scan":
        scan(driver, request[1], request[2], cancel, send)
        return
    try:
        if kind == "list":
            send(("result", driver.list_devices()))
        elif kind == "capabilities":
            send(("result", driver.capabilities(request[1])))
        else:
            raise ValueError(f"unknown scanner request {kind!r}")
    except Exception as exc:
        send_error(send, exc)


def scan(driver: SaneScanDriver, device: str, settings: Any, cancel: CancelToken,
         send: Any) -> None:
    last = [0.0]
    settled: list[object] = []

    def on_progress(index: int, fraction: float) -> None:
        now = time.monotonic()
        if now - last[0] >= PROGRESS_EVERY_S:
            last[0] = now
            send(("progress", index, fraction))

    def on_page(page: ScanPage) -> None:
        send(("page", page))

    def on_settled(result: object) -> None:
        settled.append(result)
        if isinstance(result, Exception):
            send_error(send, result)
        else:
            send(("outcome", result))

    try:
        driver.scan(device, settings, cancel=cancel, on_progress=on_progress, on_page=on_page,
                    on_settled=on_settled)
    except Exception as exc:
        if not settled:  # failed before any page loop: opening, or a bug
            send_error(send, exc)
    send(("idle",))


def send_error(send: Any, exc: Exception) -> None:
    try:
        send(("error", exc))
    except (TypeError, AttributeError, ValueError):  # an exception pickle refuses
        send(("error", RuntimeError(f"{type(exc).__name__}: {exc}")))
